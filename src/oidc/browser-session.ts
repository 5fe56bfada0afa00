/**
 * Starts the browser's session outside an authorization request: a welcome link has just set the first password,
 * and the person goes on to the platform without a login page. It is the session oidc-provider keeps for a login —
 * its model, store and signed cookie, written as oidc-provider's own session handler writes them — so the platform's
 * next authorization request finds a logged-in browser and the login policy judges it like any other session.
 * Whatever session the browser had (anyone's) ends first: the new one starts clean.
 */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { cookieOptionsFor } from './provider.ts';

export interface BrowserLogin {
  accountId: string;
  amr: string[];
  acr: string;
  /** Epoch seconds, Poort's clock. */
  loginTs: number;
}

export async function startBrowserSession(provider: Provider, ctx: Context, login: BrowserLogin, ttlSeconds: number): Promise<void> {
  const current = await provider.Session.get(ctx);
  if (current.accountId) await current.destroy();
  const session = new provider.Session();
  session.loginAccount({ ...login, transient: false });
  await session.save(ttlSeconds);
  const expires = new Date((login.loginTs + ttlSeconds) * 1000);
  ctx.cookies.set(provider.cookieName('session'), session.jti, { ...cookieOptionsFor(provider.issuer), expires });
}
