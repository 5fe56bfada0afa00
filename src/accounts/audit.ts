/** The audit log: one document per security event. Callers must never pass secrets in `data`. */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventModel } from '../db/models/audit-event.ts';
import type { Logger } from '../log.ts';

export type AuditInput = Omit<AuditEvent, '_id' | 'at'>;

export interface Audit {
  record(event: AuditInput): Promise<void>;
}

export function createAudit(model: AuditEventModel, logger: Logger, now: () => Date): Audit {
  return {
    async record(event) {
      try {
        await model.create({ ...event, _id: randomUUID(), at: now() });
      } catch (error) {
        // Losing an audit line must not fail the user's action; it is logged loudly instead.
        logger.error({ err: error, type: event.type }, 'audit event not written');
      }
    },
  };
}
