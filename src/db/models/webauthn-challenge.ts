import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A passkey sign-in challenge (WebAuthn), made when a page asks for the passkey: `_id` is the challenge itself
 * (base64url, 32 random bytes), bound to the account and the place it was made for. It is consumed by the one
 * delete that finds it, so an assertion signed over it is accepted at most once.
 */
export interface WebauthnChallenge {
  _id: string;
  accountId: string;
  /** `<kind>:<id>` of the place (login interaction, account-page visit, reset link). */
  purpose: string;
  expiresAt: Date;
}

const schema = new Schema<WebauthnChallenge>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    purpose: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webauthn_challenges', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type WebauthnChallengeModel = Model<WebauthnChallenge>;
export const webauthnChallengeModel = (db: Connection): WebauthnChallengeModel =>
  db.models.WebauthnChallenge as WebauthnChallengeModel | undefined ?? db.model<WebauthnChallenge>('WebauthnChallenge', schema);
