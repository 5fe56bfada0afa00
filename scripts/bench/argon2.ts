/**
 * The argon2 bound: a password login costs one argon2id verify, which occupies one core for its whole duration, so
 * N cores can do at most N ÷ (one verify time) logins per second. Measured here with Poort's own parameters, and
 * also with N verifies side by side (memory-hard hashes running together compete for caches and memory bandwidth).
 */
import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import { ARGON2_PARAMS } from '../../src/auth/password.ts';
import { percentile } from './load.ts';

export interface Argon2Bound {
  cores: number;
  /** Median time of one verify, alone. */
  verifyMs: number;
  /** cores ÷ verifyMs: the bound the targets use. */
  loginsPerSecond: number;
  /** Verifies per second with `cores` of them running side by side. */
  sideBySidePerSecond: number;
}

const PASSWORD = 'Bench-password-2026!';

export async function measureArgon2Bound(rounds = 20): Promise<Argon2Bound> {
  const hash = await argon2.hash(PASSWORD, ARGON2_PARAMS);
  await argon2.verify(hash, PASSWORD); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    if (!(await argon2.verify(hash, PASSWORD))) throw new Error('argon2 verify failed');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const verifyMs = percentile(times, 50);
  const cores = availableParallelism();

  const perWorker = Math.max(4, Math.ceil(rounds / cores));
  const started = performance.now();
  await Promise.all(Array.from({ length: cores }, async () => {
    for (let i = 0; i < perWorker; i += 1) await argon2.verify(hash, PASSWORD);
  }));
  const sideBySidePerSecond = (cores * perWorker * 1000) / (performance.now() - started);
  return { cores, verifyMs, loginsPerSecond: (cores * 1000) / verifyMs, sideBySidePerSecond };
}
