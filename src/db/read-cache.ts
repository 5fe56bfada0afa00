/**
 * A read-through cache that lives for one HTTP request: the login's steps ask "the account", "its organisation" and
 * "its second factor" from several places (the prompt policy, the route, findAccount, the code page), and each asks
 * the database once per request instead of once per place. Outside a request (the CLI, background jobs) nothing is
 * kept: every read goes to the database.
 *
 * Only reads are kept, for the rest of the request; a service that writes a cached document forgets it in the same
 * step. The values are shared: callers must not change them (lean documents are plain objects; treat them as read-only).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ReadCache {
  /** Runs `work` (one request) with a fresh cache. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The value under `key` for this request, loading it on first use (a failed load is not kept). */
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Keeps a value just read another way (e.g. an account found by e-mail, kept under its id). */
  keep(key: string, value: unknown): void;
  forget(key: string): void;
  /** Forgets every key that starts with `prefix` (a write that may touch several entries). */
  forgetAll(prefix: string): void;
}

export function createReadCache(): ReadCache {
  const storage = new AsyncLocalStorage<Map<string, Promise<unknown>>>();
  return {
    run: (work) => storage.run(new Map(), work),
    read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const entries = storage.getStore();
      if (!entries) return load();
      let entry = entries.get(key) as Promise<T> | undefined;
      if (!entry) {
        entry = load();
        entries.set(key, entry);
        entry.catch(() => entries.delete(key));
      }
      return entry;
    },
    keep(key, value) {
      storage.getStore()?.set(key, Promise.resolve(value));
    },
    forget(key) {
      storage.getStore()?.delete(key);
    },
    forgetAll(prefix) {
      const entries = storage.getStore();
      for (const key of entries?.keys() ?? []) if (key.startsWith(prefix)) entries?.delete(key);
    },
  };
}
