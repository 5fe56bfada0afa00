import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One single-use recovery code. `_id` is a keyed hash (HMAC-SHA256 with the MAC key, src/auth/secret-box.ts, salted
 * with the account id) of the normalised code, so a submitted code is found and spent by one conditional update.
 */
export interface RecoveryCode {
  _id: string;
  accountId: string;
  /** All codes shown together share a set id; a new set deletes the old one. */
  setId: string;
  usedAt?: Date;
  createdAt: Date;
}

const schema = new Schema<RecoveryCode>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    setId: { type: String, required: true },
    usedAt: { type: Date },
    createdAt: { type: Date, required: true },
  },
  { collection: 'recovery_codes', versionKey: false },
);
schema.index({ accountId: 1 });

export type RecoveryCodeModel = Model<RecoveryCode>;
export const recoveryCodeModel = (db: Connection): RecoveryCodeModel =>
  db.models.RecoveryCode as RecoveryCodeModel | undefined ?? db.model<RecoveryCode>('RecoveryCode', schema);
