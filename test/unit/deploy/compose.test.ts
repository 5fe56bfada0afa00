/**
 * compose.yaml, checked without Docker: against the Compose Specification's JSON schema (test/fixtures/compose-spec.json,
 * see test/fixtures/README.md), and for what a schema cannot know — that .env.example names exactly the variables the
 * file interpolates, that Poort gets only variables config/schema.ts knows and with them loads as a production
 * configuration, that the Caddyfile proxies to Poort, that MongoDB is the replica set MONGODB_URI names, and that no
 * secret is written into the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ConfigError, generateJwks, loadConfig } from '../../../config/load.ts';
import { envSchema } from '../../../config/schema.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  secrets?: { source: string; target: string }[];
  networks?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  networks?: Record<string, { internal?: boolean }>;
  volumes?: Record<string, unknown>;
}

/** Poort's variables that hold a secret: never a literal in compose.yaml. */
const SECRET_VARIABLES = ['COOKIE_KEYS', 'ENCRYPTION_KEY', 'ENCRYPTION_KEYS', 'JWKS', 'SMS_WEBHOOK_SECRET'];
const PLACEHOLDER = 'change-me';
/** A well-formed value for each placeholder of .env.example, as its generation command prints one. */
const WELL_FORMED: Record<string, () => string> = {
  COOKIE_KEYS: () => randomBytes(32).toString('base64'),
  ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString('base64')}`,
};

/** A .env file as Docker Compose reads it: KEY=VALUE lines, # comments, optionally quoted values. */
function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) throw new Error(`.env.example line ${index + 1} is not KEY=VALUE: ${line}`);
    const [, key = '', raw = ''] = match;
    const quoted = /^"(.*)"$|^'(.*)'$/.exec(raw);
    vars[key] = quoted ? (quoted[1] ?? quoted[2] ?? '') : raw.replace(/\s+#.*$/, '');
  }
  return vars;
}

/**
 * Compose's interpolation of one string: $$ (a literal $), $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error}, ${VAR:+alternative}, ${VAR+alternative}. Records every variable it meets.
 */
function interpolate(text: string, vars: Record<string, string>, seen: Set<string>): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(braced ?? bare ?? '');
    if (!match) throw new Error(`unsupported interpolation ${whole}`);
    const [, name = '', colon, operator, word = ''] = match;
    seen.add(name);
    const value = vars[name];
    const set = colon ? value !== undefined && value !== '' : value !== undefined;
    if (operator === '-') return set ? (value ?? '') : word;
    if (operator === '?') {
      if (!set) throw new Error(`${name}: ${word}`);
      return value ?? '';
    }
    if (operator === '+') return set ? word : '';
    return value ?? '';
  });
}

/** The document with every string value interpolated, as Compose does before it reads the file. */
function interpolateAll<T extends Value>(value: T, vars: Record<string, string>, seen = new Set<string>()): T {
  if (typeof value === 'string') return interpolate(value, vars, seen) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, vars, seen)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars, seen)])) as T;
  }
  return value;
}

const composeText = read('compose.yaml');
const raw = parse(composeText) as Compose & Value;
const example = parseDotenv(read('.env.example'));
/** .env.example with every placeholder replaced by a well-formed value: a .env as its comments say to make it. */
const filledIn = Object.fromEntries(Object.entries(example).map(([k, v]) => [k, v.includes(PLACEHOLDER) && WELL_FORMED[k] ? WELL_FORMED[k]() : v]));
const compose = interpolateAll(raw, filledIn);
const poort = compose.services.poort as Service;
const environment = (service: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
const poortEnv = environment(poort);

/** The Compose Specification's validator: the schema is draft-07, Ajv's default class. */
function composeValidator() {
  const { $schema, ...schema } = JSON.parse(read('test/fixtures/compose-spec.json')) as Record<string, unknown>;
  // Ajv knows draft-07 by its http:// meta-schema id; the specification names the https:// one.
  expect($schema).toMatch(/draft-07/);
  // strictTypes off: the specification puts `additionalProperties` beside `oneOf` without a `type` of its own, which
  // is valid JSON Schema that Ajv's strict mode would only warn about. Every other strict check stays on.
  return new Ajv({ allErrors: true, strictTypes: false }).compile(schema);
}

describe('compose.yaml', () => {
  test('is a valid Compose file by the Compose Specification schema', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema really is applied: a misspelt key and a wrong type are refused.
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.poort = { ...broken.services.poort, enviroment: {} };
    broken.services.mongo = { ...broken.services.mongo, restart: 5 };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/services/poort', '/services/mongo/restart']));
  });

  test('interpolates exactly the variables of .env.example, and nothing else', () => {
    const seen = new Set<string>();
    interpolateAll(raw, filledIn, seen);
    expect([...seen].sort()).toEqual(Object.keys(example).sort());
  });

  test('.env.example holds placeholders only, each with the command that makes a real value', () => {
    const lines = read('.env.example').split('\n');
    for (const name of Object.keys(example).filter((k) => SECRET_VARIABLES.includes(k))) {
      expect(example[name]).toContain(PLACEHOLDER);
      const at = lines.findIndex((line) => line.startsWith(`${name}=`));
      const comment = lines.slice(0, at).reverse().findIndex((line) => !line.startsWith('#'));
      const above = lines.slice(at - (comment < 0 ? at : comment), at).join('\n');
      expect(above).toMatch(/openssl rand/);
    }
    // Every placeholder has a well-formed value here (and nothing else is left unfilled).
    expect(Object.keys(example).filter((k) => example[k]?.includes(PLACEHOLDER)).sort()).toEqual(Object.keys(WELL_FORMED).sort());
  });

  test('passes Poort only variables config/schema.ts knows', () => {
    const known = Object.keys(envSchema.shape);
    expect(Object.keys(poortEnv).filter((name) => !known.includes(name))).toEqual([]);
  });

  describe('Poort\'s environment is a production configuration', () => {
    let cwd: string;
    beforeEach(() => {
      cwd = mkdtempSync(path.join(tmpdir(), 'poort-compose-'));
    });
    afterEach(() => {
      rmSync(cwd, { recursive: true, force: true });
    });

    /** The environment with JWKS_FILE pointing at a fresh JWK Set, where the compose secret would be mounted. */
    function withJwks(env: Record<string, string>): Record<string, string> {
      const secret = poort.secrets?.find((s) => s.target === env.JWKS_FILE);
      expect(secret).toBeDefined();
      expect(compose.secrets?.[secret?.source ?? '']?.file).toBeDefined();
      writeFileSync(path.join(cwd, 'jwks.json'), JSON.stringify(generateJwks()));
      return { ...env, JWKS_FILE: path.join(cwd, 'jwks.json') };
    }

    test('loads in production mode once the placeholders are real values', () => {
      const config = loadConfig(withJwks(poortEnv), cwd);
      expect(config.env).toBe('production');
      expect(config.issuer).toBe('https://localhost');
      expect(config.trustProxy).toBe(true);
      expect(config.trustProxyHops).toBe(1);
      expect(config.devOutbox).toBe(false);
    });

    test('refuses to start while a placeholder is left', () => {
      const placeholders = environment(interpolateAll(raw, example).services.poort as Service);
      let problems: string[] = [];
      try {
        loadConfig(withJwks(placeholders), cwd);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      const named = problems.map((p) => p.split(':')[0]);
      expect([...new Set(named)].sort()).toEqual(Object.keys(WELL_FORMED).sort());
    });
  });

  test('writes no secret inline', () => {
    // Secret variables come from .env only; the JWK Set comes from a secret file, never a variable.
    for (const name of SECRET_VARIABLES) {
      const value = raw.services.poort?.environment?.[name];
      if (value === undefined) continue;
      expect(String(value)).toMatch(new RegExp(`^\\$\\{${name}(:?[?][^}]*)?\\}$`));
    }
    expect(poortEnv.JWKS).toBeUndefined();
    expect(poortEnv.JWKS_FILE).toMatch(/^\/run\/secrets\//);
    // No password in a connection URL.
    for (const name of ['MONGODB_URI', 'SMTP_URL']) expect(new URL(poortEnv[name] ?? '').password).toBe('');
    // Nothing anywhere in the file (comments included) looks like key material: a long run of base64 or hex with
    // digits and both cases.
    const tokens = composeText.replace(/\$\{[^}]*\}/g, '').split(/[^A-Za-z0-9+/=_-]+/);
    expect(tokens.filter((t) => t.length >= 32 && (/^[0-9a-f]+$/i.test(t) || (/\d/.test(t) && /[a-z]/.test(t) && /[A-Z]/.test(t))))).toEqual([]);
  });

  test('Caddy terminates TLS for the issuer and proxies to Poort\'s port', () => {
    const caddyfile = read('deploy/Caddyfile').replace(/#.*$/gm, '');
    const sites = [...caddyfile.matchAll(/^([^\s{][^{\n]*?)[ \t]*\{[ \t]*$/gm)].map((m) => m[1]);
    expect(sites).toEqual([new URL(poortEnv.ISSUER ?? '').hostname]);
    expect(caddyfile).toMatch(/^\s*tls internal\s*$/m);
    const upstreams = [...caddyfile.matchAll(/^\s*reverse_proxy\s+([^\s{]+)/gm)].map((m) => m[1]);
    expect(upstreams).toEqual([`poort:${poortEnv.PORT}`]);
    const caddy = compose.services.caddy as Service;
    expect(caddy.volumes).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    // Caddy is the one proxy, and the only way in: Poort's own port is not published.
    expect(poortEnv.TRUST_PROXY).toBe('true');
    expect(poortEnv.TRUST_PROXY_HOPS).toBe('1');
    expect(poort.ports).toBeUndefined();
    expect(caddy.networks?.filter((n) => poort.networks?.includes(n))).not.toEqual([]);
  });

  test('MongoDB is the single-member replica set MONGODB_URI names, initiated before Poort starts', () => {
    const uri = new URL(poortEnv.MONGODB_URI ?? '');
    const replicaSet = uri.searchParams.get('replicaSet');
    expect(replicaSet).toBeTruthy();
    const mongo = compose.services[uri.hostname] as Service;
    expect(mongo.image).toMatch(/^mongo:8\.\d+$/);
    expect(mongo.command?.join(' ')).toContain(`--replSet ${replicaSet}`);
    // The healthcheck runs the init script mounted into the container; the set's one member is the service itself.
    const mount = mongo.volumes?.find((v) => v.startsWith('./deploy/mongo-replica-set.js:'))?.split(':');
    expect(mongo.healthcheck?.test).toContain(mount?.[1]);
    const script = read('deploy/mongo-replica-set.js');
    expect(script).toContain(`_id: '${replicaSet}'`);
    expect(script).toContain(`host: '${uri.hostname}:${uri.port || 27017}'`);
    expect(poort.depends_on?.[uri.hostname]?.condition).toBe('service_healthy');
    // Reachable by Poort alone, on an internal network.
    expect(mongo.ports).toBeUndefined();
    expect(mongo.networks?.every((n) => compose.networks?.[n]?.internal === true && poort.networks?.includes(n))).toBe(true);
  });

  test('Mailpit receives Poort\'s mail; its web UI and Caddy are published to this machine only', () => {
    const smtp = new URL(poortEnv.SMTP_URL ?? '');
    expect(compose.services[smtp.hostname]?.image).toMatch(/^axllent\/mailpit:/);
    expect(smtp.port).toBe('1025');
    expect(compose.services.mailpit?.ports).toEqual(['127.0.0.1:8025:8025']);
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });

  test('pins every image to a version, restarts every service and keeps data in named volumes', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      if (service.build !== undefined) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/:v?\d+\.\d+$/)]);
    }
    const named = Object.keys(compose.volumes ?? {});
    const target = (service: string, dir: string): string | undefined =>
      compose.services[service]?.volumes?.find((v) => v.endsWith(`:${dir}`))?.split(':')[0];
    expect(named).toContain(target('mongo', '/data/db'));
    expect(named).toContain(target('caddy', '/data'));
  });
});
