/**
 * oidc-provider storage on MongoDB (raw driver, one collection per model: `oidc_<model>`).
 *
 * - Bearer values are never stored. Where a model's id is itself the credential — whoever presents it is served —
 *   the entry is keyed by the SHA-256 of the id (`storedId`, src/db/oidc-storage.ts: the one place of this rule), and
 *   the copies oidc-provider puts in the payload are left out and put back on read (`seal` / `unseal`). A copy of the
 *   database or a backup then holds no usable token, code or cookie value. A fast hash is enough: tokens and codes
 *   carry 256 random bits, session and interaction ids 126, so no guess can be tested against the hashes.
 *   Hashed (BEARER_IDS): AccessToken, ClientCredentials, RefreshToken, AuthorizationCode (redeemed at the token or
 *   userinfo endpoint); Session (its id is the session cookie's value — that cookie is signed too, this is the second
 *   line); Interaction (its id is the value of the interaction and resume cookies, and a finished interaction resumes
 *   into a logged-in session; the id also shows in the interaction's URLs, so the signed cookie is its real guard and
 *   the hash keeps the database from being one more place to read it); DeviceCode, BackchannelAuthenticationRequest, InitialAccessToken and
 *   RegistrationAccessToken (bearers of features Poort leaves off, hashed so that turning one on cannot store them).
 *   Kept as they are: Grant (referenced by tokens, sessions and interactions; a grant id alone obtains nothing),
 *   ReplayDetection (its id is already a SHA-256 of an assertion's issuer and jti), PushedAuthorizationRequest (a
 *   reference to pushed parameters: the authorization it starts still needs a login and returns to the client's own
 *   redirect URI), and Session `uid` (a lookup key, never a credential).
 * - What that costs: a session found by its uid comes back without its id, which only the cookie holds (oidc-provider
 *   reads such a session only for its account and grants); an Interaction's `session.cookie` (the session id, copied
 *   there by oidc-provider and read by nothing) is not kept; the device flow's lookup by user code would have to give
 *   the device code back, so it refuses instead (the device flow is off).
 * - The payload is stored as a JSON string: oidc-provider payloads carry keys with dots (client ids, resource URLs),
 *   which a strict schema or older servers reject; queries only ever use the top-level fields beside it.
 * - Expiry is enforced on every read (`expiresAt > now`, checked in code for lookups by id); the purge job deletes
 *   what has expired (the MongoDB stand-in accepts TTL indexes but never enforces them).
 * - `consume` is one atomic update. oidc-provider checks `consumed` and only later calls `consume`, so two
 *   parallel redemptions of one authorization code could both pass that check: the loser here finds it already
 *   consumed, revokes the whole grant (a replay) and gets `invalid_grant`.
 * - A refresh token presented to the token endpoint is consumed by the read itself (`redeem`): every refresh rotates
 *   (provider.ts), so the read that finds the token is the one that spends it, one command instead of two. A replayed
 *   or raced token comes back marked consumed and oidc-provider revokes the grant.
 * - A grant read by the token or userinfo endpoint brings its account along in the same command (`$lookup`), kept in
 *   the request's read cache under the account service's own key: findAccount, which comes next, finds it there.
 *   Both are read fresh in every request; only the second round trip is saved.
 * - oidc-provider's resume reads the interaction and deletes it afterwards: here that read is the deletion (`take`).
 * - Clients come from Poort's own `clients` collection (see client-store.ts), read-only.
 */
import type { mongo } from 'mongoose';
import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { BEARER_IDS, OIDC_MODELS, collectionName, storedId } from '../db/oidc-storage.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { ClientStore } from './client-store.ts';

/** The collection a Grant's account lives in and the read cache's key for it (the account service's). */
export interface GrantAccount {
  collection: string;
  cacheKey(accountId: string): string;
}

/** oidc-provider routes that read a grant and then its account (findAccount). */
const GRANT_AND_ACCOUNT_ROUTES: ReadonlySet<string> = new Set(['token', 'userinfo']);

export interface StoredEntry {
  /** `storedId(model, id)`: for a bearer model the SHA-256 of the id, never the id. */
  _id: string;
  payload: string;
  expiresAt?: Date;
  consumed?: number;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** The account a session, grant or token belongs to (see account-sessions.ts). */
  accountId?: string;
  /**
   * A Session's device: the User-Agent of the last request that saved it (the account page's list of sessions,
   * account-sessions.ts). Noted in the write oidc-provider makes anyway, so it costs no database command.
   */
  userAgent?: string;
}

/** The longest User-Agent kept beside a session: enough to name browser and system, and no room to fill a document. */
const USER_AGENT_MAX = 512;

/** Models whose entries carry a grantId and die with their grant. */
const GRANT_BOUND = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

export function oidcCollection(db: mongo.Db, model: string): mongo.Collection<StoredEntry> {
  return db.collection<StoredEntry>(collectionName(model));
}

/** Ends everything issued under a grant: its tokens and codes, and the grant itself. */
export async function revokeGrant(db: mongo.Db, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_BOUND.map((model) => oidcCollection(db, model).deleteMany({ grantId })),
    oidcCollection(db, 'Grant').deleteOne({ _id: storedId('Grant', grantId) }),
  ]);
}

function live(): { $or: object[] } {
  return { $or: [{ expiresAt: { $gt: new Date() } }, { expiresAt: { $exists: false } }] };
}

function isExpired(entry: StoredEntry): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt.getTime() <= Date.now();
}

/** An Interaction's resume URL ends with its id: stored without it, under this name. */
const RETURN_TO_BASE = 'returnToBase';

/**
 * The payload as stored: for a bearer model without any copy of its id (`jti`; an Interaction's resume URL) and
 * without the session cookie value oidc-provider copies into an Interaction (`session.cookie`, which nothing reads
 * back). `consumed` lives beside the payload (see consume).
 */
function seal(model: string, id: string, payload: AdapterPayload): string {
  const { consumed: _consumed, ...rest } = payload;
  if (!BEARER_IDS.has(model)) return JSON.stringify(rest);
  const { jti: _jti, ...sealed }: Record<string, unknown> = rest;
  if (model === 'Interaction') {
    if (typeof rest.returnTo === 'string' && rest.returnTo.endsWith(id)) {
      delete sealed.returnTo;
      sealed[RETURN_TO_BASE] = rest.returnTo.slice(0, -id.length);
    }
    if (rest.session?.cookie !== undefined) {
      const { cookie: _cookie, ...session } = rest.session;
      sealed.session = session;
    }
  }
  return JSON.stringify(sealed);
}

/** The payload oidc-provider gave, back from its stored form; `id` is the id it was asked by (absent for lookups by uid). */
function unseal(model: string, entry: StoredEntry | null, id?: string): AdapterPayload | undefined {
  if (!entry) return undefined;
  const payload = JSON.parse(entry.payload) as AdapterPayload & Record<string, unknown>;
  if (BEARER_IDS.has(model) && id !== undefined) {
    payload.jti = id;
    if (typeof payload[RETURN_TO_BASE] === 'string') {
      payload.returnTo = `${payload[RETURN_TO_BASE]}${id}`;
      delete payload[RETURN_TO_BASE];
    }
  }
  return entry.consumed ? { ...payload, consumed: entry.consumed } : payload;
}

/**
 * Models oidc-provider reads more than once within one request (the interaction for its details and again for its
 * result, the session by id and by uid): such reads come from the request's read cache (src/db/read-cache.ts). Any
 * write of the entry forgets it. Tokens, codes and grants are always read from the database.
 */
const READ_ONCE_PER_REQUEST: ReadonlySet<string> = new Set(['Interaction', 'Session']);

/** What `take` answers when the read is not a resume's: read the entry the ordinary way. */
const NOT_TAKEN = Symbol('not taken');

class MongoAdapter implements Adapter {
  private readonly collection: mongo.Collection<StoredEntry>;
  private readonly db: mongo.Db;
  private readonly model: string;
  private readonly cache: ReadCache | undefined;

  /** This request's read cache, for the marks of `take` and `redeem` (any model). */
  private readonly request: ReadCache;
  private readonly grantAccount: GrantAccount | undefined;

  constructor(db: mongo.Db, model: string, cache: ReadCache, grantAccount?: GrantAccount) {
    this.db = db;
    this.model = model;
    this.collection = oidcCollection(db, model);
    this.cache = READ_ONCE_PER_REQUEST.has(model) ? cache : undefined;
    this.request = cache;
    this.grantAccount = model === 'Grant' ? grantAccount : undefined;
  }

  private redeemedKey(id: string): string {
    return `oidc:${this.model}:redeemed:${id}`;
  }

  /**
   * The refresh token grant reads the token, checks it, and only then consumes it: two commands. Every refresh
   * rotates (`rotateRefreshToken: true` in provider.ts), so reaching that read means spending the token: here the
   * read is the consumption, one atomic findOneAndUpdate. `$min` sets `consumed` when it is missing and never moves
   * it; the document as it was before tells whether this request was the first. A first read is marked, so that
   * oidc-provider's `consume` a moment later has nothing left to do; any later read gets the token marked consumed
   * and oidc-provider treats it as the replay it is (it revokes the grant). A token refused for another reason after
   * this read (another client, a disabled account) is spent too: its legitimate holder's next refresh then counts
   * as a replay, and the grant ends — failing closed.
   */
  private async redeem(id: string): Promise<StoredEntry | null | typeof NOT_TAKEN> {
    const oidc = Provider.ctx?.oidc;
    if (this.model !== 'RefreshToken' || oidc?.route !== 'token' || oidc.params?.grant_type !== 'refresh_token') return NOT_TAKEN;
    const before = await this.collection.findOneAndUpdate(
      { _id: storedId(this.model, id) },
      { $min: { consumed: Math.floor(Date.now() / 1000) } },
      { returnDocument: 'before' },
    );
    if (before && before.consumed === undefined) this.request.keep(this.redeemedKey(id), true);
    return before;
  }

  /** A Grant with its account in one command (see the header); the account goes to the read cache. */
  private async grantWithAccount(id: string): Promise<StoredEntry | null | typeof NOT_TAKEN> {
    const route = Provider.ctx?.oidc?.route;
    if (!this.grantAccount || route === undefined || !GRANT_AND_ACCOUNT_ROUTES.has(route)) return NOT_TAKEN;
    const { collection, cacheKey } = this.grantAccount;
    const [found] = await this.collection.aggregate<StoredEntry & { account: unknown[] }>([
      { $match: { _id: storedId(this.model, id) } },
      { $lookup: { from: collection, localField: 'accountId', foreignField: '_id', as: 'account' } },
    ]).toArray();
    if (!found) return null;
    const { account, ...entry } = found;
    if (entry.accountId !== undefined) this.request.keep(cacheKey(entry.accountId), account[0] ?? undefined);
    return entry;
  }

  private takenKey(id: string): string {
    return `oidc:${this.model}:taken:${id}`;
  }

  /**
   * oidc-provider's resume reads the interaction it continues and deletes it a moment later: two resumes of one
   * interaction (a replayed resume cookie) could both read it before either deleted it, and each go on to an
   * authorization with the same login result. Here the resume's read is the deletion — one atomic
   * findOneAndDelete, so exactly one resume gets the interaction — and its later `destroy` has nothing left to do.
   * (Should the resume then stop, e.g. because the browser's session changed meanwhile, the interaction is gone as
   * it would be after any resume: the person starts the login again. Where oidc-provider keeps it instead — another
   * account is logged in, so it asks to log out first — it saves the interaction again.)
   */
  private async take(id: string): Promise<StoredEntry | null | typeof NOT_TAKEN> {
    const route = Provider.ctx?.oidc?.route;
    if (this.model !== 'Interaction' || (route !== 'resume' && route !== 'device_resume')) return NOT_TAKEN;
    const taken = await this.collection.findOneAndDelete({ _id: storedId(this.model, id) });
    if (taken) this.request.keep(this.takenKey(id), true);
    return taken;
  }

  private key(id: string): string {
    return `oidc:${this.model}:${id}`;
  }

  private uidKey(uid: string): string {
    return `oidc:${this.model}:uid:${uid}`;
  }

  /** The stored entry with this `_id`, once per request for the models above. */
  private entry(id: string): Promise<StoredEntry | null> {
    const read = (): Promise<StoredEntry | null> => this.collection.findOne({ _id: storedId(this.model, id) });
    return this.cache ? this.cache.read(this.key(id), read) : read();
  }

  private forget(id: string, uid?: unknown): void {
    this.cache?.forget(this.key(id));
    if (typeof uid === 'string') this.cache?.forget(this.uidKey(uid));
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const set: Partial<StoredEntry> = { payload: seal(this.model, id, payload) };
    if (expiresIn) set.expiresAt = new Date(Date.now() + expiresIn * 1000);
    if (payload.grantId) set.grantId = payload.grantId;
    if (payload.uid) set.uid = payload.uid;
    if (payload.userCode) set.userCode = payload.userCode;
    if (typeof payload.accountId === 'string') set.accountId = payload.accountId;
    const { userAgent } = this.request.device();
    if (this.model === 'Session' && userAgent) set.userAgent = userAgent.slice(0, USER_AGENT_MAX);
    // A session saved again after its logout no longer belongs to the account: drop the stale field.
    const update = set.accountId ? { $set: set } : { $set: set, $unset: { accountId: '' as const } };
    this.forget(id, payload.uid);
    this.request.forget(this.takenKey(id));
    await this.collection.updateOne({ _id: storedId(this.model, id) }, update, { upsert: true });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    // By `_id` alone, expiry checked here: the MongoDB stand-in uses an index only when the filter has exactly the
    // index's keys, so adding the expiry condition to the filter made every lookup a collection scan.
    let entry = await this.take(id);
    if (entry === NOT_TAKEN) entry = await this.redeem(id);
    if (entry === NOT_TAKEN) entry = await this.grantWithAccount(id);
    if (entry === NOT_TAKEN) entry = await this.entry(id);
    return entry && !isExpired(entry) ? unseal(this.model, entry, id) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    // A Session, without its id: only its hash is stored (see the header).
    const read = (): Promise<StoredEntry | null> => this.collection.findOne({ uid, ...live() });
    return unseal(this.model, await (this.cache ? this.cache.read(this.uidKey(uid), read) : read()));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    // The device flow needs the device code back from the user code, and only its hash is stored.
    if (BEARER_IDS.has(this.model)) throw new Error(`${this.model} ids are stored hashed: a lookup by user code cannot return one`);
    return unseal(this.model, await this.collection.findOne({ userCode, ...live() }));
  }

  async destroy(id: string): Promise<void> {
    // Deleted by this request's own read already (take), and not saved again since.
    const taken = await this.request.read(this.takenKey(id), async () => false);
    // Its uid is not known here: every entry of the model read in this request is forgotten.
    this.cache?.forgetAll(`oidc:${this.model}:`);
    if (taken) return;
    await this.collection.deleteOne({ _id: storedId(this.model, id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.cache?.forgetAll(`oidc:${this.model}:`);
    await this.collection.deleteMany({ grantId });
  }

  async consume(id: string): Promise<void> {
    // Consumed by this request's own read already (redeem).
    if (await this.request.read(this.redeemedKey(id), async () => false)) return;
    const now = Math.floor(Date.now() / 1000);
    // One atomic update keyed by `_id` only (see find): `$min` sets `consumed` when it is missing and never moves
    // it later; the document as it was before tells whether this call was the first.
    const before = await this.collection.findOneAndUpdate(
      { _id: storedId(this.model, id) },
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
export function createAdapterFactory(db: mongo.Db, clients: ClientStore, cache: ReadCache, grantAccount?: GrantAccount): (name: string) => Adapter {
  return (name) => (name === 'Client' ? new ClientAdapter(clients) : new MongoAdapter(db, name, cache, grantAccount));
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
