/** The assurance level follows from the methods used (amr); it is never stored on its own. */
import { ACR, AMR } from '../../config/oidc.ts';
import { SECOND_FACTOR_AMR } from './factors/index.ts';

export function hasSecondFactor(amr: readonly string[] | undefined): boolean {
  return (amr ?? []).some((value) => SECOND_FACTOR_AMR.has(value));
}

export function acrFor(amr: readonly string[] | undefined): string {
  return hasSecondFactor(amr) && amr?.includes(AMR.password) ? ACR.multiFactor : ACR.password;
}

/** The amr of a login: the methods in order, plus `mfa` when two factors were used. */
export function amrFor(methods: readonly string[]): string[] {
  const unique = [...new Set(methods.filter((m) => m !== AMR.multiFactor))];
  return unique.includes(AMR.password) && hasSecondFactor(unique) ? [...unique, AMR.multiFactor] : unique;
}
