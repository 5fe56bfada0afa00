/** The relying party side of tests: openid-client (a certified RP library) plus the login pages driven by Agent. */
import * as oidc from 'openid-client';
import { Agent, formAction, inputValue, type Page } from './browser.ts';
import type { Tenant } from './poort.ts';

export async function discover(issuer: string, tenant: Pick<Tenant, 'clientId' | 'clientSecret'>, auth?: 'post'): Promise<oidc.Configuration> {
  const clientAuth = auth === 'post' ? oidc.ClientSecretPost(tenant.clientSecret) : oidc.ClientSecretBasic(tenant.clientSecret);
  return oidc.discovery(new URL(issuer), tenant.clientId, undefined, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

export interface AuthRequest {
  url: URL;
  verifier: string;
  nonce: string;
  state: string;
}

export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, extra: Record<string, string> = {}): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  return { url, verifier, nonce, state };
}

/** Submits the login form shown on `page`; returns the page after Poort's redirects. */
export async function submitLogin(agent: Agent, issuer: string, page: Page, email: string, password: string): Promise<Page> {
  const action = /<form[^>]*action="([^"]*\/login)"/.exec(page.body)?.[1];
  if (!action) throw new Error(`no login form on ${page.url} (status ${page.status})`);
  const csrf = inputValue(page.body, 'csrf') ?? '';
  return agent.follow(new URL(action, issuer).toString(), issuer, { form: { csrf, email, password } });
}

/** Full browser login: authorize URL → login page → password → back at the RP with a code. */
export async function login(agent: Agent, issuer: string, request: AuthRequest, email: string, password: string): Promise<URL> {
  const page = await agent.follow(request.url.toString(), issuer);
  const done = await submitLogin(agent, issuer, page, email, password);
  if (!done.location) throw new Error(`login did not return to the RP: ${done.status} ${done.body.slice(0, 300)}`);
  return new URL(done.location);
}

export async function exchange(config: oidc.Configuration, callback: URL, request: AuthRequest): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedNonce: request.nonce,
    expectedState: request.state,
    idTokenExpected: true,
  });
}

/** Where Poort sent the browser back to the RP (the redirect out of `page`), or an error naming what was shown. */
export function returnedToRp(page: Page, redirectUri: string): URL {
  if (!page.location?.startsWith(redirectUri)) throw new Error(`expected a redirect to ${redirectUri}, got ${page.status} ${page.location ?? page.body.slice(0, 300)}`);
  return new URL(page.location);
}

/** The post-logout redirect URI createTenant registers beside the redirect URI. */
export function postLogoutUri(tenant: Pick<Tenant, 'redirectUri'>): string {
  return tenant.redirectUri.replace(/\/callback$/, '/logged-out');
}

/** Submits oidc-provider's logout confirmation form (its xsrf field) on `confirm`, answering "log out". */
export async function confirmLogout(agent: Agent, issuer: string, confirm: Page): Promise<Page> {
  const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]*)"|<form[^>]*action="([^"]*)"[^>]*id="op.logoutForm"/.exec(confirm.body);
  const target = action?.[1] ?? action?.[2];
  if (!target) throw new Error(`no logout form on ${confirm.url} (status ${confirm.status})`);
  return agent.follow(new URL(target, issuer).toString(), issuer, { form: { xsrf: inputValue(confirm.body, 'xsrf') ?? '', logout: 'yes' } });
}

/** Posts a Poort interaction form (consent "Allow", "Deny"/"Cancel") whose action contains `fragment`. */
export async function submitInteractionForm(agent: Agent, issuer: string, page: Page, fragment: string): Promise<Page> {
  const action = formAction(page.body, fragment);
  if (!action) throw new Error(`no form posting to ${fragment} on ${page.url} (status ${page.status})`);
  return agent.follow(new URL(action, issuer).toString(), issuer, { form: { csrf: inputValue(page.body, 'csrf') ?? '' } });
}

/** The decoded protected header of a JWS (compact form). */
export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export { oidc };
