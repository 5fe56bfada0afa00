/**
 * Requests per token: RATE_LIMIT.points per RATE_LIMIT.durationSeconds for each `sub` + `client_id` (a person through
 * one platform, or a machine client), checked right after the token's signature and before any database read, so a
 * flood of one token costs no database work. 429 `rate_limited` with `Retry-After` beyond it.
 *
 * The counters are in memory, per Poort process: with N instances behind a load balancer a token gets at most N
 * times the limit. That is the choice: the limit guards the database against one runaway client, not a secret (the
 * login and code throttles, which do guard secrets, are in MongoDB and shared). rate-limiter-flexible's memory
 * store keeps the wall clock, which the tests do not move.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiProblem } from './problems.ts';

export const RATE_LIMIT = { points: 120, durationSeconds: 60 } as const;

export type TokenRateLimit = (sub: string, clientId: string) => Promise<void>;

export function createTokenRateLimit(limit: { points: number; durationSeconds: number } = RATE_LIMIT): TokenRateLimit {
  const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds, keyPrefix: 'admin_api' });
  return async (sub, clientId) => {
    try {
      await limiter.consume(JSON.stringify([sub, clientId]));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new ApiProblem('rate_limited', `at most ${limit.points} requests per ${limit.durationSeconds} seconds for one token; try again in ${seconds} seconds`, {
        headers: { 'Retry-After': String(seconds) },
      });
    }
  };
}
