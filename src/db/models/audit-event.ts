import { Schema, type Connection, type Model } from 'mongoose';

/** One security-relevant event. Never holds secrets (passwords, codes, tokens, links). */
export interface AuditEvent {
  _id: string;
  type: string;
  organisationId?: string;
  /** Who did it (account id), when known. */
  actorId?: string;
  /** Whom or what it concerns (account id, client id). */
  targetId?: string;
  ip?: string;
  /** The id of the request that caused it (the request log's `reqId`), when a request did. */
  requestId?: string;
  data?: Record<string, string | number | boolean>;
  at: Date;
}

const schema = new Schema<AuditEvent>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    organisationId: { type: String },
    actorId: { type: String },
    targetId: { type: String },
    ip: { type: String },
    requestId: { type: String },
    data: { type: Schema.Types.Mixed },
    at: { type: Date, required: true },
  },
  { collection: 'audit_events', versionKey: false },
);
schema.index({ organisationId: 1, at: -1 });
// The retention purge (src/db/purge.ts) deletes by age.
schema.index({ at: 1 });

export type AuditEventModel = Model<AuditEvent>;
export const auditEventModel = (db: Connection): AuditEventModel =>
  db.models.AuditEvent as AuditEventModel | undefined ?? db.model<AuditEvent>('AuditEvent', schema);
