/**
 * The only reader of `process.env`. Validates every option at once and throws a ConfigError listing each problem
 * with the variable it concerns; `src/main.ts` prints it and exits 1.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { envSchema, type Config } from './schema.ts';

/** Development-only values: production refuses to start with any of them. */
export const DEV_COOKIE_KEY = 'dev-only-cookie-key-never-use-in-production-0001';
export const DEV_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const DEV_JWKS_FILE = '.data/dev-jwks.json';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  // Empty strings count as unset, so `FOO=` in a .env file does not defeat a default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  const invalid = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
      invalid.add(String(issue.path[0]));
    }
  }
  // Without the malformed variables the rest still parses, so the checks below report their problems too.
  const rest = parsed.success ? parsed : envSchema.safeParse(Object.fromEntries(Object.entries(cleaned).filter(([k]) => !invalid.has(k))));
  if (!rest.success) throw new ConfigError(problems);
  const raw = rest.data;
  const production = raw.NODE_ENV === 'production';
  const need = (name: string, value: unknown): void => {
    if (production && value === undefined && !invalid.has(name)) problems.push(`${name}: required in production`);
  };

  const issuer = (raw.ISSUER ?? `http://localhost:${raw.PORT}`).replace(/\/$/, '');
  if (production && raw.ISSUER && !issuer.startsWith('https://')) problems.push('ISSUER: must be an https URL in production');
  need('ISSUER', raw.ISSUER);
  need('MONGODB_URI', raw.MONGODB_URI);
  need('SMTP_URL', raw.SMTP_URL);
  need('COOKIE_KEYS', raw.COOKIE_KEYS);
  if (production && raw.ENCRYPTION_KEY === undefined && raw.ENCRYPTION_KEYS === undefined && !invalid.has('ENCRYPTION_KEY') && !invalid.has('ENCRYPTION_KEYS')) {
    problems.push('ENCRYPTION_KEY: required in production (or ENCRYPTION_KEYS)');
  }
  if (production && !raw.JWKS && !raw.JWKS_FILE) problems.push('JWKS: required in production (or JWKS_FILE)');
  if (raw.JWKS && raw.JWKS_FILE) problems.push('JWKS_FILE: set either JWKS or JWKS_FILE, not both');
  if (Boolean(raw.SMS_WEBHOOK_URL) !== Boolean(raw.SMS_WEBHOOK_SECRET) && !invalid.has('SMS_WEBHOOK_URL') && !invalid.has('SMS_WEBHOOK_SECRET')) {
    problems.push('SMS_WEBHOOK_SECRET: SMS_WEBHOOK_URL and SMS_WEBHOOK_SECRET go together');
  }

  const cookieKeys = (raw.COOKIE_KEYS ?? DEV_COOKIE_KEY).split(',').map((k) => k.trim()).filter(Boolean);
  if (cookieKeys.some((k) => k.length < 32)) problems.push('COOKIE_KEYS: each key must be at least 32 characters');
  if (production && raw.COOKIE_KEYS && cookieKeys.includes(DEV_COOKIE_KEY)) problems.push('COOKIE_KEYS: the development key is refused in production');

  const encryptionKeys = readEncryptionKeys(raw, problems);

  if (raw.METRICS_PORT !== undefined && raw.METRICS_PORT !== 0 && raw.METRICS_PORT === raw.PORT) {
    problems.push('METRICS_PORT: must differ from PORT (metrics are never served on the public port)');
  }

  const jwks = readJwks(raw, cwd, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: raw.NODE_ENV,
    port: raw.PORT,
    issuer,
    mongodbUri: raw.MONGODB_URI,
    cookieKeys,
    encryptionKeys,
    jwks,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM,
    smsWebhookUrl: raw.SMS_WEBHOOK_URL,
    smsWebhookSecret: raw.SMS_WEBHOOK_SECRET,
    trustProxy: raw.TRUST_PROXY,
    trustProxyHops: raw.TRUST_PROXY_HOPS,
    databaseTimeout: raw.DATABASE_TIMEOUT,
    shutdownGrace: raw.SHUTDOWN_GRACE,
    sessionMaxAge: raw.SESSION_MAX_AGE,
    invitationTtl: raw.INVITATION_TTL,
    stepUpMaxAge: raw.STEP_UP_MAX_AGE,
    auditRetention: raw.AUDIT_RETENTION,
    metricsPort: raw.METRICS_PORT,
    metricsHost: raw.METRICS_HOST,
    // More hashes at once than cores only queue inside the thread pool, each holding its 19 MiB meanwhile.
    hashConcurrency: Math.min(raw.UV_THREADPOOL_SIZE, availableParallelism()),
    logLevel: raw.LOG_LEVEL,
    devOutbox: !production && !raw.SMTP_URL,
  };
}

/** The key id of the single-key form, ENCRYPTION_KEY (and of the development key). */
export const SINGLE_ENCRYPTION_KID = 'default';
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^[A-Za-z0-9_-]+$/;

/**
 * ENCRYPTION_KEYS `kid:base64key,kid:base64key…` (the sealing key first), or ENCRYPTION_KEY as `default:<key>`; the
 * development key where neither is set outside production. Production refuses the development key in any place.
 */
function readEncryptionKeys(raw: ReturnType<typeof envSchema.parse>, problems: string[]): Config['encryptionKeys'] {
  const production = raw.NODE_ENV === 'production';
  const devKey = Buffer.from(DEV_ENCRYPTION_KEY, 'base64');
  if (raw.ENCRYPTION_KEY !== undefined && raw.ENCRYPTION_KEYS !== undefined) {
    problems.push('ENCRYPTION_KEYS: set either ENCRYPTION_KEY or ENCRYPTION_KEYS, not both');
    return [];
  }
  if (raw.ENCRYPTION_KEYS === undefined) {
    const key = Buffer.from(raw.ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY, 'base64');
    if (key.length !== 32) problems.push('ENCRYPTION_KEY: must be 32 bytes, base64-encoded');
    else if (production && raw.ENCRYPTION_KEY !== undefined && key.equals(devKey)) problems.push('ENCRYPTION_KEY: the development key is refused in production');
    return [{ kid: SINGLE_ENCRYPTION_KID, key }];
  }
  const entries = raw.ENCRYPTION_KEYS.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) problems.push('ENCRYPTION_KEYS: give at least one kid:base64key entry');
  const keys: Config['encryptionKeys'] = [];
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const at = `ENCRYPTION_KEYS: entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const kid = colon < 0 ? '' : entry.slice(0, colon).trim();
    const text = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (colon < 0) {
      problems.push(`${at}: must be kid:base64key`);
      continue;
    }
    if (!KID.test(kid)) {
      problems.push(`${at}: the key id must be 1 to 32 letters, digits, - or _`);
      continue;
    }
    if (seen.has(kid)) problems.push(`ENCRYPTION_KEYS: key id ${kid} appears more than once`);
    seen.add(kid);
    const key = Buffer.from(text, 'base64');
    if (!BASE64.test(text) || key.length !== 32) {
      problems.push(`ENCRYPTION_KEYS: key ${kid} must be 32 bytes, base64-encoded`);
      continue;
    }
    if (production && key.equals(devKey)) problems.push(`ENCRYPTION_KEYS: key ${kid} is the development key, refused in production`);
    if (keys.some((k) => k.key.equals(key))) problems.push(`ENCRYPTION_KEYS: key ${kid} repeats an earlier key`);
    keys.push({ kid, key });
  }
  return keys;
}

function readJwks(raw: ReturnType<typeof envSchema.parse>, cwd: string, problems: string[]): Config['jwks'] {
  let text = raw.JWKS;
  let name = 'JWKS';
  if (raw.JWKS_FILE) {
    name = 'JWKS_FILE';
    try {
      text = readFileSync(resolve(cwd, raw.JWKS_FILE), 'utf8');
    } catch {
      problems.push(`JWKS_FILE: cannot read ${raw.JWKS_FILE}`);
      return { keys: [] };
    }
  }
  // Production never generates keys (and never writes to disk): the missing JWKS is reported above.
  if (text === undefined && raw.NODE_ENV === 'production') return { keys: [] };
  if (text === undefined) {
    try {
      return devJwks(raw.NODE_ENV === 'test' ? undefined : resolve(cwd, DEV_JWKS_FILE));
    } catch (error) {
      problems.push(`JWKS: development keys in ${DEV_JWKS_FILE} cannot be read or written (${(error as Error).message}); delete the file or set JWKS`);
      return { keys: [] };
    }
  }
  try {
    const jwks = JSON.parse(text) as { keys?: unknown };
    const keys = Array.isArray(jwks.keys) ? (jwks.keys as Record<string, unknown>[]) : [];
    if (!keys.some((k) => k.kty === 'RSA' && typeof k.d === 'string')) {
      problems.push(`${name}: must be a JWK Set with at least one private RSA key (RS256)`);
    }
    return { keys };
  } catch {
    problems.push(`${name}: is not valid JSON`);
    return { keys: [] };
  }
}

/** A JWK Set with an RSA-2048 (RS256) and a P-256 (ES256) key; stored in development, fresh per test process. */
export function generateJwks(): Config['jwks'] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: randomUUID(), use: 'sig', alg: 'RS256' },
      { ...ec, kid: randomUUID(), use: 'sig', alg: 'ES256' },
    ],
  };
}

function devJwks(file: string | undefined): Config['jwks'] {
  if (file === undefined) return generateJwks();
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Config['jwks'];
  const jwks = generateJwks();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(jwks), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return jwks;
}
