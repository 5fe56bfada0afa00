/**
 * What Poort's parts record (`Recorder`), the closed sets of label values, and the recorder that does nothing when
 * metrics are off. No prom-client here: a Poort without METRICS_PORT never loads it (metrics.ts does, on demand).
 */
import { ROLES } from '../accounts/vocabulary.ts';

/**
 * A login attempt's answer: the password step's (`success` is a right password; a second factor, where due, is
 * counted by poort_second_factor_checks_total), or `locked` when a login's code step met a locked factor.
 * `wrong_password` includes unknown addresses and accounts that cannot log in: Poort answers them alike.
 */
export const LOGIN_OUTCOMES = ['success', 'wrong_password', 'throttled', 'locked'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

/** A code check (login, account page, reset link): right, wrong, refused by the delay, or the factor locked. */
export const CHECK_OUTCOMES = ['success', 'invalid', 'throttled', 'locked'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/** A set-up of a method: begun, finished with its first code, or that first code refused (wrong, throttled, locked). */
export const ENROLMENT_OUTCOMES = ['started', 'completed', 'refused'] as const;
export type EnrolmentOutcome = (typeof ENROLMENT_OUTCOMES)[number];

/** Forgot password: a request throttled, a link e-mailed (to an account that may use one), a new password set. */
export const PASSWORD_RESET_OUTCOMES = ['throttled', 'link_sent', 'completed'] as const;
export type PasswordResetOutcome = (typeof PASSWORD_RESET_OUTCOMES)[number];

/** Who reset a second factor: the operator (CLI) or a person by role (admin API). */
export const RESET_ACTORS = ['operator', ...ROLES] as const;
export type ResetActor = (typeof RESET_ACTORS)[number];

/** The grant types Poort serves at its token endpoint. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** OAuth error codes the token endpoint answers (RFC 6749 §5.2, RFC 8707, RFC 9449). */
export const TOKEN_ERRORS = [
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'invalid_target', 'invalid_dpop_proof', 'use_dpop_nonce',
] as const;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The route label of a request that matched no route (never its path). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The MongoDB commands Poort's operations send (the driver's command names). */
export const DATABASE_COMMANDS = [
  'find', 'insert', 'update', 'delete', 'findAndModify', 'aggregate', 'count', 'distinct', 'getMore', 'killCursors',
  'createIndexes', 'listIndexes', 'listCollections', 'create', 'drop', 'dropIndexes', 'ping', 'hello', 'endSessions',
] as const;

export const OTHER = 'other';

/** What the parts of Poort record. Every function may be passed on unbound. */
export interface Recorder {
  login(outcome: LoginOutcome): void;
  /** `factor`: the registry's id of the method, or the recovery codes' id. */
  secondFactorCheck(factor: string, outcome: CheckOutcome): void;
  enrolment(factor: string, outcome: EnrolmentOutcome): void;
  passwordReset(outcome: PasswordResetOutcome): void;
  secondFactorReset(actor: ResetActor): void;
  /** A successful token endpoint response, by its grant_type. */
  tokenIssued(grantType: unknown): void;
  /** A token endpoint request refused with an OAuth error (4xx). */
  tokenRefused(error: unknown): void;
  /** oidc-provider's `server_error`: one of its endpoints failed (a bug, or the database). */
  providerError(): void;
  /** `route`: the matched route's template (e.g. `/interaction/:uid/login`), or undefined. */
  httpRequest(method: string, route: unknown, status: number, seconds: number): void;
  databaseCommand(command: string, ok: boolean, seconds: number): void;
}

const nothing = (): void => undefined;

/** The recorder when metrics are off: every function does nothing. */
export const NO_METRICS: Recorder = Object.freeze({
  login: nothing,
  secondFactorCheck: nothing,
  enrolment: nothing,
  passwordReset: nothing,
  secondFactorReset: nothing,
  tokenIssued: nothing,
  tokenRefused: nothing,
  providerError: nothing,
  httpRequest: nothing,
  databaseCommand: nothing,
});
