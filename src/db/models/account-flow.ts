import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Server-side state of the account security page for one browser session (`_id` = oidc-provider session uid): the
 * message to show after a redirect, a second factor being set up, recovery codes waiting to be shown once (sealed),
 * and whether the SMS code for this session was sent. Never in a URL; expires on its own.
 */
export interface AccountFlow {
  _id: string;
  accountId: string;
  flash?: { errors?: string[]; info?: string; section?: string };
  /** A set-up started on the page: a first factor (`enable`) or a new method/phone (`change`). */
  enrolment?: { purpose: 'enable' | 'change'; enrolmentId?: string };
  /** New recovery codes (sealed) and the step that made them (`enrol` or `recovery-codes`), until confirmed. */
  recoveryCodes?: { sealed: string; step: string };
  /** The SMS code for this session's code check was sent. */
  codeSent?: boolean;
  expiresAt: Date;
}

const schema = new Schema<AccountFlow>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    flash: { errors: { type: [String], default: undefined }, info: String, section: String },
    enrolment: { purpose: String, enrolmentId: String },
    recoveryCodes: { sealed: String, step: String },
    codeSent: Boolean,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'account_flows', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AccountFlowModel = Model<AccountFlow>;
export const accountFlowModel = (db: Connection): AccountFlowModel =>
  db.models.AccountFlow as AccountFlowModel | undefined ?? db.model<AccountFlow>('AccountFlow', schema);
