import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The second factor of one account (at most one; `_id` is the account id). Removing it (disable, reset) is one
 * delete. The TOTP secret is sealed with AES-256-GCM (src/auth/secret-box.ts), never stored in the clear.
 */
export interface SecondFactor {
  _id: string;
  organisationId: string;
  /** The factor registry's id of the method (src/auth/factors/index.ts). */
  method: string;
  /** Sealed TOTP secret (method totp). */
  totpSecret?: string;
  /** The last accepted TOTP time step: a code of this step or an earlier one is refused (replay). */
  lastTotpStep?: number;
  /** E.164 phone number (method sms). */
  phone?: string;
  /** The person's choice of code validity in seconds, within the organisation's choices. */
  codeValidity?: number;
  enabledAt: Date;
  updatedAt: Date;
}

const schema = new Schema<SecondFactor>(
  {
    _id: { type: String, required: true },
    organisationId: { type: String, required: true },
    method: { type: String, required: true },
    totpSecret: { type: String },
    lastTotpStep: { type: Number },
    phone: { type: String },
    codeValidity: { type: Number },
    enabledAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, collection: 'second_factors', versionKey: false },
);

export type SecondFactorModel = Model<SecondFactor>;
export const secondFactorModel = (db: Connection): SecondFactorModel =>
  db.models.SecondFactor as SecondFactorModel | undefined ?? db.model<SecondFactor>('SecondFactor', schema);
