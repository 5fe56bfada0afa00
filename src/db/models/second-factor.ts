import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One passkey (WebAuthn credential) of an account: its id and public key, no secret. The signature counter is the
 * authenticator's; a count that does not grow (where it is not always 0) refuses the login as a possible clone.
 */
export interface StoredPasskey {
  /** The credential id, base64url. */
  id: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports?: string[];
  /** 'singleDevice' (a hardware-bound key) or 'multiDevice' (a synced passkey). */
  deviceType: string;
  backedUp: boolean;
  /** The person's name for it. */
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
}

/**
 * The second factor of one account (at most one; `_id` is the account id). Removing it (disable, reset) is one
 * delete, passkeys included. The TOTP secret is sealed with AES-256-GCM (src/auth/secret-box.ts), never stored in
 * the clear.
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
  /** The account's passkeys (method passkey): several, added and removed one by one. */
  passkeys?: StoredPasskey[];
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
    passkeys: {
      type: [new Schema<StoredPasskey>({
        id: { type: String, required: true },
        publicKey: { type: String, required: true },
        counter: { type: Number, required: true },
        transports: { type: [String], default: undefined },
        deviceType: { type: String, required: true },
        backedUp: { type: Boolean, required: true },
        name: { type: String, default: '' },
        createdAt: { type: Date, required: true },
        lastUsedAt: { type: Date },
      }, { _id: false })],
      default: undefined,
    },
    codeValidity: { type: Number },
    enabledAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, collection: 'second_factors', versionKey: false },
);

export type SecondFactorModel = Model<SecondFactor>;
export const secondFactorModel = (db: Connection): SecondFactorModel =>
  db.models.SecondFactor as SecondFactorModel | undefined ?? db.model<SecondFactor>('SecondFactor', schema);
