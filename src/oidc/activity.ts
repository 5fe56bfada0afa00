/**
 * Records session activity when an authorization is accepted (and only then: a prompt that is shown but abandoned
 * is not activity). After a login result, the times of the checks it carried (`result.poort`) are recorded too.
 * The write happens before the response leaves, so the next request already sees it.
 */
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { SessionActivities } from '../auth/session-activity.ts';

/** What a login result tells about the checks it carried (epoch seconds). */
export interface LoginTimes {
  passwordAt?: number;
  secondFactorAt?: number;
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
    if (result?.login) {
      const times = (result.poort ?? {}) as LoginTimes;
      await activities.record(session.uid, { accountId: session.accountId, passwordAt: toDate(times.passwordAt), secondFactorAt: toDate(times.secondFactorAt) });
    } else {
      await activities.touch(session.uid);
    }
  };
}
