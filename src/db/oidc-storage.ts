/**
 * Where oidc-provider's entries are stored and under which key. The adapter (src/oidc/adapter.ts, whose header says
 * why each model is or is not hashed) writes them; the purge job and Poort's own side collections keyed like them
 * (interaction states, src/auth/interaction-state.ts) follow the same layout from here, below the provider's glue.
 */
import { createHash } from 'node:crypto';

export const OIDC_MODELS = [
  'Session', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials',
  'InitialAccessToken', 'RegistrationAccessToken', 'Interaction', 'ReplayDetection', 'PushedAuthorizationRequest',
  'Grant', 'BackchannelAuthenticationRequest',
] as const;

/** Models whose id is a bearer secret, stored only as its hash (see src/oidc/adapter.ts's header). */
export const BEARER_IDS: ReadonlySet<string> = new Set([
  'AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'Session', 'Interaction',
  'DeviceCode', 'BackchannelAuthenticationRequest', 'InitialAccessToken', 'RegistrationAccessToken',
]);

/**
 * The `_id` under which an entry of `model` with id `id` is stored: the SHA-256 (hex) of a bearer id, any other id
 * as is. Everything that looks an oidc entry up by its id goes through here.
 */
export function storedId(model: string, id: string): string {
  return BEARER_IDS.has(model) ? createHash('sha256').update(id).digest('hex') : id;
}

export const collectionName = (model: string): string =>
  `oidc_${model.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
