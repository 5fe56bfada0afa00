import { Schema, type Connection, type Model } from 'mongoose';
import { ACCOUNT_STATUSES, INVITERS, ROLES, type AccountStatus, type Inviter, type Role } from '../../accounts/vocabulary.ts';
import { LOCALES, type Locale } from '../../i18n/locales.ts';

/** A person. The e-mail address is unique within the organisation (stored normalised: NFKC, trimmed, lower case). */
export interface Account {
  _id: string;
  organisationId: string;
  email: string;
  name?: string;
  role: Role;
  status: AccountStatus;
  /** argon2id PHC string; absent until the person sets a password. */
  passwordHash?: string;
  passwordChangedAt?: Date;
  /** Set when the person proved the address (welcome link); accounts seeded with a password have not. */
  emailVerified?: boolean;
  locale?: Locale;
  /** For clients: the professionals who treat them. */
  professionalIds: string[];
  /**
   * The welcome link an invited account may use now (src/accounts/invitations.ts): the SHA-256 of its token and when
   * it stops working. Replaced by a new link, removed by the update that activates the account.
   */
  invitation?: { tokenHash: string; expiresAt: Date; sentAt: Date; by: Inviter };
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Account>(
  {
    _id: { type: String, required: true },
    organisationId: { type: String, required: true },
    email: { type: String, required: true, maxlength: 320 },
    name: { type: String, trim: true, maxlength: 200 },
    role: { type: String, enum: ROLES, required: true },
    status: { type: String, enum: ACCOUNT_STATUSES, default: 'invited' },
    passwordHash: { type: String },
    passwordChangedAt: { type: Date },
    emailVerified: { type: Boolean, default: false },
    locale: { type: String, enum: LOCALES },
    professionalIds: { type: [String], default: [] },
    invitation: {
      type: new Schema({ tokenHash: { type: String, required: true }, expiresAt: { type: Date, required: true }, sentAt: { type: Date, required: true }, by: { type: String, enum: INVITERS, required: true } }, { _id: false }),
      default: undefined,
    },
  },
  { timestamps: true, collection: 'accounts', versionKey: false },
);
schema.index({ organisationId: 1, email: 1 }, { unique: true });

export type AccountModel = Model<Account>;
export const accountModel = (db: Connection): AccountModel =>
  db.models.Account as AccountModel | undefined ?? db.model<Account>('Account', schema);
