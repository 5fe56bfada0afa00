/**
 * SMS codes: 6 digits, valid 10 minutes, stored as keyed hashes, at most 5 tries per code, a new code replaces the
 * previous one for the same purpose, sending throttled (one per 30 s, ten per hour per account).
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { mongo } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { SmsCodeModel } from '../../db/models/sms-code.ts';
import type { SecretBox } from '../secret-box.ts';

export const SMS_CODE = { ttlSeconds: 600, maxTries: 5, minIntervalSeconds: 30, perHour: 10 } as const;

export interface SmsCodes {
  /** Creates a code and returns it for sending, or 'throttled' when the account sent too many recently. */
  issue(accountId: string, phone: string, purpose: string): Promise<{ code: string } | 'throttled'>;
  /** True once for the right code of the newest unexpired code of that purpose. */
  verify(accountId: string, purpose: string, input: string): Promise<boolean>;
  createIndexes(): Promise<void>;
}

export function createSmsCodes(model: SmsCodeModel, db: mongo.Db, box: SecretBox, now: () => Date): SmsCodes {
  const common = { storeClient: db, dbName: db.databaseName, disableIndexesCreation: true, keyPrefix: '' };
  const interval = new RateLimiterMongo({ ...common, tableName: 'throttle_sms_interval', points: 1, duration: SMS_CODE.minIntervalSeconds });
  const hourly = new RateLimiterMongo({ ...common, tableName: 'throttle_sms_hourly', points: SMS_CODE.perHour, duration: 3600 });
  const hash = (id: string, code: string): string => box.mac(code, `sms:${id}`);
  // A purpose names the interaction, account-page visit or reset link a code belongs to: stored keyed-hashed, so
  // the collection holds no interaction id or other cookie-bound value.
  const purposeKey = (purpose: string): string => box.mac(purpose, 'sms-purpose');

  return {
    async createIndexes() {
      await Promise.all([interval.createIndexes(), hourly.createIndexes()]);
    },
    async issue(accountId, phone, purpose) {
      try {
        await interval.consume(accountId);
        await hourly.consume(accountId);
      } catch (error) {
        if (error instanceof RateLimiterRes) return 'throttled';
        throw error;
      }
      const id = randomUUID();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const created = now();
      await model.create({ _id: id, accountId, purpose: purposeKey(purpose), phone, hash: hash(id, code), tries: 0, createdAt: created, expiresAt: new Date(created.getTime() + SMS_CODE.ttlSeconds * 1000) });
      await model.deleteMany({ accountId, purpose: purposeKey(purpose), _id: { $ne: id } });
      return { code };
    },
    async verify(accountId, purpose, input) {
      const code = input.replace(/\s/g, '');
      if (!/^\d{6}$/.test(code)) return false;
      // Count the try first (atomically): a sixth try finds nothing, however many arrive at once.
      const current = await model.findOneAndUpdate(
        { accountId, purpose: purposeKey(purpose), usedAt: { $exists: false }, expiresAt: { $gt: now() }, tries: { $lt: SMS_CODE.maxTries } },
        { $inc: { tries: 1 } },
        { sort: { createdAt: -1 }, returnDocument: 'after' },
      ).lean().exec();
      if (!current || !timingSafeEqual(Buffer.from(current.hash), Buffer.from(hash(current._id, code).padEnd(current.hash.length).slice(0, current.hash.length)))) return false;
      const spent = await model.updateOne({ _id: current._id, usedAt: { $exists: false } }, { $set: { usedAt: now() } });
      return spent.modifiedCount === 1;
    },
  };
}
