/**
 * Poort's timers of a browser session (keyed by oidc-provider's session uid): when the password and the second
 * factor were last checked, and the last activity. Activity is an accepted authorization or use of the account
 * page; showing a prompt is not activity, so an abandoned prompt never resets the inactivity clock.
 *
 * While Poort has written none, a session's timers are what oidc-provider's session itself says: its login time
 * (`loginTs`) for the password, for the code when its login carried one (`amr`), and for the last activity
 * (src/auth/due.ts reads them so). A full login on a new browser session therefore writes nothing; the first write
 * (activity, a code on the account page) starts the record from those values.
 */
import type { SessionActivity, SessionActivityModel } from '../db/models/session-activity.ts';
import { hasSecondFactor } from './assurance.ts';

export interface SessionTimes {
  passwordAt?: Date | undefined;
  secondFactorAt?: Date | undefined;
}

/** A browser session as oidc-provider keeps it: whose it is, and what its timers are while none is recorded. */
export interface SessionRef {
  uid: string;
  accountId: string;
  /** oidc-provider's login time, epoch seconds. */
  loginTs?: number | undefined;
  amr?: readonly string[] | undefined;
}

export interface SessionActivities {
  get(sessionUid: string): Promise<SessionActivity | undefined>;
  /** The session's password and code times: the recorded ones, or what the session says (see the header). */
  current(session: SessionRef): Promise<SessionTimes>;
  /**
   * Records which checks just happened, and activity. With `passwordAt` (a login result) the record starts afresh,
   * whoever was logged in before; without it (a code alone) the code's time is added to the session's timers.
   */
  record(session: SessionRef, times: SessionTimes): Promise<void>;
  touch(session: SessionRef): Promise<void>;
  /** Ends the timers of every session of an account (a reset or a password change). */
  forgetAccount(accountId: string): Promise<void>;
}

export function createSessionActivities(model: SessionActivityModel, now: () => Date, sessionMaxAge: number): SessionActivities {
  const expiry = (): Date => new Date(now().getTime() + sessionMaxAge * 1000);
  /** The timers a record starts from: what the session says (see the header). */
  const initial = (session: SessionRef): Partial<SessionActivity> => {
    const loginAt = session.loginTs ? new Date(session.loginTs * 1000) : now();
    return { accountId: session.accountId, passwordAt: loginAt, ...(hasSecondFactor(session.amr ?? []) ? { secondFactorAt: loginAt } : {}) };
  };
  const get = async (sessionUid: string): Promise<SessionActivity | undefined> =>
    (await model.findOne({ _id: sessionUid, expiresAt: { $gt: now() } }).lean<SessionActivity>().exec()) ?? undefined;
  return {
    get,
    async current(session) {
      const recorded = await get(session.uid);
      const { passwordAt, secondFactorAt } = recorded ?? initial(session);
      return { passwordAt, secondFactorAt };
    },
    async record(session, times) {
      const active = { lastActiveAt: now(), expiresAt: expiry() };
      if (times.passwordAt) {
        // One replacement: an earlier code of the same person would not count after this password anyway
        // (src/auth/due.ts), and another person's timers must not carry over.
        const fresh = { _id: session.uid, accountId: session.accountId, passwordAt: times.passwordAt, ...(times.secondFactorAt ? { secondFactorAt: times.secondFactorAt } : {}), ...active };
        await model.replaceOne({ _id: session.uid }, fresh, { upsert: true });
        return;
      }
      const { secondFactorAt: _code, ...start } = initial(session);
      await model.updateOne(
        { _id: session.uid },
        { $set: { ...active, ...(times.secondFactorAt ? { secondFactorAt: times.secondFactorAt } : {}) }, $setOnInsert: times.secondFactorAt ? start : initial(session) },
        { upsert: true },
      );
    },
    async touch(session) {
      await model.updateOne({ _id: session.uid }, { $set: { lastActiveAt: now() }, $setOnInsert: { ...initial(session), expiresAt: expiry() } }, { upsert: true });
    },
    async forgetAccount(accountId) {
      await model.deleteMany({ accountId });
    },
  };
}
