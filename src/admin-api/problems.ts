/**
 * The admin API's errors: RFC 9457 problem details (`application/problem+json`). Every refusal has a stable `code`
 * from the table below, and `type` is `urn:poort:problem:<code>` — the same form as the problems of Poort's other
 * JSON answers (src/http/problem.ts), so a client recognises a 503 whichever part of Poort sent it. The table is
 * the one list: the handlers throw its codes, the OpenAPI document and docs/admin-api.md are written from it.
 *
 * Bodies carry no request id (it is in the `X-Request-Id` header), so two refusals of the same kind are the same
 * bytes — a 404 for another organisation's account is exactly the 404 for an id that never existed.
 */
import { z } from 'zod';
import { AccountAdminError, type AccountAdminErrorCode } from '../accounts/account-admin.ts';
import { AccountError } from '../accounts/accounts.ts';
import { AuditCursorError } from '../accounts/audit.ts';
import { InvitationError } from '../accounts/invitations.ts';
import { PolicyError } from '../accounts/organisations.ts';
import { HttpError, problem, RETRY_AFTER_SECONDS } from '../http/problem.ts';
import { isDatabaseUnavailable } from '../unavailable.ts';

interface ProblemKind {
  status: number;
  title: string;
  /** When it is answered (the docs' error table). */
  when: string;
}

export const PROBLEMS = {
  invalid_request: { status: 400, title: 'The request is not valid', when: 'a parameter or body field is missing, malformed or unknown; `errors` names each field' },
  invalid_json: { status: 400, title: 'The body is not valid JSON', when: 'the body does not parse as JSON, or is not UTF-8' },
  authentication_required: { status: 401, title: 'An access token is required', when: 'no `Authorization: Bearer` token; `WWW-Authenticate: Bearer`' },
  invalid_token: { status: 401, title: 'The access token is not valid', when: 'the token is malformed, expired, signed by another key or algorithm, for another audience or without scope `admin`, or its person is disabled or deleted, or its client is gone; `WWW-Authenticate: Bearer error="invalid_token"`' },
  insufficient_user_authentication: { status: 401, title: 'A more recent or stronger login is required', when: 'a step-up action with a token whose login is too old or lacks the second factor; the challenge names `acr_values` and `max_age` (RFC 9470)' },
  forbidden: { status: 403, title: 'Not allowed', when: 'the actor\'s role (or a machine client) may not do this' },
  own_account: { status: 403, title: 'Not allowed on your own account', when: 'resetting your own second factor, disabling yourself, changing your own role or ending your own sessions' },
  not_found: { status: 404, title: 'Not found', when: 'no such account in the actor\'s view (another organisation\'s looks the same), or no such path' },
  method_not_allowed: { status: 405, title: 'Method not allowed', when: 'the path exists, the method does not; `Allow` lists the methods' },
  email_taken: { status: 409, title: 'The e-mail address is taken', when: 'the organisation already has an account with this address' },
  not_invited: { status: 409, title: 'The account is not invited', when: 'a welcome e-mail for an account that already set its password, or is disabled' },
  has_links: { status: 409, title: 'The account has professional links', when: 'changing the role of a client with professionals, or of a professional with clients; unlink first' },
  not_a_client: { status: 409, title: 'The account is not a client', when: 'a link whose client account is not a client' },
  not_a_professional: { status: 409, title: 'The account is not a professional', when: 'a link (or a clients list) whose professional account is not a professional' },
  professional_disabled: { status: 409, title: 'The professional is disabled', when: 'linking a disabled professional' },
  conflict: { status: 409, title: 'The resource changed meanwhile', when: 'another change won a race (e.g. the role changed since it was read); read again and retry' },
  body_too_large: { status: 413, title: 'The body is too large', when: 'the body is over 64 kB' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', when: 'a body that is not `application/json`' },
  rate_limited: { status: 429, title: 'Too many requests', when: 'more than the token\'s requests per minute; `Retry-After` says how many seconds to wait' },
  server_error: { status: 500, title: 'Internal error', when: 'a bug; the body says nothing more, the log has the details' },
  temporarily_unavailable: { status: 503, title: 'Temporarily unavailable, try again in a moment', when: 'the database cannot be reached in time; `Retry-After: 5`' },
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export interface FieldError {
  /** The field, as a dotted path (`email`, `codeValidityChoices.1`), or `body` for the body as a whole. */
  field: string;
  message: string;
}

/** A refusal the API answers as a problem. */
export class ApiProblem extends Error {
  readonly code: ProblemCode;
  readonly errors: FieldError[] | undefined;
  /** Headers the answer needs (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  readonly headers: Record<string, string>;
  constructor(code: ProblemCode, detail?: string, extra: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail ?? PROBLEMS[code].title);
    this.name = 'ApiProblem';
    this.code = code;
    this.errors = extra.errors;
    this.headers = extra.headers ?? {};
  }
  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export const fieldErrorSchema = z.object({
  field: z.string().meta({ description: 'The field, as a dotted path; `body` for the body as a whole', example: 'email' }),
  message: z.string().meta({ example: 'must be an e-mail address' }),
}).meta({ id: 'FieldError' });

export const problemSchema = z.object({
  type: z.string().meta({ description: '`urn:poort:problem:<code>`', example: 'urn:poort:problem:not_found' }),
  title: z.string(),
  status: z.int().min(400).max(599),
  code: z.enum(PROBLEM_CODES).meta({ description: 'Stable machine-readable code (docs/admin-api.md lists them)' }),
  detail: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional().meta({ description: 'With `invalid_request`: every field that is wrong' }),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type ProblemBody = z.infer<typeof problemSchema>;

/** The body of a problem (500s and 503s say no more than their title). */
export function problemBody(refusal: ApiProblem): ProblemBody {
  const { status, title } = PROBLEMS[refusal.code];
  const detail = status < 500 && refusal.message !== title ? refusal.message : undefined;
  return { ...problem(status, refusal.code, title, detail), code: refusal.code, ...(refusal.errors ? { errors: refusal.errors } : {}) };
}

/** A zod failure as `invalid_request`, naming every field (`where` prefixes the path: query, body…). */
export function invalidRequest(issues: readonly z.core.$ZodIssue[], where?: string): ApiProblem {
  const errors = issues.map((issue) => {
    // An unknown key is reported on the object that holds it; name the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = [...issue.path, ...(key === undefined ? [] : [key])].map(String).join('.');
      return { field: path || where || 'body', message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message };
    });
  }).flat();
  return new ApiProblem('invalid_request', `${errors.length === 1 ? 'a field is' : 'fields are'} not valid: ${errors.map((e) => e.field).join(', ')}`, { errors });
}

/** Where the account administration's refusals go: a missing account is a 404 like any other. */
const ADMIN_PROBLEMS: Record<AccountAdminErrorCode, ProblemCode> = {
  account_not_found: 'not_found',
  client_not_found: 'not_found',
  professional_not_found: 'not_found',
  // Never reached through the API (both accounts are checked to be the actor's organisation's first); a 404 if it were.
  other_organisation: 'not_found',
  not_a_client: 'not_a_client',
  not_a_professional: 'not_a_professional',
  professional_disabled: 'professional_disabled',
};

const ACCOUNT_PROBLEMS: Record<string, ProblemCode> = {
  email_taken: 'email_taken',
  account_not_found: 'not_found',
  has_links: 'has_links',
  role_changed: 'conflict',
};

/**
 * The problem an error stands for: the API's own refusals, the body reader's, the use cases' (mapped here, the one
 * place), a database outage; undefined for anything else (a bug, answered 500).
 */
export function problemFor(error: unknown): ApiProblem | undefined {
  if (error instanceof ApiProblem) return error;
  if (error instanceof HttpError) {
    if (error.code === 'body_too_large') return new ApiProblem('body_too_large');
    if (error.code === 'unsupported_media_type') return new ApiProblem('unsupported_media_type', error.message);
    if (error.code === 'invalid_json') return new ApiProblem('invalid_json', error.message);
    return undefined;
  }
  if (error instanceof AccountAdminError) return new ApiProblem(ADMIN_PROBLEMS[error.code], error.code.endsWith('_not_found') ? undefined : error.message);
  if (error instanceof InvitationError) return error.code === 'not_found' ? new ApiProblem('not_found') : new ApiProblem('not_invited', error.message);
  if (error instanceof PolicyError) {
    if (error.field === 'organisation') return new ApiProblem('conflict', error.message);
    return new ApiProblem('invalid_request', `${error.field}: ${error.message}`, { errors: [{ field: error.field, message: error.message }] });
  }
  if (error instanceof AuditCursorError) return new ApiProblem('invalid_request', 'cursor: not a cursor this list gave', { errors: [{ field: 'cursor', message: error.message }] });
  if (error instanceof AccountError) {
    const code = ACCOUNT_PROBLEMS[error.code];
    if (error.code === 'professional_invalid') {
      return new ApiProblem('invalid_request', 'professionalId: not a professional of the organisation', { errors: [{ field: 'professionalId', message: 'must be a professional of the organisation, and the account a client' }] });
    }
    if (error.code === 'cursor_invalid') return new ApiProblem('invalid_request', 'cursor: not a cursor this list gave', { errors: [{ field: 'cursor', message: error.message }] });
    if (code) return new ApiProblem(code, code === 'not_found' ? undefined : error.message);
    return undefined;
  }
  if (isDatabaseUnavailable(error)) return new ApiProblem('temporarily_unavailable', undefined, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
  return undefined;
}
