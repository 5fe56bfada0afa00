import { Schema, type Connection, type Model } from 'mongoose';

/** One SMS code sent for a purpose (login, enrolment, …). Stored as a keyed hash; at most MAX_TRIES tries. */
export interface SmsCode {
  _id: string;
  accountId: string;
  purpose: string;
  phone: string;
  hash: string;
  tries: number;
  usedAt?: Date;
  expiresAt: Date;
  createdAt: Date;
}

const schema = new Schema<SmsCode>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    purpose: { type: String, required: true },
    phone: { type: String, required: true },
    hash: { type: String, required: true },
    tries: { type: Number, default: 0 },
    usedAt: { type: Date },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'sms_codes', versionKey: false },
);
schema.index({ accountId: 1, purpose: 1 });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type SmsCodeModel = Model<SmsCode>;
export const smsCodeModel = (db: Connection): SmsCodeModel =>
  db.models.SmsCode as SmsCodeModel | undefined ?? db.model<SmsCode>('SmsCode', schema);
