/**
 * Consent. First-party clients (the platform) never show a consent page: their grant is created or widened here
 * with what the request asks. Other clients reuse an existing grant and otherwise go through the consent page.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { TTL } from '../../config/oidc.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

export function isFirstParty(client: { metadata(): Record<string, unknown> } | undefined): boolean {
  return client?.metadata().first_party === true;
}

export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client;
  const accountId = oidc.session?.accountId;
  if (!client || !accountId) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (grant && grant.accountId !== accountId) grant = undefined;
  if (!isFirstParty(client)) return grant;
  const existing = grant !== undefined;
  grant ??= new oidc.provider.Grant({ clientId: client.clientId, accountId });
  const state = (g: Grant): string => JSON.stringify([g.openid, g.resources]);
  const before = state(grant);
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, server.scope);
  }
  // oidc-provider calls this several times per authorization: write only a new or widened grant, or one past half
  // its lifetime (saving renews it, so it keeps outliving the refresh tokens issued under it).
  const ageing = typeof grant.exp === 'number' && grant.exp - Date.now() / 1000 < TTL.Grant / 2;
  if (!existing || ageing || state(grant) !== before) await grant.save();
  return grant;
}
