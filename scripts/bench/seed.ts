/**
 * Seeds the benchmark's tenant through Poort's own services (the container, as the CLI does): one organisation,
 * `accounts` active accounts with a password, a first-party confidential client for logins and refresh, and a
 * machine client allowed the client-credentials grant.
 */
import type { Config } from '../../config/schema.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/log.ts';
import type { ConfidentialClient } from './flows.ts';

export const BENCH_PASSWORD = 'Bench-password-2026!';
export const BENCH_REDIRECT_URI = 'https://platform.bench.example/callback';
const SEED_PARALLELISM = 4;

export interface Seeded {
  emails: string[];
  loginClient: ConfidentialClient & { redirectUri: string };
  machineClient: ConfidentialClient;
}

export async function seedTenant(config: Config, accounts: number): Promise<Seeded> {
  const c = await createContainer(config, { logger: createLogger('silent') });
  try {
    const organisation = await c.organisations.create({ name: `Benchmark ${new Date().toISOString()}`, twoFactor: 'off' });
    const emails = Array.from({ length: accounts }, (_, i) => `bench-${String(i).padStart(4, '0')}@bench.example`);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < emails.length) {
        const email = emails[next] as string;
        next += 1;
        await c.accounts.create({ organisationId: organisation._id, email, password: BENCH_PASSWORD, role: 'client' });
      }
    };
    await Promise.all(Array.from({ length: SEED_PARALLELISM }, worker));

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
    };
  } finally {
    await c.close();
  }
}
