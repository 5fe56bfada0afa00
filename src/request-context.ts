/**
 * What the current HTTP request is, for the services it calls that have no Koa context: its request id (the
 * audit log writes it beside every event, so an event can be found in the request log). Outside a request (the
 * CLI, background jobs) there is none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestFacts {
  requestId: string;
}

export interface RequestContext {
  /** Runs `work` (one request) with these facts. */
  run<T>(facts: RequestFacts, work: () => Promise<T>): Promise<T>;
  current(): RequestFacts | undefined;
}

export function createRequestContext(): RequestContext {
  const storage = new AsyncLocalStorage<RequestFacts>();
  return {
    run: (facts, work) => storage.run(facts, work),
    current: () => storage.getStore(),
  };
}
