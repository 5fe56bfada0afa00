import { Schema, type Connection, type Model } from 'mongoose';

/** The OIDC client metadata Poort lets an operator choose (no dotted keys: URLs are values, never keys). */
export interface ClientMetadata {
  client_name?: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  grant_types: string[];
  response_types: string[];
  /**
   * Where a login with this client starts at the client itself (OpenID Connect Registration; Core §4): Poort sends
   * people there, e.g. "back to the platform", so the platform begins the authorization request.
   */
  initiate_login_uri?: string;
  /**
   * Where Poort posts a logout token when a session the client was logged into ends (OpenID Connect Back-Channel
   * Logout 1.0; src/oidc/backchannel-logout.ts). Set with `backchannel_logout_session_required`: every token names
   * the session (`sid`), and the ID tokens carry it too.
   */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
}

/** An OIDC relying party of one organisation. */
export interface OidcClient {
  /** The client_id. */
  _id: string;
  organisationId: string;
  /** First-party clients (the platform itself) skip the consent page. */
  firstParty: boolean;
  /** PKCE is always required for public clients; confidential ones may opt out and rely on nonce. */
  pkceRequired: boolean;
  /** SHA-256 (hex) of the client secret; absent for public clients. */
  secretHash?: string;
  metadata: ClientMetadata;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<OidcClient>(
  {
    _id: { type: String, required: true },
    organisationId: { type: String, required: true },
    firstParty: { type: Boolean, default: false },
    pkceRequired: { type: Boolean, default: true },
    secretHash: { type: String },
    metadata: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, collection: 'clients', versionKey: false },
);
schema.index({ organisationId: 1 });

export type OidcClientModel = Model<OidcClient>;
export const oidcClientModel = (db: Connection): OidcClientModel =>
  db.models.OidcClient as OidcClientModel | undefined ?? db.model<OidcClient>('OidcClient', schema);
