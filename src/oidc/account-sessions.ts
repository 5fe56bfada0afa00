/**
 * Ends an account's browser sessions and the grants (with their refresh and access tokens) issued to it: all of
 * them after a second-factor reset, all but the current browser's after a password change. The adapter keeps
 * `accountId` beside the JSON payload of each entry, so they are found with one indexed query, never by parsing
 * payloads.
 */
import type { mongo } from 'mongoose';
import type { EndedSessions, KeepSessions } from '../accounts/ended-sessions.ts';
import { storedId } from '../db/oidc-storage.ts';
import { oidcCollection, revokeGrant } from './adapter.ts';

export async function endSessionsOf(db: mongo.Db, accountId: string, keep: KeepSessions = {}): Promise<EndedSessions> {
  const sessions = oidcCollection(db, 'Session');
  // Sessions are stored under the hash of their id (adapter.ts): compare with the kept one's stored form.
  const filter = keep.sessionId ? { accountId, _id: { $ne: storedId('Session', keep.sessionId) } } : { accountId };
  const ended = await sessions.find(filter, { projection: { _id: 1, uid: 1 } }).toArray();
  if (ended.length > 0) await sessions.deleteMany({ _id: { $in: ended.map((entry) => entry._id) } });
  const kept = new Set(keep.grantIds ?? []);
  // Grant ids are references, stored as they are (adapter.ts): a Grant's `_id` is the id revokeGrant takes.
  const grantIds = (await oidcCollection(db, 'Grant').find({ accountId }, { projection: { _id: 1 } }).toArray())
    .map((entry) => entry._id)
    .filter((id) => !kept.has(id));
  for (const grantId of grantIds) await revokeGrant(db, grantId);
  return {
    sessionUids: ended.map((entry) => entry.uid).filter((uid): uid is string => typeof uid === 'string'),
    grantsRevoked: grantIds.length,
  };
}
