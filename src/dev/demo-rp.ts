/**
 * Development only: a tiny relying party so a newcomer can log in at once. /dev/demo-rp/start sends the browser to
 * the authorization endpoint (code + PKCE + nonce); it is also the client's initiate_login_uri (OpenID Connect Core
 * §4: Poort sends a person there with `iss` and `login_hint` after the welcome link, and the login starts here); /dev/demo-rp/callback exchanges the code at the token endpoint
 * and shows the ID token's claims and the userinfo answer, with a link to log out (RP-initiated logout). It does
 * not validate the ID token (it comes straight from the token endpoint of the same server); a real RP must.
 */
import Router from '@koa/router';
import { createHash, randomBytes } from 'node:crypto';
import type { Views } from '../http/views.ts';
import { localeFor } from '../http/locale.ts';

export const DEMO_CLIENT_ID = 'demo-rp';
export const demoRedirectUri = (issuer: string): string => `${issuer}/dev/demo-rp/callback`;

const COOKIE = 'poort.demo-rp';
const random = (): string => randomBytes(32).toString('base64url');

export function createDemoRpRouter(opts: { issuer: string; views: Views }): Router {
  const { issuer, views } = opts;
  const router = new Router({ prefix: '/dev/demo-rp' });

  router.get('/start', (ctx) => {
    // Third-party-initiated login names the issuer it comes from: only this one starts a login here.
    if (typeof ctx.query.iss === 'string' && ctx.query.iss !== issuer) {
      views.render(ctx, 'dev/demo-rp', localeFor(ctx), { error: 'iss is not this issuer' }, 400);
      return;
    }
    const loginHint = typeof ctx.query.login_hint === 'string' ? ctx.query.login_hint.slice(0, 320) : undefined;
    const pending = { verifier: random(), state: random(), nonce: random() };
    ctx.cookies.set(COOKIE, JSON.stringify(pending), { signed: true, httpOnly: true, sameSite: 'lax', path: '/dev/demo-rp' });
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: DEMO_CLIENT_ID,
      redirect_uri: demoRedirectUri(issuer),
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(loginHint ? { login_hint: loginHint } : {}),
    }).toString();
    ctx.redirect(url.toString());
  });

  router.get('/callback', async (ctx) => {
    const locale = localeFor(ctx);
    const raw = ctx.cookies.get(COOKIE, { signed: true });
    const pending = raw ? (JSON.parse(raw) as { verifier: string; state: string; nonce: string }) : undefined;
    if (!pending || ctx.query.state !== pending.state) {
      views.render(ctx, 'dev/demo-rp', locale, { error: 'state mismatch: start again at /dev/demo-rp/start' }, 400);
      return;
    }
    if (typeof ctx.query.error === 'string') {
      views.render(ctx, 'dev/demo-rp', locale, { error: `${ctx.query.error}: ${String(ctx.query.error_description ?? '')}` }, 400);
      return;
    }
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: String(ctx.query.code ?? ''),
        redirect_uri: demoRedirectUri(issuer),
        client_id: DEMO_CLIENT_ID,
        code_verifier: pending.verifier,
      }),
    });
    const tokens = (await response.json()) as { id_token?: string; access_token?: string; error?: string };
    if (!tokens.id_token) {
      views.render(ctx, 'dev/demo-rp', locale, { error: tokens.error ?? 'no id_token' }, 400);
      return;
    }
    const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token ?? ''}` } });
    const profile = userinfo.ok ? ((await userinfo.json()) as Record<string, unknown>) : { error: userinfo.status };
    ctx.cookies.set(COOKIE, null, { path: '/dev/demo-rp' });
    // RP-initiated logout with the ID token as hint; Poort then sends the browser back to start a new login.
    const logout = new URL(`${issuer}/session/end`);
    logout.search = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: `${issuer}/dev/demo-rp/start` }).toString();
    views.render(ctx, 'dev/demo-rp', locale, {
      logoutUrl: logout.toString(),
      claims: JSON.stringify(claims, null, 2),
      userinfo: JSON.stringify(profile, null, 2),
      nonceOk: claims.nonce === pending.nonce,
    });
  });
  return router;
}
