/**
 * Poort's Prometheus metrics (prom-client): a registry of its own per Poort (never prom-client's global one), the
 * typed recording functions the services, the HTTP layer and the database connection call, and the process metrics.
 *
 * Every label value comes from a closed set written here or handed in at start-up (the factor ids of the registry):
 * nothing a request carries — an e-mail address, an account id, an interaction uid, a raw path — ever becomes a
 * label, so no client can create series. Values outside a set are counted as `other`.
 *
 * The counters' series exist from the start at 0 (each label combination is created here), so `rate()` and
 * `increase()` see the first event, and the recording path is a lookup in a small map and an increment. With
 * metrics off the container hands the services NO_METRICS instead, whose functions do nothing.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  CHECK_OUTCOMES, DATABASE_COMMANDS, ENROLMENT_OUTCOMES, GRANT_TYPES, HTTP_METHODS, LOGIN_OUTCOMES, OTHER, PASSWORD_RESET_OUTCOMES, RESET_ACTORS,
  TOKEN_ERRORS, UNMATCHED_ROUTE, type Recorder,
} from './recorder.ts';

/** Seconds: a page or endpoint of Poort, from a few milliseconds (discovery) to the argon2 work of a login. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: single-document operations of a millisecond, up to DATABASE_TIMEOUT. */
const DATABASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Load of the password hasher: argon2 computations running and waiting for a turn. */
export type HashingLoad = () => { running: number; waiting: number };

export interface Metrics extends Recorder {
  /** Poort's own registry: what /metrics answers (`await registry.metrics()`, `registry.contentType`). */
  readonly registry: Registry;
  /** The password hasher to read on each scrape (it is built after the database connection, which records too). */
  watchHashing(load: HashingLoad): void;
}

export interface MetricsOptions {
  /** Every factor id a check or set-up may name: the registry's methods and the recovery codes. */
  factors: readonly string[];
}

/** `value` when it is one of `known`, else `other`. */
function closed(known: ReadonlySet<string>, value: unknown): string {
  return typeof value === 'string' && known.has(value) ? value : OTHER;
}

/** A child counter, its series written at 0 now (prom-client shows a series only once it has a value). */
function started(child: Counter.Internal): Counter.Internal {
  child.inc(0);
  return child;
}

/** One child counter per label value. */
function children(counter: Counter<string>, values: readonly string[]): Map<string, Counter.Internal> {
  return new Map(values.map((value) => [value, started(counter.labels(value))]));
}

/** Child counters for every pair of two labels' values. */
function pairs(counter: Counter<string>, first: readonly string[], second: readonly string[]): Map<string, Counter.Internal> {
  return new Map(first.flatMap((a) => second.map((b) => [`${a} ${b}`, started(counter.labels(a, b))] as const)));
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const logins = children(new Counter({
    name: 'poort_logins_total', help: 'Login attempts by outcome (password step; locked: a login met a locked second factor)',
    labelNames: ['outcome'], registers,
  }), LOGIN_OUTCOMES);
  const factors = [...new Set(options.factors)];
  const checks = pairs(new Counter({
    name: 'poort_second_factor_checks_total', help: 'Second-factor code checks by factor and outcome',
    labelNames: ['factor', 'outcome'], registers,
  }), factors, CHECK_OUTCOMES);
  const enrolments = pairs(new Counter({
    name: 'poort_second_factor_enrolments_total', help: 'Second-factor set-ups by factor and outcome',
    labelNames: ['factor', 'outcome'], registers,
  }), factors, ENROLMENT_OUTCOMES);
  const passwordResets = children(new Counter({
    name: 'poort_password_resets_total', help: 'Forgot-password requests throttled, links e-mailed, and new passwords set',
    labelNames: ['outcome'], registers,
  }), PASSWORD_RESET_OUTCOMES);
  const factorResets = children(new Counter({
    name: 'poort_second_factor_resets_total', help: 'Second-factor resets by who did them (operator, or the role through the admin API)',
    labelNames: ['actor'], registers,
  }), RESET_ACTORS);
  const tokens = children(new Counter({
    name: 'poort_tokens_issued_total', help: 'Successful token endpoint responses by grant type',
    labelNames: ['grant_type'], registers,
  }), [...GRANT_TYPES, OTHER]);
  const tokenErrors = children(new Counter({
    name: 'poort_token_errors_total', help: 'Token endpoint requests refused, by OAuth error code',
    labelNames: ['error'], registers,
  }), [...TOKEN_ERRORS, OTHER]);
  const providerErrors = new Counter({
    name: 'poort_provider_server_errors_total', help: 'Server errors inside oidc-provider\'s endpoints (bugs, or the database)', registers,
  });
  const http = new Histogram({
    name: 'poort_http_request_duration_seconds', help: 'HTTP requests by method, route template and status: time until the response is ready',
    labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers,
  });
  const database = new Histogram({
    name: 'poort_db_command_duration_seconds', help: 'MongoDB commands by command name and outcome (ok, error), as the driver timed them',
    labelNames: ['command', 'outcome'], buckets: DATABASE_BUCKETS, registers,
  });
  let hashing: HashingLoad = () => ({ running: 0, waiting: 0 });
  new Gauge({
    name: 'poort_argon2_running', help: 'argon2 computations (password verifications and hashes) running now', registers,
    collect() {
      this.set(hashing().running);
    },
  });
  new Gauge({
    name: 'poort_argon2_waiting', help: 'argon2 computations waiting for a turn (the hasher runs a bounded number at once)', registers,
    collect() {
      this.set(hashing().waiting);
    },
  });

  const methods = new Set<string>(HTTP_METHODS);
  const grantTypes = new Set<string>(GRANT_TYPES);
  const errorCodes = new Set<string>(TOKEN_ERRORS);
  const commands = new Set<string>(DATABASE_COMMANDS);
  return {
    registry,
    watchHashing: (load) => {
      hashing = load;
    },
    login: (outcome) => logins.get(outcome)?.inc(),
    secondFactorCheck: (factor, outcome) => checks.get(`${factor} ${outcome}`)?.inc(),
    enrolment: (factor, outcome) => enrolments.get(`${factor} ${outcome}`)?.inc(),
    passwordReset: (outcome) => passwordResets.get(outcome)?.inc(),
    secondFactorReset: (actor) => factorResets.get(actor)?.inc(),
    tokenIssued: (grantType) => tokens.get(closed(grantTypes, grantType))?.inc(),
    tokenRefused: (error) => tokenErrors.get(closed(errorCodes, error))?.inc(),
    providerError: () => providerErrors.inc(),
    httpRequest: (method, route, status, seconds) => {
      http.observe({ method: closed(methods, method), route: typeof route === 'string' ? route : UNMATCHED_ROUTE, status: String(status) }, seconds);
    },
    databaseCommand: (command, ok, seconds) => {
      database.observe({ command: closed(commands, command), outcome: ok ? 'ok' : 'error' }, seconds);
    },
  };
}
