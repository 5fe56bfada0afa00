/**
 * OIDC clients: created by operators (CLI), read by oidc-provider through the adapter.
 * Secrets are 256-bit random values stored as SHA-256 (a slow hash adds nothing for such entropy) and compared in
 * constant time; reads are cached briefly so a token request does not cost a database round trip.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { ClientMetadata, OidcClient, OidcClientModel } from '../db/models/client.ts';

const CACHE_MS = 30_000;

export interface NewClient {
  organisationId: string;
  name?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  public?: boolean;
  pkce?: 'required' | 'optional';
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  firstParty?: boolean;
  /** Also allow the client_credentials grant (machine clients). */
  clientCredentials?: boolean;
  /** A chosen client id (development seeding); random otherwise. */
  clientId?: string;
  /** The client's `initiate_login_uri`: https, or http on localhost / 127.0.0.1 (see isClientEndpointUri). */
  initiateLoginUri?: string;
  /** The client's `backchannel_logout_uri` (same rule): it gets a logout token whenever a session it served ends. */
  backchannelLogoutUri?: string;
}

/** An organisation's platform: where Poort sends a person of that organisation to start a login. */
export interface Platform {
  clientId: string;
  name?: string;
  initiateLoginUri?: string;
}

export interface ClientStore {
  create(input: NewClient): Promise<{ clientId: string; clientSecret?: string }>;
  /** oidc-provider metadata for a client id, or undefined. */
  metadataFor(clientId: string): Promise<AdapterPayload | undefined>;
  /**
   * The organisation's platform: its oldest first-party client that has an `initiate_login_uri`, else its oldest
   * first-party client; undefined when it has none. What "back to the platform" and a welcome's "straight in" use.
   */
  platformOf(organisationId: string): Promise<Platform | undefined>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * An acceptable endpoint of the client itself (`initiate_login_uri`, `backchannel_logout_uri`): an absolute https
 * URL without a fragment or credentials, or http on localhost / 127.0.0.1 (a platform running on the developer's
 * machine).
 */
export function isClientEndpointUri(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url || url.hash || uri.includes('#') || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Constant-time comparison of a presented secret with the stored SHA-256. */
export function secretMatches(storedHash: string | undefined, presented: string): boolean {
  if (!storedHash || storedHash.length !== 64) return false;
  return timingSafeEqual(Buffer.from(hashSecret(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}

export function createClientStore(model: OidcClientModel): ClientStore {
  const cache = new Map<string, { at: number; client: OidcClient }>();

  async function load(clientId: string): Promise<OidcClient | undefined> {
    const hit = cache.get(clientId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.client;
    const client = await model.findById(clientId).lean<OidcClient>().exec();
    if (client) cache.set(clientId, { at: Date.now(), client });
    return client ?? undefined;
  }

  return {
    async create(input) {
      if (input.public && input.pkce === 'optional') throw new Error('--pkce optional is only for confidential clients');
      if (input.initiateLoginUri !== undefined && !isClientEndpointUri(input.initiateLoginUri)) {
        throw new Error('initiate_login_uri must be an https URL (http only on localhost or 127.0.0.1), without a fragment');
      }
      if (input.backchannelLogoutUri !== undefined && !isClientEndpointUri(input.backchannelLogoutUri)) {
        throw new Error('backchannel_logout_uri must be an https URL (http only on localhost or 127.0.0.1), without a fragment');
      }
      const clientId = input.clientId ?? randomBytes(16).toString('base64url');
      const clientSecret = input.public ? undefined : randomBytes(32).toString('base64url');
      const grantTypes = ['authorization_code', 'refresh_token'];
      if (input.clientCredentials && !input.public) grantTypes.push('client_credentials');
      const metadata: ClientMetadata = {
        ...(input.name ? { client_name: input.name } : {}),
        redirect_uris: input.redirectUris,
        post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
        token_endpoint_auth_method: input.public ? 'none' : input.authMethod ?? 'client_secret_basic',
        grant_types: grantTypes,
        response_types: ['code'],
        ...(input.initiateLoginUri ? { initiate_login_uri: input.initiateLoginUri } : {}),
        ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      };
      await model.create({
        _id: clientId,
        organisationId: input.organisationId,
        firstParty: input.firstParty ?? false,
        pkceRequired: input.public ? true : input.pkce !== 'optional',
        secretHash: clientSecret ? hashSecret(clientSecret) : undefined,
        metadata,
      });
      return clientSecret ? { clientId, clientSecret } : { clientId };
    },

    async metadataFor(clientId) {
      const client = await load(clientId);
      if (!client) return undefined;
      // Stored metadata was validated when the client was created; oidc-provider validates it again on load. It
      // takes only an https initiate_login_uri (as OpenID Connect Registration asks): a development platform's
      // http://localhost one stays Poort's own (platformOf) rather than make the whole client invalid.
      const { initiate_login_uri: initiateLoginUri, ...stored } = client.metadata;
      const metadata = {
        ...(stored as unknown as AdapterPayload),
        ...(initiateLoginUri?.startsWith('https://') ? { initiate_login_uri: initiateLoginUri } : {}),
        client_id: client._id,
        organisation_id: client.organisationId,
        first_party: client.firstParty,
        pkce_required: client.pkceRequired,
      };
      // oidc-provider keeps the secret to compare; Poort only has its hash (see provider.ts: compareClientSecret).
      return client.secretHash ? { ...metadata, client_secret: client.secretHash } : metadata;
    },

    async platformOf(organisationId) {
      // One read: an organisation has a handful of first-party clients at most.
      const firstParty = await model.find({ organisationId, firstParty: true }, { 'metadata.client_name': 1, 'metadata.initiate_login_uri': 1, createdAt: 1 })
        .sort({ createdAt: 1, _id: 1 }).lean<Array<Pick<OidcClient, '_id' | 'metadata'>>>().exec();
      const platform = firstParty.find((client) => client.metadata?.initiate_login_uri) ?? firstParty[0];
      if (!platform) return undefined;
      const { client_name: name, initiate_login_uri: initiateLoginUri } = platform.metadata ?? {};
      return { clientId: platform._id, ...(name ? { name } : {}), ...(initiateLoginUri ? { initiateLoginUri } : {}) };
    },
  };
}
