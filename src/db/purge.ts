/**
 * Deletes what has expired. Real MongoDB also has TTL indexes for this; the stand-in never enforces them, and
 * every query already ignores expired entries, so this only keeps collections bounded.
 */
import type { mongo } from 'mongoose';
import type { Logger } from '../log.ts';
import { describeUnavailable, isDatabaseUnavailable } from '../unavailable.ts';
import { OIDC_MODELS, collectionName } from './oidc-storage.ts';

const COLLECTIONS = [...OIDC_MODELS.map(collectionName), 'sms_codes', 'enrolments', 'session_activity', 'account_flows', 'password_resets', 'webauthn_challenges'];

/** What is purged: entries past their expiry, and audit events older than the retention (seconds). */
export interface PurgeOptions {
  auditRetention: number;
  now?: Date;
}

export async function purgeExpired(db: mongo.Db, { auditRetention, now = new Date() }: PurgeOptions): Promise<number> {
  let removed = 0;
  for (const name of COLLECTIONS) {
    removed += (await db.collection(name).deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  }
  const kept = new Date(now.getTime() - auditRetention * 1000);
  removed += (await db.collection('audit_events').deleteMany({ at: { $lt: kept } })).deletedCount;
  return removed;
}

export function startPurgeJob(db: mongo.Db, logger: Logger, options: { auditRetention: number; now: () => Date }, everyMs = 5 * 60_000): () => void {
  const timer = setInterval(() => {
    purgeExpired(db, { auditRetention: options.auditRetention, now: options.now() }).then(
      (removed) => { if (removed > 0) logger.debug({ removed }, 'expired entries purged'); },
      // An outage is logged once by the connection; here one short line, no stack trace every five minutes.
      (error: unknown) => logger.warn(isDatabaseUnavailable(error) ? { cause: describeUnavailable(error) } : { err: error }, 'purge failed'),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
