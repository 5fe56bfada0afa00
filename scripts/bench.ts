/**
 * `npm run bench` (DESIGN.md §15, docs/benchmarks.md): drives real HTTP flows against Poort running as its own
 * process on the MongoDB stand-in (H2 backend, in a temporary directory) or on MONGODB_URI, and prints each measure
 * against its target. A counting proxy between Poort and the database (bench/db-proxy.ts) counts the database
 * commands per operation. Everything it starts is stopped again, also on failure or Ctrl-C.
 *
 *   npm run bench [-- --logins 400 --totp-logins 400 --refreshes 6000 --client-credentials 6000 --concurrency 8
 *                     --accounts 64 --totp-accounts N --cold-starts 3 --phases login,totp-login,refresh,client-credentials
 *                     --no-db-proxy --profile DIR
 *                     --node-options="--max-semi-space-size=4" --server-env NAME=VALUE …]   (for the server process)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { generateJwks, loadConfig } from '../config/load.ts';
import { startMongoStandin, type MongoStandin } from '../src/dev/mongo-standin.ts';
import { measureArgon2Bound } from './bench/argon2.ts';
import { calibrateProxy } from './bench/db-proxy-calibrate.ts';
import { planProxy, startDbProxy, type DbProxy } from './bench/db-proxy.ts';
import { memoryLimit } from './bench/limit.ts';
import { clientCredentials, createTokenClient, fullLogin, refresh, totpLogin, type TokenClient } from './bench/flows.ts';
import { runPhase, type CpuMeter, type PhaseResult } from './bench/load.ts';
import { summariseProfile } from './bench/profile.ts';
import { allPassed, renderResults } from './bench/report.ts';
import { BENCH_PASSWORD, seedTenant } from './bench/seed.ts';
import { fillCompileCache, startServerProcess, type ServerProcess } from './bench/server.ts';
import { TotpAccounts } from './bench/totp.ts';

const PHASE_DEADLINE_MS = 20_000;
/** After start, before any load: how long the server is left alone before its idle RSS is read. */
const IDLE_SETTLE_MS = 2000;
/** The memory-limited run: the limit a small container gives, and what it serves under it. */
const LIMIT_BYTES = 256 * 2 ** 20;
const LIMITED_LOGINS = 200;
const LIMITED_REFRESHES = 2000;
const WATCHDOG_MS = 5 * 60_000;
const PHASES = ['login', 'totp-login', 'refresh', 'client-credentials'] as const;
/** A phase's unmeasured warm-up: a tenth of it, at most 200 operations. */
const warmUpOf = (total: number): number => Math.min(200, Math.ceil(total / 10));

const USAGE = 'usage: npm run bench [-- --logins N --totp-logins N --refreshes N --client-credentials N --concurrency N '
  + '--accounts N --totp-accounts N --cold-starts N --phases login,totp-login,refresh,client-credentials --no-db-proxy '
  + '--profile DIR --node-options="…" --server-env NAME=VALUE]';
const fail = (message: string): never => {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
};

const OPTIONS = {
  logins: { type: 'string', default: '400' },
  /** Default: as many as --logins. */
  'totp-logins': { type: 'string' },
  refreshes: { type: 'string', default: '6000' },
  'client-credentials': { type: 'string', default: '6000' },
  concurrency: { type: 'string', default: '8' },
  accounts: { type: 'string', default: '64' },
  /** Default: twice the TOTP phase with its warm-up, so that every login of one 30 s step finds an unused account. */
  'totp-accounts': { type: 'string' },
  /** --no-db-proxy: Poort talks to the database directly; commands are not counted. */
  'db-proxy': { type: 'boolean', default: true },
  'cold-starts': { type: 'string', default: '3' },
  phases: { type: 'string', default: PHASES.join(',') },
  profile: { type: 'string' },
  'node-options': { type: 'string', default: '' },
  'server-env': { type: 'string', multiple: true, default: [] },
} satisfies NonNullable<ParseArgsConfig['options']>;

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS, allowNegative: true }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}
const args = parseOptions();
const count = (name: keyof typeof args, fallback?: number): number => {
  if (args[name] === undefined && fallback !== undefined) return fallback;
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name}: must be a positive integer`);
  return value;
};
const phases = new Set(String(args.phases).split(',').map((p) => p.trim()));
for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) fail(`--phases: unknown phase "${p}" (${PHASES.join(', ')})`);
const concurrency = count('concurrency');
const totals = {
  logins: count('logins'),
  totpLogins: count('totp-logins', count('logins')),
  refreshes: count('refreshes'),
  clientCredentials: count('client-credentials'),
};
const accounts = count('accounts');
const totpAccountCount = phases.has('totp-login') ? count('totp-accounts', 2 * (totals.totpLogins + warmUpOf(totals.totpLogins))) : 0;
const coldStarts = count('cold-starts');
const extraEnv = Object.fromEntries(args['server-env'].map((pair) => {
  const at = pair.indexOf('=');
  if (at < 1) fail(`--server-env: expected NAME=VALUE, got "${pair}"`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}));

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
const tempDir = mkdtempSync(path.join(tmpdir(), 'poort-bench-'));
let standin: MongoStandin | undefined;
let proxy: DbProxy | undefined;
let server: ServerProcess | undefined;
let tokens: TokenClient | undefined;

async function cleanup(): Promise<void> {
  tokens?.close();
  await server?.stop().catch(() => undefined);
  await proxy?.stop().catch(() => undefined);
  await standin?.stop().catch(() => undefined);
  rmSync(tempDir, { recursive: true, force: true });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  // The only setting taken from the environment: a real MongoDB to run against instead of the stand-in.
  let mongodbUri = process.env.MONGODB_URI;
  if (!mongodbUri) {
    log('starting the MongoDB stand-in (H2 backend, temporary directory)');
    standin = await startMongoStandin({ backend: 'h2', dataFile: path.join(tempDir, 'bench.mv.db'), log: () => undefined });
    mongodbUri = `${standin.uri}/poort_bench`;
  }
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // Production-like settings (views cached, no dev routes' defaults): explicit keys as an operator would give them.
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: issuer,
    MONGODB_URI: mongodbUri,
    LOG_LEVEL: 'warn',
    JWKS: JSON.stringify(generateJwks()),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const config = loadConfig(env);

  const [load1] = loadavg();
  if ((load1 ?? 0) > 0.5) log(`warning: the machine is busy (load average ${load1?.toFixed(1)}): other processes will lower the results`);
  log(`seeding an organisation, ${accounts} accounts and 2 clients${totpAccountCount > 0 ? `, and an organisation with 2FA required, ${totpAccountCount} accounts with the authenticator app and a client` : ''}`);
  const seedStarted = performance.now();
  const seeded = await seedTenant(config, accounts, totpAccountCount);
  log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  // The counting proxy: Poort's server processes reach the database only through it; the seed above did not.
  let serverUri = mongodbUri;
  let commandCounting = { counted: false, note: '--no-db-proxy' };
  if (args['db-proxy']) {
    const plan = planProxy(mongodbUri);
    if ('reason' in plan) {
      commandCounting = { counted: false, note: plan.reason };
      log(`database commands not counted: ${plan.reason}`);
    } else {
      proxy = await startDbProxy(plan.target);
      serverUri = plan.uriThrough(proxy.port);
      const checked = await calibrateProxy(proxy, serverUri);
      commandCounting = { counted: true, note: `counted by a proxy between Poort and ${plan.target}; ${[checked, ...plan.notes].join('; ')}` };
      log(`database commands counted by a proxy (pid ${proxy.pid}, port ${proxy.port}) in front of ${plan.target}; ${checked}`);
    }
  }

  log('measuring one argon2id verify');
  const argon2 = await measureArgon2Bound();

  // A temporary directory of its own for the compile cache src/start.js keeps (os.tmpdir()), filled below.
  // (Not NODE_COMPILE_CACHE: the starts compared must differ only in what the cache holds.)
  const serverTmp = path.join(tempDir, 'server-tmp');
  mkdirSync(serverTmp);
  const childEnv = { ...env, MONGODB_URI: serverUri, PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: serverTmp, ...extraEnv };
  const nodeArgs = String(args['node-options']).split(' ').filter(Boolean);
  // First a start with an empty compile cache (its own temporary directory), as `npm start` on a fresh checkout
  // starts: shown, not judged. Then the cache is filled the way the image build fills it (Dockerfile), and the starts
  // judged are those every container makes.
  const emptyTmp = path.join(tempDir, 'empty-tmp');
  mkdirSync(emptyTmp);
  const empty = await startServerProcess({ env: { ...childEnv, TMPDIR: emptyTmp }, issuer, nodeArgs });
  const emptyCacheStartMs = empty.coldStartMs;
  await empty.stop();
  await fillCompileCache(childEnv);
  const coldStartsMs: number[] = [];
  for (let i = 1; i < coldStarts; i += 1) {
    const probe = await startServerProcess({ env: childEnv, issuer, nodeArgs });
    coldStartsMs.push(probe.coldStartMs);
    await probe.stop();
  }
  const profileDir = args.profile ? path.resolve(args.profile) : undefined;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  server = await startServerProcess({ env: childEnv, issuer, nodeArgs: [...nodeArgs, ...profileArgs] });
  coldStartsMs.push(server.coldStartMs);
  log(`Poort is up (pid ${server.pid}); cold starts ${coldStartsMs.map((v) => Math.round(v)).join(', ')} ms`);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  const idleRssBytes = server.rssBytes();
  log(`idle RSS after start ${Math.round(idleRssBytes / 1e6)} MB`);

  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as { token_endpoint: string };
  tokens = createTokenClient(discovery.token_endpoint, concurrency);
  const setup = { issuer, client: seeded.loginClient, tokens };
  const meter: CpuMeter = {
    pids: { server: server.pid, ...(standin ? { mongodb: standin.pid } : {}), ...(proxy ? { proxy: proxy.pid } : {}) },
    ...(proxy ? { commands: () => (proxy as DbProxy).snapshot() } : {}),
  };
  const login = (index: number) => fullLogin(setup, seeded.emails[index % seeded.emails.length] as string, BENCH_PASSWORD);
  const totpAccounts = seeded.totp ? new TotpAccounts(seeded.totp.accounts) : undefined;
  const totpSetup = seeded.totp ? { issuer, client: seeded.totp.loginClient, tokens } : undefined;

  // Warm-up (not measured): one login per worker, whose refresh tokens start the refresh chains.
  log(`warming up (${concurrency} logins)`);
  const chains = await Promise.all(Array.from({ length: concurrency }, async (_, i) => (await login(i)).refresh_token as string));
  const phase = async (name: string, total: number, op: (worker: number, index: number) => Promise<void>): Promise<PhaseResult> => {
    await runPhase({ name: `${name} (warm-up)`, total: warmUpOf(total), concurrency, deadlineMs: 5000, meter, op });
    log(`${name}: up to ${total} operations, concurrency ${concurrency}`);
    const result = await runPhase({ name, total, concurrency, deadlineMs: PHASE_DEADLINE_MS, meter, op });
    const rss = Math.round((server as ServerProcess).peakRssBytes() / 1e6);
    log(`${name}: ${result.completed} in ${result.seconds.toFixed(1)} s = ${result.perSecond.toFixed(1)}/s; peak RSS so far ${rss} MB`);
    return result;
  };

  const results = {
    argon2,
    logins: phases.has('login') ? await phase('Full interactive logins', totals.logins, async (_w, i) => void (await login(i + concurrency))) : undefined,
    totpLogins: totpSetup && totpAccounts
      ? await phase('Logins with an authenticator-app code', totals.totpLogins, async () => void (await totpLogin(totpSetup, totpAccounts, BENCH_PASSWORD)))
      : undefined,
    totpStats: totpAccounts?.stats,
    refresh: phases.has('refresh')
      ? await phase('Refresh-token grants', totals.refreshes, async (w) => {
        chains[w] = await refresh(tokens as TokenClient, seeded.loginClient, chains[w] as string);
      })
      : undefined,
    clientCredentials: phases.has('client-credentials')
      ? await phase('Client-credentials grants', totals.clientCredentials, () => clientCredentials(tokens as TokenClient, seeded.machineClient))
      : undefined,
    peakRssBytes: server.peakRssBytes(),
    idleRssBytes,
    coldStartsMs,
    emptyCacheStartMs,
    commandCounting,
  };
  const warnings = server.output();
  await server.stop();

  // The same server again, under a container's memory limit from its first instruction: logins (argon2's memory) and
  // refreshes at the same concurrency must all succeed, and the process must still run afterwards.
  const limit = memoryLimit(LIMIT_BYTES);
  log(`memory-limited run: ${limit.method}`);
  const limited = await startServerProcess({ env: childEnv, issuer, nodeArgs: [...nodeArgs, ...limit.nodeArgs], ...(limit.wrap ? { wrap: limit.wrap } : {}) });
  const limitedRun = { method: limit.method, limitBytes: LIMIT_BYTES, logins: 0, refreshes: 0, failure: undefined as string | undefined, alive: false, peakBytes: undefined as number | undefined, refusals: undefined as number | undefined };
  try {
    const limitedChains = await Promise.all(Array.from({ length: concurrency }, async (_, i) => (await login(i)).refresh_token as string));
    const loginsRun = await runPhase({ name: 'logins under the limit', total: LIMITED_LOGINS, concurrency, deadlineMs: PHASE_DEADLINE_MS, meter: { pids: { server: limited.pid } }, op: async (_w, i) => void (await login(i)) });
    limitedRun.logins = loginsRun.completed;
    const refreshesRun = await runPhase({ name: 'refreshes under the limit', total: LIMITED_REFRESHES, concurrency, deadlineMs: PHASE_DEADLINE_MS, meter: { pids: { server: limited.pid } }, op: async (w) => {
      limitedChains[w] = await refresh(tokens as TokenClient, seeded.loginClient, limitedChains[w] as string);
    } });
    limitedRun.refreshes = refreshesRun.completed;
  } catch (error) {
    limitedRun.failure = (error as Error).message;
  }
  limitedRun.alive = limited.alive();
  limitedRun.peakBytes = limit.peakBytes() ?? (limitedRun.alive ? limited.peakRssBytes() : undefined);
  limitedRun.refusals = limit.refusals();
  if (!limitedRun.alive) log(`the memory-limited server died:\n${limited.output()}`);
  await limited.stop();
  limit.remove();
  log(`memory-limited run: ${limitedRun.logins} logins, ${limitedRun.refreshes} refreshes, ${limitedRun.alive ? 'still running' : 'DIED'}${limitedRun.failure ? `, failed: ${limitedRun.failure}` : ''}`);

  tokens.close();
  await proxy?.stop();
  if (warnings) log(`the server wrote:\n${warnings}`);

  process.stdout.write(`\n${renderResults({ ...results, limitedRun })}\n`);
  if (profileDir) {
    // Node names the file CPU.<date>.<time>.<pid>.….cpuprofile: only this run's server.
    const pid = (server as ServerProcess).pid;
    for (const file of readdirSync(profileDir).filter((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'))) {
      process.stdout.write(`\nCPU profile ${path.join(profileDir, file)}:\n${summariseProfile(path.join(profileDir, file), 20)}\n`);
    }
  }
  process.exitCode = allPassed({ ...results, limitedRun }) ? 0 : 1;
}

const watchdog = setTimeout(() => {
  log(`still running after ${WATCHDOG_MS / 60_000} minutes: stopping`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

try {
  await main();
} catch (error) {
  log(`failed: ${(error as Error).message}`);
  if (server) log(`server output:\n${server.output()}`);
  process.exitCode = 2;
} finally {
  await cleanup();
}
