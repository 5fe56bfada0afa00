/** Organisation use cases. */
import { randomUUID } from 'node:crypto';
import { DEFAULT_METHODS, METHOD_IDS } from '../auth/factors/index.ts';
import type { Organisation, OrganisationModel } from '../db/models/organisation.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { Audit } from './audit.ts';
import { TWO_FACTOR_POLICIES, type TwoFactorPolicy } from './vocabulary.ts';

// The document as the rest of Poort sees it: flows and admin code name it through this service, never src/db.
export type { Organisation };

/** Defaults of an organisation's second-factor policy (DESIGN §6). Durations in seconds. */
export const POLICY_DEFAULTS = {
  twoFactor: 'optional' as TwoFactorPolicy,
  /** The factor registry's default methods (passkeys are added by the organisation). */
  allowedMethods: [...DEFAULT_METHODS] as string[],
  /** How long a verified code stays valid before a next login asks again; the person picks one of these. */
  codeValidityChoices: [3600, 4 * 3600, 8 * 3600, 12 * 3600],
  codeValidityDefault: 3600,
  /** Without activity for this long, the code is asked again (the seed's "after one hour of inactivity"). */
  inactivityTimeout: 3600,
};

/** An organisation as read with `lean()`: a policy field stored before it existed reads as its default. */
export function withPolicyDefaults(organisation: Partial<Organisation> & Pick<Organisation, '_id' | 'name' | 'createdAt' | 'updatedAt'>): Organisation {
  return {
    ...POLICY_DEFAULTS,
    allowedMethods: [...POLICY_DEFAULTS.allowedMethods],
    codeValidityChoices: [...POLICY_DEFAULTS.codeValidityChoices],
    ...organisation,
  };
}

/** Bounds of the policy's durations, in seconds (DESIGN §4, §6). */
export const POLICY_LIMITS = {
  codeValidity: { min: 5 * 60, max: 12 * 3600 },
  inactivityTimeout: { min: 5 * 60, max: 24 * 3600 },
} as const;

/** An organisation's second-factor policy as operators and the admin API see it. Durations in seconds. */
export type OrganisationPolicy = { id: string } & Pick<Organisation, 'name' | 'twoFactor' | 'allowedMethods' | 'codeValidityChoices' | 'codeValidityDefault' | 'inactivityTimeout'>;

export type PolicyChange = Partial<Omit<OrganisationPolicy, 'id' | 'name'>>;
type PolicyField = keyof PolicyChange;

/** A policy that cannot be: `field` names what is wrong. */
export class PolicyError extends Error {
  readonly field: PolicyField | 'organisation';
  constructor(field: PolicyField | 'organisation', message: string) {
    super(message);
    this.name = 'PolicyError';
    this.field = field;
  }
}

export interface Organisations {
  create(input: { name: string; twoFactor?: TwoFactorPolicy }): Promise<Organisation>;
  get(id: string): Promise<Organisation | undefined>;
  findByName(name: string): Promise<Organisation | undefined>;
  /**
   * Changes the second-factor policy (only the given fields). Never locks anyone out: going to `required` sends
   * accounts without a factor through enrolment at their next login; a method no longer allowed keeps working for
   * those who have it; a chosen code validity no longer offered falls back to the default.
   */
  updatePolicy(id: string, change: PolicyChange, actor?: { id?: string; ip?: string }): Promise<OrganisationPolicy>;
}

export function policyOf(org: Organisation): OrganisationPolicy {
  return {
    id: org._id,
    name: org.name,
    twoFactor: org.twoFactor,
    allowedMethods: [...org.allowedMethods],
    codeValidityChoices: [...org.codeValidityChoices],
    codeValidityDefault: org.codeValidityDefault,
    inactivityTimeout: org.inactivityTimeout,
  };
}

const within = (value: number, limits: { min: number; max: number }): boolean =>
  Number.isInteger(value) && value >= limits.min && value <= limits.max;

/** The policy after `change`, checked as a whole (the default must be one of the choices, whichever changed). */
export function checkedPolicy(current: OrganisationPolicy, change: PolicyChange): OrganisationPolicy {
  const next = { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) } as OrganisationPolicy;
  if (!TWO_FACTOR_POLICIES.includes(next.twoFactor)) throw new PolicyError('twoFactor', `must be one of ${TWO_FACTOR_POLICIES.join(', ')}`);
  next.allowedMethods = METHOD_IDS.filter((m) => next.allowedMethods.includes(m));
  if (next.allowedMethods.length === 0 || change.allowedMethods?.some((m) => !(METHOD_IDS as readonly string[]).includes(m))) {
    throw new PolicyError('allowedMethods', `must be one or more of ${METHOD_IDS.join(', ')}`);
  }
  const { min, max } = POLICY_LIMITS.codeValidity;
  next.codeValidityChoices = [...new Set(next.codeValidityChoices)].sort((a, b) => a - b);
  if (next.codeValidityChoices.length === 0 || !next.codeValidityChoices.every((c) => within(c, POLICY_LIMITS.codeValidity))) {
    throw new PolicyError('codeValidityChoices', `each choice must be between ${min / 60} minutes and ${max / 3600} hours`);
  }
  if (!next.codeValidityChoices.includes(next.codeValidityDefault)) {
    throw new PolicyError('codeValidityDefault', `must be one of the code validity choices (${next.codeValidityChoices.join(', ')} seconds)`);
  }
  if (!within(next.inactivityTimeout, POLICY_LIMITS.inactivityTimeout)) {
    const limits = POLICY_LIMITS.inactivityTimeout;
    throw new PolicyError('inactivityTimeout', `must be between ${limits.min / 60} minutes and ${limits.max / 3600} hours`);
  }
  return next;
}

export function createOrganisations(model: OrganisationModel, audit?: Audit, cache?: ReadCache): Organisations {
  const key = (id: string): string => `Organisation:${id}`;
  return {
    async create({ name, twoFactor = POLICY_DEFAULTS.twoFactor }) {
      const created = await model.create({ ...withPolicyDefaults({ _id: randomUUID(), name, createdAt: new Date(), updatedAt: new Date() }), twoFactor });
      return created.toObject();
    },
    async get(id) {
      const load = async (): Promise<Organisation | undefined> => {
        const found = await model.findById(id).lean<Organisation>().exec();
        return found ? withPolicyDefaults(found) : undefined;
      };
      return cache ? cache.read(key(id), load) : load();
    },
    async findByName(name) {
      const found = await model.findOne({ name }).lean<Organisation>().exec();
      return found ? withPolicyDefaults(found) : undefined;
    },
    async updatePolicy(id, change, actor) {
      // Checked against the stored policy and written only if nobody changed it meanwhile (compare-and-set on
      // updatedAt), so two concurrent changes can never combine into a policy that fails the checks.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const stored = await model.findById(id).lean<Organisation>().exec();
        const current = stored ? withPolicyDefaults(stored) : undefined;
        if (!current) throw new PolicyError('organisation', 'organisation not found');
        const next = checkedPolicy(policyOf(current), change);
        const { id: _id, name: _name, ...fields } = next;
        const written = await model.updateOne({ _id: id, updatedAt: current.updatedAt }, { $set: fields }, { runValidators: true });
        if (written.matchedCount === 0) continue;
        cache?.forget(key(id));
        await audit?.record({
          type: 'organisation.policy_changed', organisationId: id, actorId: actor?.id, targetId: id, ip: actor?.ip,
          data: {
            twoFactor: next.twoFactor, allowedMethods: next.allowedMethods.join(','), codeValidityChoices: next.codeValidityChoices.join(','),
            codeValidityDefault: next.codeValidityDefault, inactivityTimeout: next.inactivityTimeout,
          },
        });
        return next;
      }
      throw new PolicyError('organisation', 'the policy kept changing meanwhile; try again');
    },
  };
}
