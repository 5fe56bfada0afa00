/**
 * The signing keys in a JWKS_FILE, as `keys generate --add-to`, `keys promote` and `keys retire` change them.
 *
 * Which key signs: oidc-provider picks, among the keys of a token's alg (RS256 for ID tokens, admin API access tokens
 * and logout tokens; ES256 for clients registered for it), the one that scores highest on carrying `alg` and `use`,
 * the first in file order among equals (lib/helpers/keystore.js, a stable sort). Keys made here always carry both,
 * so the first key of an alg signs; every key in the file is published at /jwks and verifies.
 *
 * The file is replaced atomically (a temporary file beside it, mode 0600, then a rename), so a node reading it at
 * start sees the old set or the new one, never half of one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type Jwk = Record<string, unknown>;

/** The JWS alg a key signs with (its `alg`, else what its type implies). */
export function algOf(key: Jwk): string | undefined {
  if (typeof key.alg === 'string') return key.alg;
  if (key.kty === 'RSA') return 'RS256';
  if (key.kty === 'EC' && key.crv === 'P-256') return 'ES256';
  return undefined;
}

/** The kid of the key oidc-provider signs `alg` tokens with (see above), if any. */
export function signingKid(keys: readonly Jwk[], alg: string): string | undefined {
  const score = (key: Jwk): number => (typeof key.alg === 'string' ? 1 : 0) + (typeof key.use === 'string' ? 1 : 0);
  const candidates = keys.filter((key) => algOf(key) === alg && (key.use === undefined || key.use === 'sig'));
  return candidates.reduce<Jwk | undefined>((best, key) => (best === undefined || score(key) > score(best) ? key : best), undefined)?.kid as string | undefined;
}

export function readJwksFile(file: string, option: string): Jwk[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${option}: cannot read ${file}`);
  }
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    throw new Error(`${option}: ${file} is not valid JSON`);
  }
  if (!Array.isArray(keys) || !keys.every((key) => key && typeof key === 'object' && typeof (key as Jwk).kid === 'string')) {
    throw new Error(`${option}: ${file} is not a JWK Set whose keys each have a kid`);
  }
  return keys as Jwk[];
}

export function writeJwksFile(file: string, keys: readonly Jwk[]): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ keys }, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot write ${file} (${(error as Error).message})`);
  }
}

/** Each key's kid and alg, in file order, and which of them signs. */
export function describeKeys(keys: readonly Jwk[]): Array<{ kid: string; alg: string | undefined; signing: boolean }> {
  const signing = new Set(['RS256', 'ES256'].map((alg) => signingKid(keys, alg)));
  return keys.map((key) => ({ kid: String(key.kid), alg: algOf(key), signing: signing.has(String(key.kid)) }));
}

/** Removes one key; refuses the last RS256 key always, and the signing key of its alg unless forced. */
export function retireKey(keys: readonly Jwk[], kid: string, force: boolean): Jwk[] {
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`--kid: no key ${kid} in the file`);
  const alg = algOf(key);
  const rest = keys.filter((k) => k !== key);
  if (alg === 'RS256' && !rest.some((k) => algOf(k) === 'RS256')) {
    throw new Error(`--kid: ${kid} is the last RS256 key; Poort needs one (add a new one first with \`keys generate --add-to\`)`);
  }
  if (alg !== undefined && signingKid(keys, alg) === kid && !force) {
    throw new Error(`--kid: ${kid} is the ${alg} key that signs now; promote a newer one first, or pass --force`);
  }
  return rest;
}

/** Moves a key first, so it signs for its alg. */
export function promoteKey(keys: readonly Jwk[], kid: string): Jwk[] {
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`--kid: no key ${kid} in the file`);
  return [key, ...keys.filter((k) => k !== key)];
}
