/**
 * An account's browser sessions in oidc-provider's storage: the list the account page shows, and their ending with
 * the grants (refresh and access tokens) issued to them — all of them after a second-factor reset or a disable, all
 * but the current browser's after a password change or "log out everywhere else", one after "log out" on the
 * account page. The adapter keeps `accountId` (and the device's User-Agent) beside the JSON payload of each entry,
 * so they are found with one indexed query, never by parsing payloads.
 *
 * Ending a session also answers its back-channel logouts (the clients it logged into, with their `sid`), read from
 * the payload that was deleted; the container hands them to the delivery service (backchannel-logout.ts), so the
 * use cases that end sessions see only `EndedSessions`.
 */
import type { mongo } from 'mongoose';
import type { EndedSessions, KeepSessions } from '../accounts/ended-sessions.ts';
import { storedId } from '../db/oidc-storage.ts';
import { oidcCollection, revokeGrant, type StoredEntry } from './adapter.ts';
import type { Logout } from './backchannel-logout.ts';

/** Which sessions end: the account's, but those kept; with `sessionUid` only that one of the account's sessions. */
export interface SessionChoice extends KeepSessions {
  sessionUid?: string;
}

/** Sessions ended, and the back-channel logouts they call for. */
export interface SessionsEnded extends EndedSessions {
  logouts: Logout[];
}

/** One live browser session of an account, as the account page lists it. */
export interface BrowserSession {
  /** The session uid: a lookup key, not a credential (src/db/oidc-storage.ts stores it as is). */
  uid: string;
  /** The User-Agent of the last request that saved the session, when it sent one. */
  userAgent?: string | undefined;
  /** When the session logged in. */
  loginAt?: Date | undefined;
}

/** The parts of a stored session payload read here. */
interface SessionPayload {
  loginTs?: unknown;
  authorizations?: Record<string, { sid?: unknown; grantId?: unknown } | undefined>;
}

function payloadOf(entry: Pick<StoredEntry, 'payload'>): SessionPayload {
  try {
    const payload: unknown = JSON.parse(entry.payload);
    return typeof payload === 'object' && payload !== null ? (payload as SessionPayload) : {};
  } catch {
    return {};
  }
}

/** The clients a session logged into: each one's `sid` and grant. */
function authorizationsOf(entry: Pick<StoredEntry, 'payload'>): Array<{ clientId: string; sid?: string; grantId?: string }> {
  return Object.entries(payloadOf(entry).authorizations ?? {}).map(([clientId, authorization]) => ({
    clientId,
    ...(typeof authorization?.sid === 'string' ? { sid: authorization.sid } : {}),
    ...(typeof authorization?.grantId === 'string' ? { grantId: authorization.grantId } : {}),
  }));
}

export async function endSessionsOf(db: mongo.Db, accountId: string, which: SessionChoice = {}): Promise<SessionsEnded> {
  const sessions = oidcCollection(db, 'Session');
  // Sessions are stored under the hash of their id (adapter.ts): compare with the kept one's stored form.
  const filter = {
    accountId,
    ...(which.sessionUid ? { uid: which.sessionUid } : {}),
    ...(which.sessionId ? { _id: { $ne: storedId('Session', which.sessionId) } } : {}),
  };
  // Each session is read and deleted in one atomic step (findOneAndDelete): its logouts are those of the payload
  // that was deleted — a client it logged into a moment ago included — and two endings at once (a password change
  // and a reset) never both answer the same session, so each client is told once.
  const ended: Array<Pick<StoredEntry, 'uid' | 'payload'>> = [];
  for (;;) {
    const entry = await sessions.findOneAndDelete(filter, { projection: { uid: 1, payload: 1 } });
    if (!entry) break;
    ended.push(entry);
  }
  const authorizations = ended.flatMap(authorizationsOf);
  const kept = new Set(which.grantIds ?? []);
  // One session: the grants it holds. Otherwise every grant of the account (refresh tokens may outlive the session
  // they were issued in). Grant ids are references, stored as they are (adapter.ts): a Grant's `_id` is the id
  // revokeGrant takes.
  const candidates = which.sessionUid
    ? authorizations.flatMap((authorization) => (authorization.grantId ? [authorization.grantId] : []))
    : (await oidcCollection(db, 'Grant').find({ accountId }, { projection: { _id: 1 } }).toArray()).map((entry) => entry._id);
  const grantIds = [...new Set(candidates)].filter((id) => !kept.has(id));
  for (const grantId of grantIds) await revokeGrant(db, grantId);
  return {
    sessionUids: ended.map((entry) => entry.uid).filter((uid): uid is string => typeof uid === 'string'),
    grantsRevoked: grantIds.length,
    logouts: authorizations.flatMap(({ clientId, sid }) => (sid ? [{ clientId, sid, accountId }] : [])),
  };
}

/** The account's live browser sessions, newest login first. */
export async function sessionsOf(db: mongo.Db, accountId: string, now: () => Date): Promise<BrowserSession[]> {
  // By `accountId` alone, expiry checked here: the MongoDB stand-in uses an index only for a filter of exactly its keys.
  const entries = await oidcCollection(db, 'Session')
    .find({ accountId }, { projection: { uid: 1, payload: 1, userAgent: 1, expiresAt: 1 } })
    .toArray();
  const at = now().getTime();
  return entries
    .filter((entry) => typeof entry.uid === 'string' && (!entry.expiresAt || entry.expiresAt.getTime() > at))
    .map((entry) => {
      const { loginTs } = payloadOf(entry);
      return {
        uid: entry.uid as string,
        userAgent: entry.userAgent,
        loginAt: typeof loginTs === 'number' ? new Date(loginTs * 1000) : undefined,
      };
    })
    .sort((a, b) => (b.loginAt?.getTime() ?? 0) - (a.loginAt?.getTime() ?? 0));
}
