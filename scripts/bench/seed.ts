/**
 * Seeds the benchmark's tenants through Poort's own services (the container, as the CLI does):
 * - one organisation with two-factor policy `off`: `accounts` active accounts with a password, a first-party
 *   confidential client for logins and refresh, and a machine client allowed the client-credentials grant;
 * - with `totpAccounts` > 0, a second organisation with policy `required`: that many active accounts with a password
 *   and the authenticator app set up (enrolAuthenticatorApp below), and a first-party client of its own (a client
 *   only knows the accounts of its own organisation).
 */
import * as OTPAuth from 'otpauth';
import type { Config } from '../../config/schema.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { createLogger } from '../../src/log.ts';
import type { ConfidentialClient } from './flows.ts';
import type { TotpAccount } from './totp.ts';

export const BENCH_PASSWORD = 'Bench-password-2026!';
export const BENCH_REDIRECT_URI = 'https://platform.bench.example/callback';
const SEED_PARALLELISM = 4;
/** The address the set-ups are attributed to (per-IP throttling counts failures only). */
const SEED_IP = '127.0.0.1';

export interface Seeded {
  emails: string[];
  loginClient: ConfidentialClient & { redirectUri: string };
  machineClient: ConfidentialClient;
  /** The two-factor organisation (when totpAccounts > 0). */
  totp?: { accounts: TotpAccount[]; loginClient: ConfidentialClient & { redirectUri: string } };
}

/**
 * Sets up the authenticator app of one account through Poort's second-factor service, as the set-up page does:
 * start → the set-up page's key → the first code → done.
 *
 * ALL calls of the enrolment API are in this one function, on purpose: that service is being refactored and its API
 * may change; adapt only this function. It answers the app — an otpauth TOTP with the key as shown, and the
 * parameters an authenticator app assumes for a key typed in by hand (SHA1, 6 digits, 30 s: Poort's) — and the time
 * step whose code the set-up used: Poort accepts a code once, and only for a later step than the last one it
 * accepted, so the account's first login needs a later step.
 */
async function enrolAuthenticatorApp(c: Container, account: { id: string; organisationId: string; email: string }, issuer: string): Promise<{ app: OTPAuth.TOTP; usedStep: number }> {
  const started = await c.secondFactors.startEnrolment(account.id, 'totp', {});
  if (!started.ok) throw new Error(`TOTP set-up of ${account.email} did not start: ${started.error}`);
  const page = await c.secondFactors.enrolmentPage(account.id, started.enrolmentId, { issuer, label: account.email });
  const shown = page?.locals.secret;
  if (typeof shown !== 'string') throw new Error(`TOTP set-up of ${account.email}: no key on the set-up page`);
  const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(shown.replace(/\s/g, '')) });
  // The previous step's code (Poort accepts ±1 step), so the current step stays free for a login; in the last 2 s of
  // a step the previous one might be two steps old by the time Poort checks it, so then the current step's code.
  const now = Date.now();
  const usedStep = app.counter({ timestamp: now }) - (app.remaining({ timestamp: now }) > 2000 ? 1 : 0);
  const code = app.generate({ timestamp: usedStep * app.period * 1000 });
  const done = await c.secondFactors.completeEnrolment(account.id, account.organisationId, started.enrolmentId, code, SEED_IP);
  if (!done.ok) throw new Error(`TOTP set-up of ${account.email} failed: ${done.reason}`);
  return { app, usedStep };
}

/** Runs `task` for 0 … count-1, SEED_PARALLELISM at a time. */
async function inParallel(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: SEED_PARALLELISM }, worker));
}

export async function seedTenant(config: Config, accounts: number, totpAccounts = 0): Promise<Seeded> {
  const c = await createContainer(config, { logger: createLogger('silent') });
  try {
    const organisation = await c.organisations.create({ name: `Benchmark ${new Date().toISOString()}`, twoFactor: 'off' });
    const emails = Array.from({ length: accounts }, (_, i) => `bench-${String(i).padStart(4, '0')}@bench.example`);
    await inParallel(emails.length, async (i) => {
      await c.accounts.create({ organisationId: organisation._id, email: emails[i] as string, password: BENCH_PASSWORD, role: 'client' });
    });

    const login = await c.clients.create({
      organisationId: organisation._id,
      name: 'Benchmark platform',
      redirectUris: [BENCH_REDIRECT_URI],
      firstParty: true,
      authMethod: 'client_secret_basic',
    });
    const machine = await c.clients.create({
      organisationId: organisation._id,
      name: 'Benchmark machine client',
      redirectUris: [BENCH_REDIRECT_URI],
      authMethod: 'client_secret_basic',
      clientCredentials: true,
    });
    if (!login.clientSecret || !machine.clientSecret) throw new Error('expected confidential clients');
    return {
      emails,
      loginClient: { clientId: login.clientId, clientSecret: login.clientSecret, redirectUri: BENCH_REDIRECT_URI },
      machineClient: { clientId: machine.clientId, clientSecret: machine.clientSecret },
      ...(totpAccounts > 0 ? { totp: await seedTwoFactorTenant(c, totpAccounts) } : {}),
    };
  } finally {
    await c.close();
  }
}

/**
 * The organisation for logins with a code: policy `required`, so that every login of its accounts must pass the code
 * step (with `optional` an account whose factor went missing would log in with the password alone, unnoticed). The
 * accounts have the role `client`, like the password-only accounts, so the two login phases differ only in the code.
 */
async function seedTwoFactorTenant(c: Container, count: number): Promise<NonNullable<Seeded['totp']>> {
  const name = `Benchmark 2FA ${new Date().toISOString()}`;
  const organisation = await c.organisations.create({ name, twoFactor: 'required' });
  const accounts: TotpAccount[] = [];
  await inParallel(count, async (i) => {
    const email = `bench-totp-${String(i).padStart(4, '0')}@bench.example`;
    const account = await c.accounts.create({ organisationId: organisation._id, email, password: BENCH_PASSWORD, role: 'client' });
    const { app, usedStep } = await enrolAuthenticatorApp(c, { id: account._id, organisationId: organisation._id, email }, name);
    accounts[i] = { email, app, lastStep: usedStep };
  });
  const login = await c.clients.create({
    organisationId: organisation._id,
    name: 'Benchmark platform (2FA organisation)',
    redirectUris: [BENCH_REDIRECT_URI],
    firstParty: true,
    authMethod: 'client_secret_basic',
  });
  if (!login.clientSecret) throw new Error('expected a confidential client');
  return { accounts, loginClient: { clientId: login.clientId, clientSecret: login.clientSecret, redirectUri: BENCH_REDIRECT_URI } };
}
