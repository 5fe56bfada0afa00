/**
 * Every configuration option: its environment variable, type, default and meaning.
 * `load.ts` is the only reader of `process.env`; it validates against this schema and reports all problems at once.
 */
import { z } from 'zod';

/** Durations are written as seconds (`3600`) or with a unit: `90s`, `10m`, `12h`, `7d`. */
export const duration = z
  .string()
  .trim()
  .regex(/^\d+(s|m|h|d)?$/, 'must be a duration such as 3600, 90s, 10m, 12h or 7d')
  .transform((value) => {
    const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
    const match = /^(\d+)(s|m|h|d)?$/.exec(value);
    return Number(match?.[1]) * (units[match?.[2] ?? 's'] ?? 1);
  })
  .pipe(z.number().int().positive('must be longer than zero'));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const portMessage = 'must be a port number from 0 to 65535';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

/** Raw environment, as strings. Descriptions feed the README's configuration table. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development')
    .describe('development (default), test or production; production refuses every development default'),
  PORT: z.coerce.number({ message: portMessage }).int(portMessage).min(0, portMessage).max(65535, portMessage).default(3000)
    .describe('HTTP port to listen on'),
  ISSUER: httpUrl.optional()
    .describe('Public URL of Poort, the OIDC issuer. Default http://localhost:PORT; must be https in production. Its host name is the passkeys\' RP id (with an IP address passkeys are not offered)'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').optional()
    .describe('MongoDB connection string. Unset in development/test: the local MongoDB stand-in is started'),
  COOKIE_KEYS: z.string().optional()
    .describe('Comma-separated keys that sign cookies, newest first, each at least 32 characters (rotate by prepending)'),
  ENCRYPTION_KEY: z.string().optional()
    .describe('32 random bytes, base64: encrypts second-factor secrets at rest (AES-256-GCM). The single-key form of ENCRYPTION_KEYS, key id `default`'),
  ENCRYPTION_KEYS: z.string().optional()
    .describe('Comma-separated `kid:base64key` entries (32 bytes each), the sealing key first; the others still open what they sealed (rotate with `secrets reseal`). Instead of ENCRYPTION_KEY'),
  JWKS: z.string().optional().describe('Signing keys as a private JWK Set (JSON). Needs an RSA key for RS256'),
  JWKS_FILE: z.string().optional().describe('Path of a file holding the private JWK Set (instead of JWKS)'),
  SMTP_URL: z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' }).optional()
    .describe('Mail server, e.g. smtp://user:pass@host:587. Unset in development: mails go to the dev outbox'),
  MAIL_FROM: z.string().min(3).default('Poort <no-reply@localhost>').describe('Sender of every e-mail'),
  SMS_WEBHOOK_URL: httpUrl.optional()
    .describe('SMS gateway webhook: POST JSON {to, body, purpose}, signed with SMS_WEBHOOK_SECRET'),
  SMS_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional()
    .describe('HMAC-SHA256 key for the X-Poort-Signature header of SMS webhook calls'),
  TRUST_PROXY: bool.default(false)
    .describe('true when behind a TLS-terminating proxy that sets X-Forwarded-Proto/For/Host'),
  TRUST_PROXY_HOPS: z.coerce.number({ message: 'must be a whole number from 1 to 10' }).int('must be a whole number from 1 to 10')
    .min(1, 'must be a whole number from 1 to 10').max(10, 'must be a whole number from 1 to 10').default(1)
    .describe('With TRUST_PROXY: how many proxies stand in front of Poort; the client address is that many X-Forwarded-For entries from the right'),
  DATABASE_TIMEOUT: duration.default(5).describe('Longest wait for any one database operation before the request answers 503 (5s)'),
  SHUTDOWN_GRACE: duration.default(10).describe('On SIGTERM: how long requests under way may take to finish before connections are closed (10s)'),
  SESSION_MAX_AGE: duration.default(43200).describe('Absolute session age after which a full login is asked (12h)'),
  INVITATION_TTL: duration.default(259200).pipe(z.number().max(30 * 86400, 'must be at most 30 days'))
    .describe('How long the link of a welcome e-mail (first password) stays valid (72h, at most 30d)'),
  STEP_UP_MAX_AGE: duration.default(600)
    .describe('How recent the last login (with its code, where 2FA is on) must be for the admin API\'s sensitive actions (10m)'),
  AUDIT_RETENTION: duration.default(365 * 86400).pipe(z.number().min(86400, 'must be at least 1 day'))
    .describe('How long audit events are kept before they are purged (365d, at least 1d)'),
  METRICS_PORT: z.coerce.number({ message: portMessage }).int(portMessage).min(0, portMessage).max(65535, portMessage).optional()
    .describe('Port of the Prometheus /metrics listener (a separate server, never the public one). Unset: no metrics'),
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1')
    .describe('Address the metrics listener binds to (127.0.0.1: loopback only; 0.0.0.0 inside a container network)'),
  UV_THREADPOOL_SIZE: z.coerce.number({ message: 'must be a whole number from 1 to 64' }).int('must be a whole number from 1 to 64')
    .min(1, 'must be a whole number from 1 to 64').max(64, 'must be a whole number from 1 to 64').default(4)
    .describe('Node\'s thread pool, where password hashing runs (Node reads it too); password hashes run at once on at most this many threads and no more than the machine has cores (4)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('pino log level'),
});

export type RawEnv = z.infer<typeof envSchema>;

/** The validated, derived configuration the rest of Poort receives. */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  issuer: string;
  mongodbUri: string | undefined;
  cookieKeys: string[];
  /** Encryption keys, the sealing one first (src/auth/secret-box.ts); at least one. */
  encryptionKeys: { kid: string; key: Buffer }[];
  jwks: { keys: Record<string, unknown>[] };
  smtpUrl: string | undefined;
  mailFrom: string;
  smsWebhookUrl: string | undefined;
  smsWebhookSecret: string | undefined;
  trustProxy: boolean;
  /** Proxies in front of Poort (with trustProxy): the client address is this many X-Forwarded-For entries from the right. */
  trustProxyHops: number;
  /** Seconds: the bound on one database operation (server selection included). */
  databaseTimeout: number;
  /** Seconds: how long a graceful shutdown waits for requests under way. */
  shutdownGrace: number;
  /** Seconds. */
  sessionMaxAge: number;
  /** Seconds a welcome e-mail's link stays valid. */
  invitationTtl: number;
  /** Seconds. */
  stepUpMaxAge: number;
  /** Seconds an audit event is kept. */
  auditRetention: number;
  /** Port of the /metrics listener; undefined: no metrics listener. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** Password hashes (argon2, 19 MiB each) computed at once: the thread pool's size, at most the cores available. */
  hashConcurrency: number;
  logLevel: RawEnv['LOG_LEVEL'];
  /** Mails and SMS are kept in memory and shown at /dev/outbox (never in production). */
  devOutbox: boolean;
}
