/**
 * The clients behind admin API tokens, read fresh from the clients collection on every call (the client store's
 * 30-second cache serves oidc-provider's token requests; a token of a client deleted a moment ago must stop
 * working at once, not half a minute later). One read by id, two fields.
 */
import type { OidcClient, OidcClientModel } from '../db/models/client.ts';

export interface ApiClientRecord {
  organisationId: string;
  /** The client may act for itself (client credentials): a machine client of its organisation. */
  clientCredentials: boolean;
}

export function createApiClients(model: OidcClientModel) {
  return {
    async get(clientId: string): Promise<ApiClientRecord | undefined> {
      const client = await model.findById(clientId, { organisationId: 1, 'metadata.grant_types': 1 }).lean<Pick<OidcClient, 'organisationId' | 'metadata'>>().exec();
      if (!client) return undefined;
      return { organisationId: client.organisationId, clientCredentials: client.metadata?.grant_types?.includes('client_credentials') === true };
    },
  };
}

export type ApiClients = ReturnType<typeof createApiClients>;
