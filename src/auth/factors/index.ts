/**
 * The registry of second factors: the one list flows, the policy and the views ask. Adding a factor is one file
 * beside this one (the MethodFactor interface of ./types.ts), its views under views/factors/<id>/, and one line in
 * each list below. Order is preference: the choice form offers the app first, as the safest choice.
 */
import { PASSKEY, createPasskeyFactor, type PasskeyFactorDeps } from './passkey.ts';
import { RECOVERY_CODE } from './recovery-code.ts';
import { SMS, createSmsFactor, type SmsFactorDeps } from './sms.ts';
import { TOTP_FACTOR, createTotpFactor, type TotpFactorDeps } from './totp.ts';
import type { MethodFactor } from './types.ts';

export type { AccountLabels, EnrolField, EnrolmentData, FactorData, FactorDescription, FactorItem, MethodFactor, Proof, Purpose, SendOutcome } from './types.ts';
export { RECOVERY_CODE } from './recovery-code.ts';

/** The methods an account can enrol, in order of preference. */
const METHODS = [TOTP_FACTOR, SMS, PASSKEY] as const;

/** Every method's id (what organisations allow and accounts enrol). */
export type MethodId = (typeof METHODS)[number]['id'];
export const METHOD_IDS = METHODS.map((method) => method.id) as [MethodId, ...MethodId[]];

/** The amr value of every second factor, recovery codes included: a login with one of these used a second factor. */
export const SECOND_FACTOR_AMR: ReadonlySet<string> = new Set([
  ...METHODS.flatMap((method): readonly string[] => ('amrs' in method ? method.amrs : [method.amr])), RECOVERY_CODE.amr,
]);

/**
 * What a new organisation allows: the methods it can explain to its people today. Passkeys are the organisation's
 * choice to add (docs/two-factor.md), as its help page must say how they are used.
 */
export const DEFAULT_METHODS: readonly MethodId[] = [TOTP_FACTOR.id, SMS.id];

export const isMethodId = (value: unknown): value is MethodId => (METHOD_IDS as readonly unknown[]).includes(value);

export interface FactorRegistry {
  /** The methods in order of preference. */
  readonly methods: readonly MethodFactor[];
  /** The method of this id, if it exists. */
  method(id: string | undefined): MethodFactor | undefined;
}

export interface FactorRegistryDeps {
  totp: TotpFactorDeps;
  sms: SmsFactorDeps;
  passkey: PasskeyFactorDeps;
}

export function createFactorRegistry(deps: FactorRegistryDeps): FactorRegistry {
  const factories: { [Id in MethodId]: (d: FactorRegistryDeps) => MethodFactor } = {
    totp: (d) => createTotpFactor(d.totp),
    sms: (d) => createSmsFactor(d.sms),
    passkey: (d) => createPasskeyFactor(d.passkey),
  };
  const methods = METHODS.map((method) => factories[method.id](deps));
  const byId = new Map(methods.map((factor) => [factor.id, factor]));
  return {
    methods,
    method: (id) => (id === undefined ? undefined : byId.get(id)),
  };
}
