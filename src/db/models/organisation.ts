import { Schema, type Connection, type Model } from 'mongoose';
import { TWO_FACTOR_POLICIES, type TwoFactorPolicy } from '../../accounts/vocabulary.ts';

/** A tenant: accounts and OIDC clients belong to exactly one organisation. */
export interface Organisation {
  _id: string;
  name: string;
  twoFactor: TwoFactorPolicy;
  /** Ids of the second-factor methods people may set up (the factor registry's, src/auth/factors/index.ts). */
  allowedMethods: string[];
  codeValidityChoices: number[];
  codeValidityDefault: number;
  inactivityTimeout: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Organisation>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, trim: true, maxlength: 200 },
    // The policy's values and defaults are the domain's (src/accounts/organisations.ts), set on every write.
    twoFactor: { type: String, enum: TWO_FACTOR_POLICIES },
    allowedMethods: { type: [String] },
    codeValidityChoices: { type: [Number] },
    codeValidityDefault: { type: Number },
    inactivityTimeout: { type: Number },
  },
  { timestamps: true, collection: 'organisations', versionKey: false },
);

export type OrganisationModel = Model<Organisation>;
export const organisationModel = (db: Connection): OrganisationModel =>
  db.models.Organisation as OrganisationModel | undefined ?? db.model<Organisation>('Organisation', schema);
