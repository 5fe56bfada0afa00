/**
 * oidc-provider storage on MongoDB (raw driver, one collection per model: `oidc_<model>`).
 *
 * - The payload is stored as a JSON string: oidc-provider payloads carry keys with dots (client ids, resource URLs),
 *   which a strict schema or older servers reject; queries only ever use the top-level fields beside it.
 * - Expiry is enforced on every read (`expiresAt > now`, checked in code for lookups by id); the purge job deletes
 *   what has expired (the MongoDB stand-in accepts TTL indexes but never enforces them).
 * - `consume` is one atomic update. oidc-provider checks `consumed` and only later calls `consume`, so two
 *   parallel redemptions of one authorization code or refresh token could both pass that check: the loser here finds
 *   it already consumed, revokes the whole grant (a replay) and gets `invalid_grant`.
 * - Clients come from Poort's own `clients` collection (see client-store.ts), read-only.
 */
import type { mongo } from 'mongoose';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientStore } from './client-store.ts';

export interface StoredEntry {
  _id: string;
  payload: string;
  expiresAt?: Date;
  consumed?: number;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** The account a session, grant or token belongs to (see account-sessions.ts). */
  accountId?: string;
}

export const OIDC_MODELS = [
  'Session', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials',
  'InitialAccessToken', 'RegistrationAccessToken', 'Interaction', 'ReplayDetection', 'PushedAuthorizationRequest',
  'Grant', 'BackchannelAuthenticationRequest',
] as const;

/** Models whose entries carry a grantId and die with their grant. */
const GRANT_BOUND = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

export const collectionName = (model: string): string =>
  `oidc_${model.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;

export function oidcCollection(db: mongo.Db, model: string): mongo.Collection<StoredEntry> {
  return db.collection<StoredEntry>(collectionName(model));
}

/** Ends everything issued under a grant: its tokens and codes, and the grant itself. */
export async function revokeGrant(db: mongo.Db, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_BOUND.map((model) => oidcCollection(db, model).deleteMany({ grantId })),
    oidcCollection(db, 'Grant').deleteOne({ _id: grantId }),
  ]);
}

function live(): { $or: object[] } {
  return { $or: [{ expiresAt: { $gt: new Date() } }, { expiresAt: { $exists: false } }] };
}

function isExpired(entry: StoredEntry): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt.getTime() <= Date.now();
}

function toPayload(entry: StoredEntry | null): AdapterPayload | undefined {
  if (!entry) return undefined;
  const payload = JSON.parse(entry.payload) as AdapterPayload;
  return entry.consumed ? { ...payload, consumed: entry.consumed } : payload;
}

class MongoAdapter implements Adapter {
  private readonly collection: mongo.Collection<StoredEntry>;
  private readonly db: mongo.Db;

  constructor(db: mongo.Db, model: string) {
    this.db = db;
    this.collection = oidcCollection(db, model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const { consumed: _consumed, ...rest } = payload;
    const set: Partial<StoredEntry> = { payload: JSON.stringify(rest) };
    if (expiresIn) set.expiresAt = new Date(Date.now() + expiresIn * 1000);
    if (payload.grantId) set.grantId = payload.grantId;
    if (payload.uid) set.uid = payload.uid;
    if (payload.userCode) set.userCode = payload.userCode;
    if (typeof payload.accountId === 'string') set.accountId = payload.accountId;
    // A session saved again after its logout no longer belongs to the account: drop the stale field.
    const update = set.accountId ? { $set: set } : { $set: set, $unset: { accountId: '' as const } };
    await this.collection.updateOne({ _id: id }, update, { upsert: true });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    // By `_id` alone, expiry checked here: the MongoDB stand-in uses an index only when the filter has exactly the
    // index's keys, so adding the expiry condition to the filter made every lookup a collection scan.
    const entry = await this.collection.findOne({ _id: id });
    return entry && !isExpired(entry) ? toPayload(entry) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return toPayload(await this.collection.findOne({ uid, ...live() }));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return toPayload(await this.collection.findOne({ userCode, ...live() }));
  }

  async destroy(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.collection.deleteMany({ grantId });
  }

  async consume(id: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    // One atomic update keyed by `_id` only (see find): `$min` sets `consumed` when it is missing and never moves
    // it later; the document as it was before tells whether this call was the first.
    const before = await this.collection.findOneAndUpdate(
      { _id: id },
      { $min: { consumed: now } },
      { projection: { grantId: 1, consumed: 1 }, returnDocument: 'before' },
    );
    if (before && before.consumed === undefined) return;
    if (before?.grantId) await revokeGrant(this.db, before.grantId);
    throw new errors.InvalidGrant('grant already used');
  }
}

class ClientAdapter implements Adapter {
  private readonly clients: ClientStore;
  constructor(clients: ClientStore) {
    this.clients = clients;
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.clients.metadataFor(id);
  }
  async upsert(): Promise<void> {
    throw new Error('clients are managed through the CLI, not by the provider');
  }
  async destroy(): Promise<void> {
    throw new Error('clients are managed through the CLI, not by the provider');
  }
  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
  async consume(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** The adapter factory oidc-provider calls once per model name. */
export function createAdapterFactory(db: mongo.Db, clients: ClientStore): (name: string) => Adapter {
  return (name) => (name === 'Client' ? new ClientAdapter(clients) : new MongoAdapter(db, name));
}

/** Indexes: lookups by uid (Session, NOT unique), accountId (Session, Grant), grantId, userCode, and a TTL on expiresAt for real MongoDB. */
export async function createOidcIndexes(db: mongo.Db): Promise<void> {
  // All at once: one round trip of waiting at start-up instead of one per index.
  await Promise.all(OIDC_MODELS.map(async (model) => {
    const collection = oidcCollection(db, model);
    await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    if (model === 'Session') await collection.createIndex({ uid: 1 });
    if (model === 'Session' || model === 'Grant') await collection.createIndex({ accountId: 1 });
    if (GRANT_BOUND.includes(model)) await collection.createIndex({ grantId: 1 });
    if (model === 'DeviceCode') await collection.createIndex({ userCode: 1 });
  }));
}
