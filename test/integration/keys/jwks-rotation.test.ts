/**
 * Signing-key rotation with a JWKS_FILE: `keys generate --add-to` puts new keys first and keeps the old ones, a
 * restarted Poort signs with the new ones and publishes all, tokens signed before still verify; `keys retire` removes
 * an old key and refuses what would break signing.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Agent } from '../../support/browser.ts';
import { cliFor, failed, ok } from '../../support/cli.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, jwtHeader, login } from '../../support/rp.ts';

const MONGODB_URI = testDatabaseUri(import.meta.url);
const cli = cliFor(MONGODB_URI);
const dir = mkdtempSync(path.join(tmpdir(), 'poort-jwks-'));

interface Key { kid: string; alg: string; signing: boolean }
const kidsOf = (file: string): string[] => (JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

/** A JWKS file as `keys generate > file` makes it; answers its path and its RS256 kid. */
async function freshFile(name: string): Promise<{ file: string; rsaKid: string }> {
  const run = await cli(['keys', 'generate']);
  const file = path.join(dir, name);
  writeFileSync(file, run.stdout, { mode: 0o600 });
  const keys = (JSON.parse(run.stdout) as { keys: Array<{ kid: string; alg: string }> }).keys;
  return { file, rsaKid: keys.find((k) => k.alg === 'RS256')?.kid ?? '' };
}

async function idToken(poort: TestPoort, tenant: Tenant): Promise<string> {
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri);
  const callback = await login(new Agent(), poort.issuer, request, tenant.email, tenant.password);
  const tokens = await exchange(config, callback, request);
  return tokens.id_token ?? '';
}

describe('after `keys generate --add-to` and a restart', () => {
  let file: string;
  let oldRsaKid: string;
  let added: string[];
  let oldKids: string[];
  let oldToken: string;
  let newToken: string;
  let published: string[];
  let verifiedOld: unknown;

  beforeAll(async () => {
    ({ file, rsaKid: oldRsaKid } = await freshFile('rotate.json'));
    const before = await startPoort('jwks', { MONGODB_URI, JWKS_FILE: file });
    const tenant = await createTenant(before);
    oldToken = await idToken(before, tenant);
    const oldIssuer = before.issuer;
    await before.close();

    oldKids = kidsOf(file);
    added = ok(await cli(['keys', 'generate', '--add-to', file])).added as string[];

    const after = await startPoort('jwks', { MONGODB_URI, JWKS_FILE: file });
    try {
      newToken = await idToken(after, tenant);
      const response = await fetch(`${after.issuer}/jwks`);
      published = ((await response.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
      const { payload } = await jwtVerify(oldToken, createRemoteJWKSet(new URL(`${after.issuer}/jwks`)), { issuer: oldIssuer, audience: tenant.clientId });
      verifiedOld = payload.sub;
    } finally {
      await after.close();
    }
  }, 120_000);

  test('the tokens before were signed with the old RS256 key', () => {
    expect(jwtHeader(oldToken).kid).toBe(oldRsaKid);
  });

  test('the new keys come first in the file, the old ones are kept', () => {
    expect(kidsOf(file)).toEqual([...added, ...oldKids]);
  });

  test('new ID tokens carry the new RS256 key', () => {
    expect(added).toContain(jwtHeader(newToken).kid);
  });

  test('every key is published at /jwks', () => {
    expect(published.sort()).toEqual(kidsOf(file).sort());
  });

  test('an ID token signed with the old key still verifies against the published JWKS', () => {
    expect(typeof verifiedOld).toBe('string');
  });

  test('the file stays readable by its owner only', () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('keys generate --add-to', () => {
  test('prints the new kids and every key, the new ones signing', async () => {
    const { file, rsaKid } = await freshFile('print.json');
    const result = ok(await cli(['keys', 'generate', '--add-to', file]));
    expect((result.keys as Key[]).map((k) => [k.alg, k.signing])).toEqual([['RS256', true], ['ES256', true], ['RS256', false], ['ES256', false]]);
    expect((result.keys as Key[])[2]?.kid).toBe(rsaKid);
  });

  test('--standby puts the new keys last: published, the old ones still signing', async () => {
    const { file, rsaKid } = await freshFile('standby.json');
    const result = ok(await cli(['keys', 'generate', '--add-to', file, '--standby']));
    expect((result.keys as Key[]).filter((k) => k.signing).map((k) => k.kid)).toContain(rsaKid);
  });

  test('a file that is not there is a clear error', async () => {
    expect(failed(await cli(['keys', 'generate', '--add-to', path.join(dir, 'missing.json')]), 1)).toMatch(/--add-to: cannot read/);
  });

  test('a file that is not a JWK Set is a clear error', async () => {
    const file = path.join(dir, 'garbage.json');
    writeFileSync(file, '{not json');
    expect(failed(await cli(['keys', 'generate', '--add-to', file]), 1)).toMatch(/is not valid JSON/);
  });
});

describe('keys promote', () => {
  test('a standby key moved first signs', async () => {
    const { file } = await freshFile('promote.json');
    const standby = ok(await cli(['keys', 'generate', '--add-to', file, '--standby']));
    const [newRsa] = standby.added as string[];
    const result = ok(await cli(['keys', 'promote', '--kid', String(newRsa), '--in', file]));
    expect((result.keys as Key[]).find((k) => k.kid === newRsa)?.signing).toBe(true);
  });
});

describe('keys retire', () => {
  test('removes an old key that no longer signs', async () => {
    const { file, rsaKid } = await freshFile('retire.json');
    ok(await cli(['keys', 'generate', '--add-to', file]));
    ok(await cli(['keys', 'retire', '--kid', rsaKid, '--from', file]));
    expect(kidsOf(file)).not.toContain(rsaKid);
  });

  test('refuses the key that signs now', async () => {
    const { file } = await freshFile('signing.json');
    const [newRsa] = ok(await cli(['keys', 'generate', '--add-to', file])).added as string[];
    expect(failed(await cli(['keys', 'retire', '--kid', String(newRsa), '--from', file]), 1)).toMatch(/signs now/);
  });

  test('removes the signing key with --force when another RS256 key remains', async () => {
    const { file } = await freshFile('force.json');
    const [newRsa] = ok(await cli(['keys', 'generate', '--add-to', file])).added as string[];
    ok(await cli(['keys', 'retire', '--kid', String(newRsa), '--from', file, '--force']));
    expect(kidsOf(file)).not.toContain(newRsa);
  });

  test('refuses the last RS256 key, even with --force', async () => {
    const { file, rsaKid } = await freshFile('last.json');
    expect(failed(await cli(['keys', 'retire', '--kid', rsaKid, '--from', file, '--force']), 1)).toMatch(/last RS256 key/);
  });

  test('an unknown kid is a clear error and leaves the file as it was', async () => {
    const { file } = await freshFile('unknown.json');
    const before = readFileSync(file, 'utf8');
    failed(await cli(['keys', 'retire', '--kid', 'nope', '--from', file]), 1);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  test('--kid and --from are required', async () => {
    expect(failed(await cli(['keys', 'retire']), 2)).toMatch(/--kid: is required/);
  });
});
