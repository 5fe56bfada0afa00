/**
 * The MongoDB stand-in for dev and tests: mongo-java-server (tools/mongo-standin) run as a child JVM.
 * This module is the only owner of that process: it builds it (Maven + javac, cached by a stamp),
 * starts it, waits for its "ready" line and stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type StandinBackend = 'memory' | 'h2';
export interface MongoStandin {
  /** `mongodb://127.0.0.1:<port>`, without a database name. */
  uri: string;
  pid: number;
  /** SIGTERM, then SIGKILL if the JVM has not exited after 5 s. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  backend: StandinBackend;
  /** H2 data file (required for `h2`); a relative path is resolved against the repo root. */
  dataFile?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

const MISSING_TOOLS = 'The MongoDB stand-in needs Java 17+ and Maven: install them or set MONGODB_URI to a real MongoDB';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
/** How long to wait for another process's build; an older lock is considered stale. */
const LOCK_WAIT_MS = 180_000;
/** Bump when the build commands below change, so existing builds are redone. */
const BUILD_LAYOUT = '1';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const standinDir = path.join(repoRoot, 'tools', 'mongo-standin');
const pomFile = path.join(standinDir, 'pom.xml');
const javaSource = path.join(standinDir, 'src', 'MongoStandin.java');
const targetDir = path.join(standinDir, 'target');
const libDir = path.join(targetDir, 'lib');
const classesDir = path.join(targetDir, 'classes');
const stampFile = path.join(targetDir, 'build.stamp');
const lockDir = path.join(targetDir, 'build.lock');
const mainClass = 'poort.MongoStandin';
const classFile = path.join(classesDir, 'poort', 'MongoStandin.class');

/** Runs a build tool, collecting stdout+stderr; a missing executable becomes the "install Java/Maven" error. */
function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new Error(`${MISSING_TOOLS} (\`${command}\` was not found on PATH)`) : err);
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Fails early (before anything is deleted) when javac < 17 or Maven is missing. */
async function checkBuildTools(): Promise<void> {
  const [javac, mvn] = await Promise.all([run('javac', ['-version']), run('mvn', ['-B', '-v'])]);
  const major = Number(/javac (\d+)/.exec(javac.output)?.[1] ?? NaN);
  if (javac.code !== 0 || !(major >= 17)) {
    throw new Error(`${MISSING_TOOLS} (\`javac -version\` said: ${tail(javac.output, 3) || `exit code ${javac.code}`})`);
  }
  if (mvn.code !== 0) throw new Error(`${MISSING_TOOLS} (\`mvn -v\` failed: ${tail(mvn.output, 3)})`);
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256').update(`layout ${BUILD_LAYOUT}\0`);
  hash.update(await readFile(pomFile)).update('\0').update(await readFile(javaSource));
  return hash.digest('hex');
}

async function isUpToDate(hash: string): Promise<boolean> {
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  return stamp.trim() === hash && existsSync(classFile) && existsSync(libDir);
}

/** Serialises builds across processes (e.g. a dev server and a test run) with a lock directory. */
async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const lockedAt = (await stat(lockDir).catch(() => undefined))?.mtimeMs ?? 0;
      if (Date.now() - lockedAt > LOCK_WAIT_MS) await rm(lockDir, { recursive: true, force: true }); // stale
      else if (Date.now() > deadline) throw new Error(`mongo stand-in: another build still holds ${lockDir}`);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function build(log: (line: string) => void): Promise<void> {
  const hash = await sourceHash();
  if (await isUpToDate(hash)) return;
  await withBuildLock(async () => {
    if (await isUpToDate(hash)) return; // built by another process meanwhile
    await buildLocked(hash, log);
  });
}

async function buildLocked(hash: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  log('mongo stand-in: building (Maven dependencies + javac)...');
  await checkBuildTools();
  // Start clean so that jars of an older pom.xml never stay on the classpath.
  await rm(stampFile, { force: true });
  await rm(libDir, { recursive: true, force: true });
  await rm(classesDir, { recursive: true, force: true });

  const mvn = await run('mvn', ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`]);
  if (mvn.code !== 0) {
    throw new Error(`mongo stand-in: Maven could not fetch the dependencies (exit code ${mvn.code}):\n${tail(mvn.output)}`);
  }
  const javac = await run('javac', ['-d', classesDir, '-cp', path.join(libDir, '*'), javaSource]);
  if (javac.code !== 0) {
    throw new Error(`mongo stand-in: javac failed (exit code ${javac.code}):\n${tail(javac.output)}`);
  }
  await writeFile(stampFile, `${hash}\n`);
  log(`mongo stand-in: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

let building: Promise<void> | undefined;

/** Builds tools/mongo-standin into its git-ignored target/ directory unless it is already up to date. */
export function ensureStandinBuilt(opts: { log?: (line: string) => void } = {}): Promise<void> {
  // One build at a time within this process; a failed build may be retried by the next call.
  building ??= build(opts.log ?? (() => {})).finally(() => {
    building = undefined;
  });
  return building;
}

/**
 * Children still running when this Node process exits without stopping them get a SIGTERM (not
 * SIGKILL, so H2 still flushes its file); a parent that dies by SIGKILL is caught by --parent-pid.
 */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGTERM');
    });
  }
}

/** Starts a stand-in (building it first if needed) and resolves once it accepts connections. */
export async function startMongoStandin(opts: StartOptions): Promise<MongoStandin> {
  const log = opts.log ?? (() => {});
  const args = ['--backend', opts.backend, '--port', String(opts.port ?? 0)];
  if (opts.backend === 'h2') {
    if (!opts.dataFile) throw new Error('mongo stand-in: the h2 backend needs a dataFile');
    args.push('--file', path.resolve(repoRoot, opts.dataFile));
  } else if (opts.dataFile) {
    throw new Error('mongo stand-in: dataFile is only used by the h2 backend');
  }
  // The stand-in also exits by itself if this Node process dies without stopping it (e.g. SIGKILL).
  args.push('--parent-pid', String(process.pid));

  await ensureStandinBuilt({ log });

  const started = Date.now();
  const classpath = [classesDir, path.join(libDir, '*')].join(path.delimiter);
  const child = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', classpath, mainClass, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);

  let stderr = '';
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr = tail(`${stderr}\n${line}`, 40);
    log(`mongo stand-in: ${line}`);
  });
  const stdout = createInterface({ input: child.stdout });
  const uri = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      cleanup();
      child.kill('SIGKILL');
      const details = stderr.trim() ? `\nstderr (last lines):\n${stderr.trim()}` : '';
      reject(new Error(`mongo stand-in (${opts.backend}): ${message}${details}`));
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(err.code === 'ENOENT' ? `${MISSING_TOOLS} (\`java\` was not found on PATH)` : String(err));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      // Give the stderr reader a moment to collect the JVM's last words.
      setTimeout(() => fail(`exited before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})`), 50);
    };
    const timer = setTimeout(() => fail(`no "ready" line within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
    };
    child.on('error', onError);
    child.on('exit', onExit);
    stdout.on('line', (line) => {
      const match = /^ready (mongodb:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (settled || !match?.[1]) {
        log(`mongo stand-in: ${line}`);
        return;
      }
      settled = true;
      cleanup();
      resolve(match[1]);
    });
  });
  log(`mongo stand-in (${opts.backend}) ready at ${uri} after ${Date.now() - started} ms`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        log(`mongo stand-in: no exit ${STOP_GRACE_MS / 1000} s after SIGTERM, sending SIGKILL`);
        child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  return { uri, pid: child.pid!, stop };
}
