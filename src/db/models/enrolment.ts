import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A second factor being set up: kept server-side with an expiry until its first code verifies, then it becomes the
 * account's SecondFactor. `_id` is random and travels in the enrolment page's form, never the secret itself.
 */
export interface Enrolment {
  _id: string;
  accountId: string;
  /** The factor registry's id of the method (src/auth/factors/index.ts). */
  method: string;
  totpSecret?: string;
  phone?: string;
  /** A passkey's registration challenge (base64url): single-use, as the set-up is claimed once. */
  webauthnChallenge?: string;
  /** The name the person gave the passkey. */
  passkeyName?: string;
  expiresAt: Date;
}

const schema = new Schema<Enrolment>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    method: { type: String, required: true },
    totpSecret: { type: String },
    phone: { type: String },
    webauthnChallenge: { type: String },
    passkeyName: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'enrolments', versionKey: false },
);
schema.index({ accountId: 1 });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type EnrolmentModel = Model<Enrolment>;
export const enrolmentModel = (db: Connection): EnrolmentModel =>
  db.models.Enrolment as EnrolmentModel | undefined ?? db.model<Enrolment>('Enrolment', schema);
