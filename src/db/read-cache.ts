/**
 * A read-through cache that lives for one HTTP request: the login's steps ask "the account", "its organisation" and
 * "its second factor" from several places (the prompt policy, the route, findAccount, the code page), and each asks
 * the database once per request instead of once per place. Outside a request (the CLI, background jobs) nothing is
 * kept: every read goes to the database.
 *
 * Only reads are kept, for the rest of the request; a service that writes a cached document forgets it in the same
 * step. The values are shared: callers must not change them (lean documents are plain objects; treat them as read-only).
 *
 * The same per-request scope carries the device the request came from (`RequestDevice`): the adapter keeps a
 * session's User-Agent beside it in the write it makes anyway, so the account page can name the device.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The device the request being served came from, for storage to note beside what it writes. */
export interface RequestDevice {
  /** The request's User-Agent header, when it sent one. */
  userAgent?: string | undefined;
}

export interface ReadCache {
  /** Runs `work` (one request) with a fresh cache, and the device it came from. */
  run<T>(work: () => Promise<T>, device?: RequestDevice): Promise<T>;
  /** The device of the request being served; empty outside a request. */
  device(): RequestDevice;
  /** The value under `key` for this request, loading it on first use (a failed load is not kept). */
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Keeps a value just read another way (e.g. an account found by e-mail, kept under its id). */
  keep(key: string, value: unknown): void;
  forget(key: string): void;
  /** Forgets every key that starts with `prefix` (a write that may touch several entries). */
  forgetAll(prefix: string): void;
}

export function createReadCache(): ReadCache {
  const storage = new AsyncLocalStorage<{ entries: Map<string, Promise<unknown>>; device: RequestDevice }>();
  return {
    run: (work, device = {}) => storage.run({ entries: new Map(), device }, work),
    device: () => storage.getStore()?.device ?? {},
    read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const entries = storage.getStore()?.entries;
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
      storage.getStore()?.entries.set(key, Promise.resolve(value));
    },
    forget(key) {
      storage.getStore()?.entries.delete(key);
    },
    forgetAll(prefix) {
      const entries = storage.getStore()?.entries;
      for (const key of entries?.keys() ?? []) if (key.startsWith(prefix)) entries?.delete(key);
    },
  };
}
