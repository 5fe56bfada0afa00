/**
 * `npm run dev`: the MongoDB stand-in (H2 backend, data in ./.data/, unless MONGODB_URI is set), Poort itself,
 * an idempotent demo seed, and a banner telling where to log in.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.ts';
import { DEV_MONGODB_URI_FILE, DEV_OUTBOX_FILE } from '../src/cli/paths.ts';
import { startMongoStandin, type MongoStandin } from '../src/dev/mongo-standin.ts';
import { DEMO, seedDemo } from '../src/dev/seed.ts';
import { createLogger } from '../src/log.ts';
import { startServer } from '../src/server.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
if (config.env === 'production') {
  process.stderr.write('NODE_ENV: npm run dev is for development; use npm start in production\n');
  process.exit(1);
}

let standin: MongoStandin | undefined;
let mongodbUri = config.mongodbUri;
if (!mongodbUri) {
  try {
    standin = await startMongoStandin({ backend: 'h2', dataFile: '.data/poort.mv.db' });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  mongodbUri = `${standin.uri}/poort`;
  mkdirSync('.data', { recursive: true });
  writeFileSync(DEV_MONGODB_URI_FILE, `${mongodbUri}\n`);
}

const logger = createLogger(config.logLevel);
let running;
try {
  running = await startServer({ ...config, mongodbUri }, { logger, purge: true, outboxFile: DEV_OUTBOX_FILE });
} catch (error) {
  process.stderr.write(`Poort could not start: ${(error as Error).message}\n`);
  await standin?.stop();
  process.exit(1);
}
const seeded = await seedDemo(running.container);

const { issuer } = config;
process.stdout.write(`
  Poort is running (development)
  issuer        ${issuer}
  discovery     ${issuer}/.well-known/openid-configuration
  log in        ${issuer}/dev/demo-rp/start   (demo relying party: authorize → login → callback shows the claims)
  demo account  ${DEMO.email} / ${DEMO.password}
  outbox        ${issuer}/dev/outbox   (mails and SMS codes)
  invite        npm run --silent cli -- account create --org ${seeded.organisationId} --email you@example.org --role client --name "Your Name" --print-link
                (the welcome e-mail lands in the outbox; its link sets a password and opens the demo relying party)
  account page  ${issuer}/account/security   (two-step login settings, after logging in)
  database      ${standin ? 'MongoDB stand-in (H2), data in ./.data/' : 'MONGODB_URI'}
  CLI           npm run --silent cli -- org create --name "My organisation"

`);

const stop = async (): Promise<void> => {
  await running.close();
  await standin?.stop();
  if (standin) rmSync(DEV_MONGODB_URI_FILE, { force: true });
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
