/**
 * Builds the oidc-provider instance (which is itself the Koa app). Settings that are data live in config/oidc.ts;
 * pages (error, logout) are rendered by the interactions layer and passed in.
 */
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { mongo } from 'mongoose';
import type { ReadCache } from '../db/read-cache.ts';
import type { Config } from '../../config/schema.ts';
import { ACR_VALUES, CLAIMS, CLOCK_TOLERANCE, SCOPES, TTL } from '../../config/oidc.ts';
import { adminApiResourceServer, assuranceClaims } from './resource-server.ts';
import type { Account } from '../db/models/account.ts';
import { createAdapterFactory, type GrantAccount } from './adapter.ts';
import { providerSigner, type BackchannelLogout } from './backchannel-logout.ts';
import { secretMatches, type ClientStore } from './client-store.ts';
import { createFindAccount } from './find-account.ts';
import { loadExistingGrant } from './grants.ts';
import { createInteractionPolicy, type PolicyDeps } from './policy.ts';

export interface ProviderPages {
  renderError: NonNullable<Configuration['renderError']>;
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
}

export interface ProviderDeps {
  config: Config;
  db: mongo.Db;
  /** The request's read cache (src/db/read-cache.ts), for the adapter's repeated reads. */
  readCache: ReadCache;
  clients: ClientStore;
  /** An account by id (the account service's read). */
  account(id: string): Promise<Account | undefined>;
  /** Where accounts are stored and cached, so that a grant's read brings its account along (adapter.ts). */
  grantAccount?: GrantAccount;
  pages: ProviderPages;
  policy: PolicyDeps;
  /** Back-channel logout's delivery (src/oidc/backchannel-logout.ts): this provider signs its tokens. */
  backchannelLogout: Pick<BackchannelLogout, 'deliver' | 'useSigner'>;
}

/** oidc-provider's cookie options (the session cookie and the interaction's), also for a session Poort starts itself. */
export function cookieOptionsFor(issuer: string) {
  return { httpOnly: true, sameSite: 'lax' as const, signed: true, secure: issuer.startsWith('https://') };
}

export function createProvider({ config, db, readCache, clients, account, grantAccount, pages, policy, backchannelLogout }: ProviderDeps): Provider {
  const cookieOptions = cookieOptionsFor(config.issuer);
  const configuration: Configuration = {
    adapter: createAdapterFactory(db, clients, readCache, grantAccount),
    jwks: config.jwks as Configuration['jwks'],
    cookies: { keys: config.cookieKeys, long: cookieOptions, short: cookieOptions },
    acrValues: ACR_VALUES,
    scopes: SCOPES,
    claims: CLAIMS as unknown as Configuration['claims'],
    findAccount: createFindAccount(account),
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'ES256'],
    },
    pkce: {
      // S256 only (oidc-provider v9 supports no other method); always required for public clients and by default
      // for confidential ones. A confidential client registered with `--pkce optional` may send neither PKCE nor a
      // nonce: OpenID Connect Core makes nonce optional in the code flow and RFC 9700 §2.1.1 leaves code-injection
      // protection to such a client (docs/flows.md).
      required: (_ctx, client) => client.clientAuthMethod === 'none' || client.metadata().pkce_required !== false,
    },
    extraClientMetadata: {
      properties: ['organisation_id', 'first_party', 'pkce_required'],
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens; for someone else's, a public client gets a silent no-op
        // (RFC 7009 §2.2) and a confidential one an error.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      // The admin API is the one resource server (src/oidc/resource-server.ts): a `resource` of `<ISSUER>/api/admin`
      // with scope `admin` gets a five-minute at+jwt; a code or refresh token granted for it keeps issuing for it.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => adminApiResourceServer(config.issuer, indicator, client),
      },
      // Discovery says backchannel_logout_supported and backchannel_logout_session_supported; a client's ID tokens
      // carry `sid` when it registered a backchannel_logout_uri (client-store.ts sets the session as required).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: createInteractionPolicy(policy),
    },
    loadExistingGrant,
    // acr, amr and auth_time in the admin API's access tokens (RFC 9470 step-up reads them there).
    extraTokenClaims: (ctx, token) => assuranceClaims(ctx, token),
    renderError: pages.renderError,
    // OpenID Connect requires redirect_uri on every authorization request, even for a client with one registered.
    allowOmittingSingleRegisteredRedirectUri: false,
    // Always: the adapter consumes a refresh token in the read that finds it at the token endpoint (adapter.ts, redeem).
    rotateRefreshToken: true,
    clockTolerance: CLOCK_TOLERANCE,
    clientBasedCORS: () => false,
    ttl: {
      // The admin API's tokens live as long as its resource server says (five minutes); other tokens as before.
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL.AccessToken,
      AuthorizationCode: TTL.AuthorizationCode,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL.ClientCredentials,
      IdToken: TTL.IdToken,
      Interaction: TTL.Interaction,
      RefreshToken: TTL.RefreshToken,
      Grant: TTL.Grant,
      // A session lives SESSION_MAX_AGE from its login, not from its last save: oidc-provider saves the session at
      // the end of every request that read it (refused ones too), which would otherwise push its expiry on and on.
      Session: (_ctx, session) => (session.loginTs
        ? Math.max(1, session.loginTs + config.sessionMaxAge - Math.floor(Date.now() / 1000))
        : config.sessionMaxAge),
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // The client address is the X-Forwarded-For entry written by the outermost trusted proxy: that many entries from
  // the right. Entries further left are whatever the client sent, so they never reach ctx.ip (per-IP throttles).
  provider.maxIpsCount = config.trustProxyHops;
  // Poort stores only the SHA-256 of client secrets; compare the presented secret's hash in constant time.
  provider.Client.prototype.compareClientSecret = function compare(this: { clientSecret?: string }, actual: string) {
    return secretMatches(this.clientSecret, actual);
  };
  // oidc-provider's end_session posts each client's logout token itself and waits for every one inside the logout
  // request: Poort's delivery service sends them instead (in the background, retried), signed by this provider.
  (provider.Client.prototype as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> })
    .backchannelLogout = function handOver(this: { clientId: string }, sub: string, sid: string) {
      backchannelLogout.deliver([{ clientId: this.clientId, sid, accountId: sub }]);
      return Promise.resolve();
    };
  backchannelLogout.useSigner(providerSigner(provider));
  return provider;
}
