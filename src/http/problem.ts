/** Errors with a status a person or client can act on; rendered as a page or as RFC 9457 problem JSON. */
import type { MessageKey } from '../i18n/index.ts';

export class HttpError extends Error {
  readonly status: number;
  /** Stable machine-readable code, used as the problem `type` suffix. */
  readonly code: string;
  /** Catalogue key of the message shown on an HTML page. */
  readonly messageKey: MessageKey;
  readonly expose = true;
  constructor(status: number, code: string, messageKey: MessageKey, detail?: string) {
    super(detail ?? code);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.messageKey = messageKey;
  }
}

/**
 * Seconds a client is asked to wait (`Retry-After`) when Poort cannot answer for a moment (database unreachable):
 * long enough for a replica set to elect a primary or a restarted server to be found, short for a person.
 */
export const RETRY_AFTER_SECONDS = 5;

export const badRequest = (code: string, detail?: string): HttpError => new HttpError(400, code, 'error.badRequest', detail);

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
}

export function problem(status: number, code: string, title: string, detail?: string): Problem {
  return { type: `urn:poort:problem:${code}`, title, status, code, ...(detail ? { detail } : {}) };
}
