/**
 * The admin API as oidc-provider's one resource server (RFC 8707 resource indicators, RFC 9068 JWT access tokens).
 *
 * - Who may ask for it: a first-party client (the platform) for the person who logs in, and a machine client of an
 *   organisation (client credentials) for itself. Any other client, and any other indicator, is `invalid_target`.
 * - Its tokens: `at+jwt`, signed with Poort's RS256 key, audience `<ISSUER>/api/admin`, scope `admin`, five minutes.
 *   A person's token also carries the login's `acr`, `amr` and `auth_time` (RFC 9470), which the API's step-up reads.
 *   Role and organisation are not in the token: the API reads them from the account on every call.
 */
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { ADMIN_API, adminResource } from '../../config/oidc.ts';

interface ClientLike {
  grantTypeAllowed(type: string): boolean;
  metadata(): Record<string, unknown>;
}

export function adminApiResourceServer(issuer: string, indicator: string, client: ClientLike): ResourceServer {
  const metadata = client.metadata();
  const allowed = indicator === adminResource(issuer)
    && typeof metadata.organisation_id === 'string'
    && (metadata.first_party === true || client.grantTypeAllowed('client_credentials'));
  if (!allowed) throw new errors.InvalidTarget();
  return {
    scope: ADMIN_API.scope,
    audience: indicator,
    accessTokenTTL: ADMIN_API.accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

interface AssuranceSource {
  acr?: string | undefined;
  amr?: string[] | undefined;
  authTime?: number | undefined;
}

/**
 * `acr`, `amr` and `auth_time` of a person's admin API token: those of the login the code or refresh token it is
 * exchanged for came from. Other tokens (userinfo's, a machine client's) get none.
 */
export function assuranceClaims(ctx: KoaContextWithOIDC | undefined, token: { resourceServer?: ResourceServer | undefined }): Record<string, unknown> | undefined {
  if (!ctx || token.resourceServer?.audience === undefined) return undefined;
  const entities = ctx.oidc.entities as { AuthorizationCode?: AssuranceSource; RefreshToken?: AssuranceSource };
  const source = entities.AuthorizationCode ?? entities.RefreshToken;
  if (!source?.authTime) return undefined;
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}
