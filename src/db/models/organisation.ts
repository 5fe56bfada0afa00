import { Schema, type Connection, type Model } from 'mongoose';

export const TWO_FACTOR_POLICIES = ['off', 'optional', 'required'] as const;
export type TwoFactorPolicy = (typeof TWO_FACTOR_POLICIES)[number];

/** A tenant: accounts and OIDC clients belong to exactly one organisation. */
export interface Organisation {
  _id: string;
  name: string;
  twoFactor: TwoFactorPolicy;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Organisation>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, trim: true, maxlength: 200 },
    twoFactor: { type: String, enum: TWO_FACTOR_POLICIES, default: 'optional' },
  },
  { timestamps: true, collection: 'organisations', versionKey: false },
);

export type OrganisationModel = Model<Organisation>;
export const organisationModel = (db: Connection): OrganisationModel =>
  db.models.Organisation as OrganisationModel | undefined ?? db.model<Organisation>('Organisation', schema);
