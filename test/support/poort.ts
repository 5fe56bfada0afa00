/** Starts a real Poort (HTTP server + its own database on the MongoDB stand-in) for one test file. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/load.ts';
import type { ContainerOptions } from '../../src/container.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { testDatabaseUri } from './database.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestPoort extends RunningServer {
  issuer: string;
}

/** `env` holds extra configuration as environment strings, exactly as an operator would write them. */
export async function startPoort(tag: string, env: Record<string, string> = {}, options: { now?: () => Date; logger?: Logger; backchannelLogout?: ContainerOptions['backchannelLogout'] } = {}): Promise<TestPoort> {
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    MONGODB_URI: testDatabaseUri(tag),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const running = await startServer(config, { logger, now: options.now, backchannelLogout: options.backchannelLogout });
  return { ...running, issuer: config.issuer };
}

export interface Tenant {
  organisationId: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  email: string;
  password: string;
  accountId: string;
}

let counter = 0;

/** An organisation with one active account (password set) and one first-party confidential client. */
export async function createTenant(poort: TestPoort, opts: { firstParty?: boolean; pkce?: 'required' | 'optional'; authMethod?: 'client_secret_basic' | 'client_secret_post'; redirectUri?: string } = {}): Promise<Tenant> {
  counter += 1;
  const { organisations, accounts, clients } = poort.container;
  const organisation = await organisations.create({ name: `Org ${counter}` });
  const email = `person${counter}@example.org`;
  const password = `Correct horse ${counter}!battery`;
  const account = await accounts.create({ organisationId: organisation._id, email, password, role: 'professional', name: `Person ${counter}` });
  const redirectUri = opts.redirectUri ?? `https://rp${counter}.example.org/callback`;
  const created = await clients.create({
    organisationId: organisation._id,
    name: `Platform ${counter}`,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [`https://rp${counter}.example.org/logged-out`],
    firstParty: opts.firstParty ?? true,
    pkce: opts.pkce,
    authMethod: opts.authMethod,
  });
  if (!created.clientSecret) throw new Error('expected a confidential client');
  return { organisationId: organisation._id, clientId: created.clientId, clientSecret: created.clientSecret, redirectUri, email, password, accountId: account._id };
}
