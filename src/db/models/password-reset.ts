import { Schema, type Connection, type Model } from 'mongoose';
import { LINK_KINDS, type LinkKind } from '../../accounts/vocabulary.ts';

/**
 * One e-mailed link. The token itself (32 random bytes) travels only in the link; the database keeps its SHA-256.
 * `_id` is random as well and names the link elsewhere (the SMS code purpose `reset:<_id>`), never the token.
 * Single use: `usedAt` is set by one conditional update. With two-step login on, `codeVerifiedAt` records that the
 * code was given for this link; the new password is not accepted before it.
 */
export interface PasswordReset {
  _id: string;
  kind: LinkKind;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  accountId: string;
  organisationId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt?: Date;
  codeVerifiedAt?: Date;
  /** The SMS code was sent when the link's page was first shown. */
  codeSentAt?: Date;
  /** The message to show after a redirect (post/redirect/get). */
  flash?: { errors?: string[]; info?: string };
}

const schema = new Schema<PasswordReset>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: LINK_KINDS, required: true },
    tokenHash: { type: String, required: true },
    accountId: { type: String, required: true },
    organisationId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date },
    codeVerifiedAt: { type: Date },
    codeSentAt: { type: Date },
    flash: { errors: { type: [String], default: undefined }, info: String },
  },
  { collection: 'password_resets', versionKey: false },
);
schema.index({ tokenHash: 1 }, { unique: true });
schema.index({ accountId: 1, kind: 1 });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type PasswordResetModel = Model<PasswordReset>;
export const passwordResetModel = (db: Connection): PasswordResetModel =>
  db.models.PasswordReset as PasswordResetModel | undefined ?? db.model<PasswordReset>('PasswordReset', schema);
