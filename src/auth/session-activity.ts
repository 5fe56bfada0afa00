/**
 * Poort's timers of a browser session (keyed by oidc-provider's session uid): when the password and the second
 * factor were last checked, and the last activity. Activity is an accepted authorization or use of the account
 * page; showing a prompt is not activity, so an abandoned prompt never resets the inactivity clock.
 */
import type { SessionActivity, SessionActivityModel } from '../db/models/session-activity.ts';

export interface SessionTimes {
  accountId: string;
  passwordAt?: Date;
  secondFactorAt?: Date;
}

export interface SessionActivities {
  get(sessionUid: string): Promise<SessionActivity | undefined>;
  /** After a login result: records which checks just happened, and activity. */
  record(sessionUid: string, times: SessionTimes): Promise<void>;
  touch(sessionUid: string): Promise<void>;
  /** Ends the timers of every session of an account (a reset or a password change). */
  forgetAccount(accountId: string): Promise<void>;
}

export function createSessionActivities(model: SessionActivityModel, now: () => Date, sessionMaxAge: number): SessionActivities {
  const expiry = (): Date => new Date(now().getTime() + sessionMaxAge * 1000);
  return {
    async get(sessionUid) {
      return (await model.findOne({ _id: sessionUid, expiresAt: { $gt: now() } }).lean<SessionActivity>().exec()) ?? undefined;
    },
    async record(sessionUid, times) {
      const set: Partial<SessionActivity> = { accountId: times.accountId, lastActiveAt: now(), expiresAt: expiry() };
      if (times.passwordAt) set.passwordAt = times.passwordAt;
      if (times.secondFactorAt) set.secondFactorAt = times.secondFactorAt;
      // A different account on the same session starts afresh: drop the previous person's times.
      await model.deleteOne({ _id: sessionUid, accountId: { $ne: times.accountId } });
      await model.updateOne({ _id: sessionUid }, { $set: set, $setOnInsert: times.passwordAt ? {} : { passwordAt: now() } }, { upsert: true });
    },
    async touch(sessionUid) {
      await model.updateOne({ _id: sessionUid }, { $set: { lastActiveAt: now() } });
    },
    async forgetAccount(accountId) {
      await model.deleteMany({ accountId });
    },
  };
}
