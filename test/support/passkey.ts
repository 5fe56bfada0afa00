/**
 * Helpers for the passkey tests: a Poort whose ISSUER is a host name (browsers take no IP address as RP id), the
 * organisation allowing passkeys, a passkey set up through the second-factor service with the software
 * authenticator, and the ceremony options a page carries.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Page } from './browser.ts';
import { freePort, startPoort, type Tenant, type TestPoort } from './poort.ts';
import { setPolicy } from './two-factor.ts';
import { createSoftAuthenticator } from './webauthn-authenticator.ts';

export type SoftAuthenticator = ReturnType<typeof createSoftAuthenticator>;

/** A test Poort at http://localhost:<port>, where passkeys are offered. */
export async function startPasskeyPoort(tag: string, env: Record<string, string> = {}, options: Parameters<typeof startPoort>[2] = {}): Promise<TestPoort> {
  const port = await freePort();
  return startPoort(tag, { PORT: String(port), ISSUER: `http://localhost:${port}`, ...env }, options);
}

/** The organisation allows passkeys besides the default methods. */
export function allowPasskeys(poort: TestPoort, organisationId: string, extra: Parameters<typeof setPolicy>[2] = {}): Promise<void> {
  return setPolicy(poort, organisationId, { allowedMethods: ['totp', 'sms', 'passkey'], ...extra });
}

/** A software authenticator for this Poort's origin. */
export function authenticatorFor(poort: TestPoort, options: Omit<Parameters<typeof createSoftAuthenticator>[0], 'origin'> = {}): SoftAuthenticator {
  return createSoftAuthenticator({ origin: poort.issuer, ...options });
}

/**
 * Sets up a passkey for `tenant`'s account through the service (start → set-up page's options → the
 * authenticator's answer → complete). Answers the recovery codes (none when the account had a passkey already).
 */
export async function enrolPasskey(poort: TestPoort, tenant: Pick<Tenant, 'accountId' | 'organisationId' | 'email'>, authenticator: SoftAuthenticator, name = ''): Promise<{ recoveryCodes: string[]; amr: string }> {
  const { secondFactors } = poort.container;
  const started = await secondFactors.startEnrolment(tenant.accountId, 'passkey', { passkeyName: name });
  if (!started.ok) throw new Error(`passkey set-up did not start: ${started.error}`);
  const page = await secondFactors.enrolmentPage(tenant.accountId, started.enrolmentId, { issuer: 'Test', label: tenant.email });
  const options = JSON.parse(String(page?.locals.passkeyOptions)) as PublicKeyCredentialCreationOptionsJSON;
  const answer = authenticator.register(options);
  const done = await secondFactors.completeEnrolment(tenant.accountId, tenant.organisationId, started.enrolmentId, JSON.stringify(answer), '127.0.0.2');
  if (!done.ok) throw new Error(`passkey set-up failed: ${done.reason}`);
  return { recoveryCodes: done.recoveryCodes, amr: done.amr };
}

function unescapeHtml(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** The ceremony options of a page's code field (`data-passkey-get`, sign-in) or undefined. */
export function signInOptions(page: Page): PublicKeyCredentialRequestOptionsJSON | undefined {
  const raw = /data-passkey-get="([^"]*)"/.exec(page.body)?.[1];
  return raw ? JSON.parse(unescapeHtml(raw)) as PublicKeyCredentialRequestOptionsJSON : undefined;
}

/** The ceremony options of a set-up page (`data-passkey-create`) or undefined. */
export function createOptions(page: Page): PublicKeyCredentialCreationOptionsJSON | undefined {
  const raw = /data-passkey-create="([^"]*)"/.exec(page.body)?.[1];
  return raw ? JSON.parse(unescapeHtml(raw)) as PublicKeyCredentialCreationOptionsJSON : undefined;
}

/** The authenticator's answer to the sign-in options `page` carries, as the page's script posts it. */
export function answerOn(page: Page, authenticator: SoftAuthenticator, override?: Parameters<SoftAuthenticator['authenticate']>[1]): string {
  const options = signInOptions(page);
  if (!options) throw new Error(`the page carries no passkey options: ${page.status} ${page.body.slice(0, 300)}`);
  return JSON.stringify(authenticator.authenticate(options, override));
}
