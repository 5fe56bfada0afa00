/**
 * The audit log: one document per security event, each with the organisation it belongs to and, inside a request,
 * the request's id. Callers must never pass secrets in `data`. Events older than the retention (AUDIT_RETENTION)
 * are purged (src/db/purge.ts).
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventModel } from '../db/models/audit-event.ts';
import type { Logger } from '../log.ts';

/** What a caller records: the organisation is required (an event no organisation can see helps nobody). */
export type AuditInput = Omit<AuditEvent, '_id' | 'at' | 'organisationId' | 'requestId'> & { organisationId: string | undefined };

export interface AuditQuery {
  organisationId: string;
  /** Events the account did or that concern it. */
  accountId?: string | undefined;
  type?: string | undefined;
  /** From this time on (inclusive). */
  from?: Date | undefined;
  /** Before this time (exclusive). */
  to?: Date | undefined;
  /** Where the previous page ended (`nextCursor` of its answer). */
  cursor?: string | undefined;
  limit: number;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEvent[];
  /** Present when there may be more. */
  nextCursor?: string;
}

export class AuditCursorError extends Error {
  constructor() {
    super('the cursor is not one this list gave');
    this.name = 'AuditCursorError';
  }
}

export interface Audit {
  record(event: AuditInput): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
}

export interface AuditDeps {
  model: AuditEventModel;
  logger: Logger;
  now: () => Date;
  /** The id of the request under way, if any (src/request-context.ts). */
  requestId?: () => string | undefined;
}

/** A page ends at an event: its time and id, in an opaque string. */
const encodeCursor = (event: Pick<AuditEvent, 'at' | '_id'>): string =>
  Buffer.from(JSON.stringify([event.at.getTime(), event._id])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isFinite(at) && typeof id === 'string') return { at: new Date(at), id };
  } catch {
    // not JSON: falls through to the refusal
  }
  throw new AuditCursorError();
}

export function createAudit({ model, logger, now, requestId }: AuditDeps): Audit {
  return {
    async record(event) {
      try {
        const id = requestId?.();
        await model.create({ ...event, ...(id ? { requestId: id } : {}), _id: randomUUID(), at: now() });
      } catch (error) {
        // Losing an audit line must not fail the user's action; it is logged loudly instead.
        logger.error({ err: error, type: event.type }, 'audit event not written');
      }
    },

    async list(query) {
      const and: object[] = [{ organisationId: query.organisationId }];
      if (query.accountId) and.push({ $or: [{ actorId: query.accountId }, { targetId: query.accountId }] });
      if (query.type) and.push({ type: query.type });
      if (query.from) and.push({ at: { $gte: query.from } });
      if (query.to) and.push({ at: { $lt: query.to } });
      if (query.cursor) {
        const after = decodeCursor(query.cursor);
        and.push({ $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }] });
      }
      // One more than asked: whether a next page exists, without a count.
      const found = await model.find({ $and: and }).sort({ at: -1, _id: -1 }).limit(query.limit + 1).lean<AuditEvent[]>().exec();
      const events = found.slice(0, query.limit);
      const last = events.at(-1);
      return found.length > query.limit && last ? { events, nextCursor: encodeCursor(last) } : { events };
    },
  };
}
