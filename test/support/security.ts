/**
 * Helpers for the security integration tests: open a login interaction, post to it (raw or as a form), read the
 * verdict a person sees, check error pages for leaks, and capture a Poort's log output.
 */
import { Writable } from 'node:stream';
import { en } from '../../src/i18n/en.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { Agent, inputValue, type Page } from './browser.ts';
import { startPoort, type Tenant, type TestPoort } from './poort.ts';
import { authorizationRequest, discover, oidc, type AuthRequest } from './rp.ts';

export interface OpenLogin {
  agent: Agent;
  config: oidc.Configuration;
  request: AuthRequest;
  /** The login page as first shown. */
  page: Page;
  uid: string;
  csrf: string;
  /** Absolute URL of /interaction/:uid */
  base: string;
}

/** Starts an authorization request for `tenant`'s client and stops at Poort's login page. */
export async function openLogin(poort: TestPoort, tenant: Pick<Tenant, 'clientId' | 'clientSecret' | 'redirectUri'>, extra: Record<string, string> = {}, agent = new Agent()): Promise<OpenLogin> {
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri, extra);
  const page = await agent.follow(request.url.toString(), poort.issuer);
  const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1];
  if (page.status !== 200 || !uid) throw new Error(`no login page: ${page.status} ${page.url} ${page.location ?? ''}`);
  return { agent, config, request, page, uid, csrf: inputValue(page.body, 'csrf') ?? '', base: `${poort.issuer}/interaction/${uid}` };
}

/** POSTs the login form of `login` (no redirects followed). */
export function postLogin(login: OpenLogin, email: string, password: string, csrf = login.csrf): Promise<Page> {
  return login.agent.request(`${login.base}/login`, { form: { csrf, email, password } });
}

/** Follows a 303 back to the login page and returns that page. */
export async function pageAfter(login: OpenLogin, posted: Page): Promise<Page> {
  if (posted.status !== 303 || !posted.location) throw new Error(`expected 303, got ${posted.status}: ${posted.body.slice(0, 300)}`);
  return login.agent.request(posted.location);
}

/** The message shown in the login form's alert, if any. */
export function formError(html: string): string | undefined {
  return /<p[^>]*role="alert"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];
}

export type Verdict = 'failed' | 'throttled' | 'invalid' | 'none';

/** Which of the login page's messages `html` shows. */
export function verdictOf(html: string): Verdict {
  const message = formError(html);
  if (message === undefined) return 'none';
  if (message === en['login.failed']) return 'failed';
  if (message === en['login.throttled']) return 'throttled';
  if (message === en['login.invalid']) return 'invalid';
  throw new Error(`unexpected login message: ${message}`);
}

/**
 * oidc-provider's self-submitting form (e.g. ending another account's session before a new login continues):
 * posts it as a browser would and follows Poort's redirects. Other pages are returned unchanged.
 */
export async function submitAutoForm(agent: Agent, issuer: string, page: Page): Promise<Page> {
  if (!page.body.includes('<title>Submitting Callback</title>')) return page;
  const action = /<form method="post" action="([^"]*)"/.exec(page.body)?.[1] ?? '';
  if (!action.startsWith(issuer)) return page;
  const form = Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
  return agent.follow(action, issuer, { form });
}

/** One password attempt through the form; answers the verdict shown afterwards (or the RP callback on success). */
export async function attempt(login: OpenLogin, email: string, password: string): Promise<{ verdict: Verdict; page: Page; callback?: URL }> {
  const posted = await postLogin(login, email, password);
  if (posted.status !== 303 || !posted.location) throw new Error(`login POST answered ${posted.status}`);
  const issuer = login.base.slice(0, login.base.indexOf('/interaction/'));
  const page = await submitAutoForm(login.agent, issuer, await login.agent.follow(posted.location, issuer));
  if (page.location && !page.location.includes('/interaction/')) return { verdict: 'none', page, callback: new URL(page.location) };
  return { verdict: verdictOf(page.body), page };
}

/** A fresh password login that stops at the RP callback with a code, asking for a refresh token too. */
export async function loginWithRefresh(poort: TestPoort, tenant: Tenant): Promise<{ login: OpenLogin; callback: URL }> {
  const login = await openLogin(poort, tenant, { scope: 'openid email offline_access', prompt: 'consent' });
  const { callback } = await attempt(login, tenant.email, tenant.password);
  if (!callback) throw new Error('login did not reach the RP');
  return { login, callback };
}

/** The HTML with the per-request CSRF token taken out, for comparing two pages. */
export function withoutCsrf(html: string): string {
  return html.replace(/(<input[^>]*name="csrf"[^>]*value=")[^"]*"/g, '$1"');
}

/** Fails when a response shows internals: a stack trace, a file path, a Node/JS error name. */
export function expectNoLeak(body: string): void {
  expect(body).not.toMatch(/\bat [\w.<>]+ \(|node:internal|\/src\/|\/node_modules\/|\.ts:\d+|Error: |TypeError|ReferenceError|SyntaxError/);
}

/** A friendly Poort error page: HTML, the given 4xx status, the generic title, no internals. */
export function expectErrorPage(page: Page, status: number): void {
  expect(page.status).toBe(status);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.body).toContain(en['error.title']);
  expectNoLeak(page.body);
}

/** A Poort log sink: every line written, as text. */
export function captureLog(level = 'debug'): { logger: Logger; text(): string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(level, sink), text: () => chunks.join('') };
}

/** Like startPoort, but logging through `logger` (e.g. captureLog's) at `level`. */
export async function startLoggedPoort(tag: string, logger: Logger, level = 'debug'): Promise<TestPoort> {
  return startPoort(tag, { LOG_LEVEL: level }, { logger });
}

/**
 * A raw token endpoint request, authenticated with client_secret_basic (or, with `auth: 'post'`, client_id and
 * client_secret appended to the form); answers status, content type and parsed JSON when it is JSON.
 */
export async function tokenRequest(poort: TestPoort, tenant: Pick<Tenant, 'clientId' | 'clientSecret'>, body: string | Buffer, contentType = 'application/x-www-form-urlencoded', auth: 'basic' | 'post' = 'basic'): Promise<{ status: number; type: string; json?: Record<string, unknown>; text: string }> {
  const headers: Record<string, string> = { 'content-type': contentType, accept: 'application/json' };
  if (auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(tenant.clientId)}:${encodeURIComponent(tenant.clientSecret)}`).toString('base64')}`;
  } else {
    body = `${body.toString()}&${new URLSearchParams({ client_id: tenant.clientId, client_secret: tenant.clientSecret }).toString()}`;
  }
  const response = await fetch(`${poort.issuer}/token`, { method: 'POST', headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let json: Record<string, unknown> | undefined;
  if (type.includes('json')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, type, json, text };
}

/** The `code` of an RP callback, refusing callbacks that carry an error. */
export function codeOf(callback: URL): string {
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.toString()}`);
  return code;
}
