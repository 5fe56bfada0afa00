/**
 * Poort as an operating-system process of its own, started the way `npm start` does (`node src/main.ts`) with exactly
 * the environment given (plus PATH): for tests that need several independent Poort nodes, which share nothing but
 * their database and their configuration. In-process Poorts (poort.ts) share a Node process and could share memory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateJwks } from '../../config/load.ts';
import { freePort } from './poort.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
/** Output kept per stream for error messages: the end of it, which is where a failure shows. */
const KEEP_CHARS = 64 * 1024;

/**
 * What every node of one Poort must share: signing keys (an ID token signed by one node is published by all),
 * cookie keys (a cookie set by one is read by another) and the encryption key (a second factor sealed by one is
 * opened by another). In test mode a node left without JWKS would make keys of its own.
 */
export interface SharedSecrets {
  JWKS: string;
  COOKIE_KEYS: string;
  ENCRYPTION_KEY: string;
}

export function sharedSecrets(): SharedSecrets {
  return {
    JWKS: JSON.stringify(generateJwks()),
    COOKIE_KEYS: 'shared-cookie-key-of-every-node-0000000001',
    ENCRYPTION_KEY: Buffer.alloc(32, 42).toString('base64'),
  };
}

export interface PoortProcess {
  /** A name for messages (e.g. "A"). */
  name: string;
  child: ChildProcessWithoutNullStreams;
  port: number;
  /** Where the node itself listens, e.g. http://127.0.0.1:41234 (its ISSUER may be a proxy in front of it). */
  address: string;
  /** The end of what it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM (Poort's graceful stop), SIGKILL when it has not exited within `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface PoortProcessOptions {
  name?: string;
  /** The longest wait until /healthz answers (default 30 s: the first start compiles Poort's modules). */
  timeoutMs?: number;
}

/** Children not stopped yet: killed when the test process exits, whatever happened to the test. */
const running = new Set<ChildProcessWithoutNullStreams>();
let exitHook = false;

const exited = (child: ChildProcessWithoutNullStreams): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * Starts `node src/main.ts` with `env` (PORT: a free port unless given) and resolves once its /healthz answers 200.
 * Rejects, with the end of its output, when it exits or does not answer in time; it is killed then.
 */
export async function startPoortProcess(env: Record<string, string>, options: PoortProcessOptions = {}): Promise<PoortProcess> {
  const name = options.name ?? 'poort';
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(NODE, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, ...env, PORT: String(port) } });
  running.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const left of running) if (!exited(left)) left.kill('SIGKILL');
    });
  }
  let stdout = '';
  let stderr = '';
  // Read both streams all the time: a child whose pipe is full blocks on its next log line.
  child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-KEEP_CHARS)));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-KEEP_CHARS)));
  const closed = new Promise<void>((resolve) => child.once('close', () => {
    running.delete(child);
    resolve();
  }));
  const address = `http://127.0.0.1:${port}`;

  const stop = async (graceMs = 15_000): Promise<void> => {
    if (exited(child)) return closed;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await closed;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const describe = (): string => `\n--- stdout of ${name} ---\n${stdout.slice(-4000)}\n--- stderr of ${name} ---\n${stderr.slice(-4000)}`;
  for (;;) {
    if (exited(child)) {
      await closed;
      throw new Error(`Poort ${name} exited (${child.exitCode ?? child.signalCode}) before it answered${describe()}`);
    }
    try {
      const health = await fetch(`${address}/healthz`, { signal: AbortSignal.timeout(1000) });
      await health.body?.cancel();
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(0);
      throw new Error(`Poort ${name} did not answer /healthz within ${options.timeoutMs ?? 30_000} ms${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, child, port, address, stdout: () => stdout, stderr: () => stderr, stop };
}
