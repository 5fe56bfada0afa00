/** The consent page for third-party clients; first-party clients are granted without asking. */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import type { Views } from '../../src/http/views.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { expectPrompt, finish, loadInteraction, type InteractionDetails } from '../details.ts';

const KNOWN_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

interface ConsentDetails { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> }

/** Grants what the consent prompt says is missing and returns the grant id. */
async function grantMissing(provider: Provider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = String(details.params.client_id);
  if (!accountId) throw new Error('consent without a logged-in session');
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
  if (!grant) throw new Error('grant not found');
  const missing = details.prompt.details as ConsentDetails;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

export async function showConsent(provider: Provider, views: Views, ctx: Context, details: InteractionDetails, locale: Locale, clientName: string, firstParty: boolean): Promise<void> {
  if (firstParty) {
    await finish(provider, ctx, { consent: { grantId: await grantMissing(provider, details) } }, true);
    return;
  }
  const scopes = String(details.params.scope ?? '').split(' ').filter((s) => KNOWN_SCOPES.has(s));
  views.render(ctx, 'consent/page', locale, { uid: details.uid, clientName, scopes });
}

export function submitConsent(provider: Provider) {
  return async (ctx: Context): Promise<void> => {
    const details = await loadInteraction(provider, ctx);
    expectPrompt(details, 'consent');
    verifyCsrf(ctx, await readForm(ctx));
    await finish(provider, ctx, { consent: { grantId: await grantMissing(provider, details) } }, true);
  };
}
