/**
 * The one place that decides whether an error means "the database cannot be reached right now" — a fault that
 * goes away by itself, answered with 503 and Retry-After — rather than a bug (500) or a refusal (4xx).
 *
 * Errors are recognised by name, not `instanceof`: mongoose, rate-limiter-flexible and oidc-provider each pass the
 * driver's errors on, sometimes wrapped, and a second copy of the driver in node_modules would defeat `instanceof`.
 *
 * It imports nothing and sits beside log.ts, in no layer: the HTTP errors answer with it and the database's own jobs
 * log with it, and the HTTP layer must not reach into the database layer for a classifier.
 */

/** The driver's and mongoose's errors for a server that cannot be selected, reached or heard from in time. */
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set([
  'MongoServerSelectionError', // no server answered within serverSelectionTimeoutMS
  'MongooseServerSelectionError',
  'MongoNetworkError', // connection refused, reset or closed
  'MongoNetworkTimeoutError', // no reply within socketTimeoutMS / connectTimeoutMS
  'MongoOperationTimeoutError', // an operation aborted by its signal (e.g. the readiness ping)
  'MongoWaitQueueTimeoutError', // no free connection within waitQueueTimeoutMS
  'MongoPoolClearedError', // the pool was reset after a network error
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError', // a request still running while Poort shuts down
  'MongoServerClosedError',
  'MongoClientClosedError',
]);

/**
 * Server error codes of a replica set between primaries, a server shutting down or a network hop failing: the
 * driver's own "retryable" set, plus time limits.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernTimeout
  89, // NetworkTimeout
  91, // ShutdownInProgress
  133, // FailedToSatisfyReadPreference
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Errors that carry only a message: mongoose's for an operation that never reached the driver (buffering, or no
 * connection yet), and rate-limiter-flexible's for a limiter without its collection.
 */
const UNAVAILABLE_MESSAGES = /buffering timed out|before initial connection is complete|Mongo connection is not established/;

/** Wrappers seen in practice: `cause` (standard), `originalError` (driver), `reason` (mongoose), `errors` (aggregates). */
function wrapped(error: object): unknown[] {
  const inner: unknown[] = [];
  for (const key of ['cause', 'originalError', 'reason'] as const) {
    const value = (error as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null) inner.push(value);
  }
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) inner.push(...errors);
  return inner;
}

function namesOf(error: object): string[] {
  const names: string[] = [];
  const own = (error as { name?: unknown }).name;
  if (typeof own === 'string') names.push(own);
  // Subclasses (e.g. of MongoNetworkError) count as their parent.
  for (let proto = Object.getPrototypeOf(error) as object | null; proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

function isItselfUnavailable(error: object): boolean {
  if (namesOf(error).some((name) => UNAVAILABLE_NAMES.has(name))) return true;
  const { code, errorLabels, name, message } = error as { code?: unknown; errorLabels?: unknown; name?: unknown; message?: unknown };
  const isServerError = typeof name === 'string' && /^Mongo(Server|WriteConcern|BulkWrite)Error$/.test(name);
  if (isServerError && typeof code === 'number' && UNAVAILABLE_CODES.has(code)) return true;
  // The driver labels errors after which a write may be retried: the server was reachable only in part.
  if (Array.isArray(errorLabels) && errorLabels.includes('RetryableWriteError')) return true;
  return (name === 'MongooseError' || name === 'Error') && typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** True when `error`, or an error it wraps, says the database is unreachable or too slow right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<object>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 20) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    if (isItselfUnavailable(next)) return true;
    queue.push(...wrapped(next));
  }
  return false;
}

/** A short description for the log: an outage would otherwise fill it with one stack trace per request. */
export function describeUnavailable(error: unknown): string {
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (typeof message !== 'string') return String(error).slice(0, 300);
  return `${typeof name === 'string' ? name : 'Error'}: ${message}`.slice(0, 300);
}
