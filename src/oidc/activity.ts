/**
 * Records session activity when an authorization is accepted (and only then: a prompt that is shown but abandoned
 * is not activity). After a login result, the times of the checks it carried (`result.poort`) are recorded too.
 * The write happens before the response leaves, so the next request already sees it.
 */
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { LoginContext } from '../auth/due.ts';
import type { SessionActivities } from '../auth/session-activity.ts';

/** What a login result tells about the checks it carried (epoch seconds), under its `poort` key. */
export interface LoginTimes {
  passwordAt?: number;
  secondFactorAt?: number;
}

/** The `poort` part of a login result: its times, and the facts its steps were decided on (src/oidc/policy.ts). */
export interface LoginResultFacts extends LoginTimes {
  context?: LoginContext;
}

const toDate = (seconds: number | undefined): Date | undefined => (seconds ? new Date(seconds * 1000) : undefined);

export function recordActivity(provider: Provider, activities: SessionActivities) {
  const accepted = new WeakSet<object>();
  provider.on('authorization.accepted', (ctx: KoaContextWithOIDC) => accepted.add(ctx));
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (!accepted.has(ctx)) return;
    const { session, result } = (ctx as unknown as KoaContextWithOIDC).oidc;
    if (!session?.uid || !session.accountId) return;
    const ref = { uid: session.uid, accountId: session.accountId, loginTs: session.loginTs, amr: session.amr };
    if (result?.login) {
      // A login on a new browser session: its login time and amr are its timers (src/auth/session-activity.ts).
      if ((session as { new?: boolean }).new) return;
      const times = (result.poort ?? {}) as LoginTimes;
      await activities.record(ref, { passwordAt: toDate(times.passwordAt), secondFactorAt: toDate(times.secondFactorAt) });
    } else {
      await activities.touch(ref);
    }
  };
}
