import { Schema, type Connection, type Model } from 'mongoose';

export const TWO_FACTOR_POLICIES = ['off', 'optional', 'required'] as const;
export type TwoFactorPolicy = (typeof TWO_FACTOR_POLICIES)[number];
export const SECOND_FACTOR_METHODS = ['totp', 'sms'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/** Defaults of an organisation's second-factor policy (DESIGN §6). Durations in seconds. */
export const POLICY_DEFAULTS = {
  allowedMethods: ['totp', 'sms'] as SecondFactorMethod[],
  /** How long a verified code stays valid before a next login asks again; the person picks one of these. */
  codeValidityChoices: [3600, 4 * 3600, 8 * 3600, 12 * 3600],
  codeValidityDefault: 3600,
  /** Without activity for this long, the code is asked again (the seed's "after one hour of inactivity"). */
  inactivityTimeout: 3600,
};

/** A tenant: accounts and OIDC clients belong to exactly one organisation. */
export interface Organisation {
  _id: string;
  name: string;
  twoFactor: TwoFactorPolicy;
  allowedMethods: SecondFactorMethod[];
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
    twoFactor: { type: String, enum: TWO_FACTOR_POLICIES, default: 'optional' },
    allowedMethods: { type: [String], enum: SECOND_FACTOR_METHODS, default: () => [...POLICY_DEFAULTS.allowedMethods] },
    codeValidityChoices: { type: [Number], default: () => [...POLICY_DEFAULTS.codeValidityChoices] },
    codeValidityDefault: { type: Number, default: POLICY_DEFAULTS.codeValidityDefault },
    inactivityTimeout: { type: Number, default: POLICY_DEFAULTS.inactivityTimeout },
  },
  { timestamps: true, collection: 'organisations', versionKey: false },
);

/** An organisation as read with `lean()`: a policy field stored before it existed reads as its default. */
export function withPolicyDefaults(organisation: Partial<Organisation> & Pick<Organisation, '_id' | 'name' | 'createdAt' | 'updatedAt'>): Organisation {
  return {
    twoFactor: 'optional',
    allowedMethods: [...POLICY_DEFAULTS.allowedMethods],
    codeValidityChoices: [...POLICY_DEFAULTS.codeValidityChoices],
    codeValidityDefault: POLICY_DEFAULTS.codeValidityDefault,
    inactivityTimeout: POLICY_DEFAULTS.inactivityTimeout,
    ...organisation,
  };
}

export type OrganisationModel = Model<Organisation>;
export const organisationModel = (db: Connection): OrganisationModel =>
  db.models.Organisation as OrganisationModel | undefined ?? db.model<Organisation>('Organisation', schema);
