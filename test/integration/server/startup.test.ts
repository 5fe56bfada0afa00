/**
 * `node src/main.ts` as an operator runs it: refusing bad configuration, failing clearly without a database, and a
 * healthy server that logs JSON and shuts down gracefully on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { generateJwks } from '../../../config/load.ts';
import { testDatabaseUri } from '../../support/database.ts';
import { freePort } from '../../support/poort.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const STACK_FRAME = /\n\s+at .*:\d+:\d+/;

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exited>;
  /** Resolves with the first parsed stdout JSON line matching `predicate`. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts Poort with exactly `env` (plus PATH), as `npm start` would. */
function start(env: Record<string, string>): Running {
  const child = spawn(NODE, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exited>((resolve) => {
    child.on('close', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const logLines = (): Record<string, unknown>[] =>
    stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLog(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = logLines().find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`Poort exited (${child.exitCode ?? child.signalCode}) before the expected log line.\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching log line within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function run(env: Record<string, string>): Promise<Exited> {
  const running = start(env);
  children.push(running.child);
  return running.exited;
}

/** The variables named at the start of each "  - NAME: problem" line. */
const namedVariables = (stderr: string): string[] => [...stderr.matchAll(/^ {2}- ([A-Z_]+): /gm)].map((m) => m[1] ?? '').sort();

describe('invalid configuration', () => {
  test('a malformed PORT and LOG_LEVEL: exit 1 naming both, no stack trace', async () => {
    const result = await run({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Invalid configuration:\n/);
    expect(namedVariables(result.stderr)).toEqual(['LOG_LEVEL', 'PORT']);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain('NaN');
    expect(result.stdout).toBe('');
  });

  test('production with nothing set: exit 1 naming every missing variable', async () => {
    const result = await run({ NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(namedVariables(result.stderr)).toEqual(['COOKIE_KEYS', 'ENCRYPTION_KEY', 'ISSUER', 'JWKS', 'MONGODB_URI', 'SMTP_URL']);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  test('production with a malformed variable still names the missing ones', async () => {
    const result = await run({ NODE_ENV: 'production', PORT: 'abc', ISSUER: 'http://login.example.org' });
    expect(result.code).toBe(1);
    expect(namedVariables(result.stderr)).toEqual(['COOKIE_KEYS', 'ENCRYPTION_KEY', 'ISSUER', 'JWKS', 'MONGODB_URI', 'PORT', 'SMTP_URL']);
    expect(result.stderr).toContain('ISSUER: must be an https URL in production');
  });

  test('development without MONGODB_URI: exit 1 pointing at npm run dev', async () => {
    const result = await run({ NODE_ENV: 'test' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MONGODB_URI');
    expect(result.stderr).toContain('npm run dev');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

test('MongoDB unreachable: exit 1 with a clear message and no stack trace', async () => {
  const result = await run({ NODE_ENV: 'test', PORT: String(await freePort()), MONGODB_URI: 'mongodb://127.0.0.1:1/poort' });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Cannot reach MongoDB at mongodb://127.0.0.1:1/poort');
  expect(result.stderr).not.toMatch(STACK_FRAME);
});

test('the port is taken: exit 1 with a clear message and no stack trace', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const result = await run({ NODE_ENV: 'test', PORT: String(port), MONGODB_URI: testDatabaseUri('startup-port') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Poort could not start');
    expect(result.stderr).toContain('EADDRINUSE');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

describe('a good production configuration', () => {
  let port: number;
  let poort: Running;
  const base = (): string => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    port = await freePort();
    poort = start({
      NODE_ENV: 'production',
      PORT: String(port),
      ISSUER: 'https://login.example.org',
      MONGODB_URI: testDatabaseUri(import.meta.url),
      SMTP_URL: 'smtp://127.0.0.1:1',
      COOKIE_KEYS: 'c'.repeat(48),
      ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      JWKS: JSON.stringify(generateJwks()),
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'info',
    });
    children.push(poort.child);
    await poort.waitForLog((line) => line.msg === 'poort listening');
  });

  test('serves /healthz and /readyz', async () => {
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  test('serves discovery for its https issuer behind a TLS-terminating proxy', async () => {
    const response = await fetch(`${base()}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ issuer: 'https://login.example.org' });
  });

  test('logs one JSON line per request, with the request id it returned', async () => {
    const response = await fetch(`${base()}/healthz?secret=abc123`);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[\w-]{8,64}$/);
    const line = await poort.waitForLog((entry) => entry.reqId === requestId);
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/healthz', status: 200, service: 'poort' });
    expect(JSON.stringify(line)).not.toContain('abc123');
    for (const text of poort.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async () => {
    // A token request whose body is still arriving when SIGTERM comes.
    const body = 'grant_type=authorization_code&code=not-a-real-code&redirect_uri=https%3A%2F%2Frp.example.org%2Fcb';
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n`
      + 'X-Forwarded-Proto: https\r\nAccept: application/json\r\n'
      + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    poort.child.kill('SIGTERM');
    await poort.waitForLog((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM');

    // New connections are refused from then on (the listening socket closes within a moment of the log line),
    // while the request in flight is still open.
    const probe = (): Promise<string> => new Promise((resolve) => {
      const attempt = connect(port, '127.0.0.1');
      attempt.once('connect', () => {
        attempt.destroy();
        resolve('connected');
      });
      attempt.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    let refused = await probe();
    for (let tries = 0; refused !== 'ECONNREFUSED' && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      refused = await probe();
    }
    expect(socket.destroyed).toBe(false);
    expect(refused).toBe('ECONNREFUSED');

    socket.write(body.slice(10));
    await ended;
    // The request in flight got its full answer (the token endpoint refuses the made-up client: 400/401 JSON).
    expect(response).toMatch(/^HTTP\/1\.1 40[01] /);
    expect(response).toContain('"error":"invalid_');

    const result = await poort.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
