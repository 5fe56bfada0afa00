/**
 * Attempt throttling shared by every Poort instance (counters in MongoDB, rate-limiter-flexible's atomic upserts).
 *
 * Per key (organisation + e-mail, whether or not such an account exists, so throttling reveals nothing):
 * the first FREE_ATTEMPTS failures cost nothing; after that each further attempt must wait a growing delay
 * (5 s, 10 s, 20 s, … capped at MAX_DELAY) and only one attempt may pass per delay, decided atomically, so parallel
 * guesses do not slip through. A success clears the key. Per IP: at most IP_FAILURES failures per IP_WINDOW.
 * With `lockAfter` (second factors) the key is locked after that many consecutive failures; a locked key keeps the
 * delays of a throttled one, so the answers a person or script sees are the same for both.
 */
import type { mongo } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';

export const FREE_ATTEMPTS = 5;
/** The first delay after the free attempts; each further one doubles it. */
export const BASE_DELAY_SECONDS = 5;
export const MAX_DELAY_SECONDS = 15 * 60;
export const IP_FAILURES = 100;
export const IP_WINDOW_SECONDS = 15 * 60;
const COUNT_WINDOW_SECONDS = 24 * 3600;

export type Verdict = 'allowed' | 'throttled' | 'locked';

export interface ThrottleOptions {
  /**
   * After this many attempts that passed without a success (within 24 h), the key is locked: every attempt that passes
   * the delay is refused without checking, until the window ends or `clear` (a manager's reset). Unset: never locked (passwords).
   */
  lockAfter?: number;
}

export interface Throttle {
  createIndexes(): Promise<void>;
  /** Reserve one attempt for `key` from `ip`; call before checking the secret. */
  begin(key: string, ip: string): Promise<Verdict>;
  failed(key: string, ip: string): Promise<void>;
  succeeded(key: string): Promise<void>;
  /** Forget everything about a key (e.g. after a manager's reset). */
  clear(key: string): Promise<void>;
}

export function delaySeconds(attempt: number): number {
  if (attempt <= FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - FREE_ATTEMPTS - 1));
}

const isRefusal = (error: unknown): boolean => error instanceof RateLimiterRes;

export function createThrottle(db: mongo.Db, name: string, options: ThrottleOptions = {}): Throttle {
  // Indexes are created by createThrottleIndexes at start-up, not in the background by each limiter.
  const common = { storeClient: db, dbName: db.databaseName, disableIndexesCreation: true };
  const attempts = new RateLimiterMongo({ ...common, tableName: `throttle_${name}_attempts`, keyPrefix: '', points: 1e6, duration: COUNT_WINDOW_SECONDS });
  const gate = new RateLimiterMongo({ ...common, tableName: `throttle_${name}_gate`, keyPrefix: '', points: 1, duration: 1 });
  // Attempts that passed the gate: the delay grows with these, not with the attempt counter, which parallel
  // refused attempts inflate until they are rewarded back (the delay would then depend on arrival order).
  const passed = new RateLimiterMongo({ ...common, tableName: `throttle_${name}_passed`, keyPrefix: '', points: 1e6, duration: COUNT_WINDOW_SECONDS });
  const ips = new RateLimiterMongo({ ...common, tableName: `throttle_${name}_ip`, keyPrefix: '', points: IP_FAILURES, duration: IP_WINDOW_SECONDS });

  return {
    async createIndexes() {
      await Promise.all([attempts.createIndexes(), gate.createIndexes(), passed.createIndexes(), ips.createIndexes()]);
    },
    async begin(key, ip) {
      const ipState = await ips.get(ip);
      if (ipState && ipState.consumedPoints >= IP_FAILURES) return 'throttled';
      const attempt = (await attempts.consume(key)).consumedPoints;
      if (attempt <= FREE_ATTEMPTS) return 'allowed';
      // `passed` counts within one run of failures: it is reset when that run first reaches the gate, so a success
      // (the common case, with no failure before it) has only the attempt counter to clear.
      if (attempt === FREE_ATTEMPTS + 1) await passed.delete(key);
      try {
        await gate.consume(key);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        await attempts.reward(key); // a refused attempt checked no secret, so it is not a failure
        return 'throttled';
      }
      const gated = (await passed.consume(key)).consumedPoints;
      await gate.block(key, delaySeconds(FREE_ATTEMPTS + gated));
      // The lock is decided only after the gate, so a locked key answers quick retries 'throttled' and gated ones
      // 'locked' (shown as a wrong code) on the very schedule of a key that is merely throttled: the sequence of
      // answers never tells the two apart. The counter stays at the limit, keeping the key locked.
      if (options.lockAfter !== undefined && attempt > options.lockAfter) {
        await attempts.reward(key);
        return 'locked';
      }
      return 'allowed';
    },
    async failed(_key, ip) {
      await ips.penalty(ip);
    },
    async succeeded(key) {
      await attempts.delete(key);
    },
    async clear(key) {
      await Promise.all([attempts.delete(key), passed.delete(key), gate.delete(key)]);
    },
  };
}
