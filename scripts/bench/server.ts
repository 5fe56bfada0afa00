/**
 * Poort under test, as its own process started with the production start command (package.json "start", which the
 * Dockerfile's CMD repeats), so its CPU time and peak RSS can be read from /proc. Cold start = spawn → discovery
 * answering 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `npm start`'s command, read from package.json: its environment settings, then node's flags and the entry file. */
export function startCommand(): { env: Record<string, string>; args: string[] } {
  const manifest = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts?: { start?: string } };
  const words = (manifest.scripts?.start ?? '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name = '', ...value] = (words.shift() as string).split('=');
    env[name] = value.join('=');
  }
  const [command, ...args] = words;
  if (command !== 'node' || args.length === 0) throw new Error('package.json "start" must be "[NAME=value …] node [flags] <entry>"');
  return { env, args };
}
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 5;
/** Longer than the server's own drain (src/server.ts), then SIGKILL. */
const STOP_GRACE_MS = 12_000;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every common platform. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ServerProcess {
  pid: number;
  coldStartMs: number;
  /** VmHWM: the highest resident set size the process has had. */
  peakRssBytes(): number;
  /** VmRSS: the resident set size now. */
  rssBytes(): number;
  /** Whether the process is still running (it did not crash). */
  alive(): boolean;
  /** User + system CPU time used so far, all threads. */
  cpuMs(): number;
  /** The last lines the server wrote (its warnings, or why it died). */
  output(): string;
  stop(): Promise<void>;
}

/** CPU time (user + system, all threads) of a live process, in ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime (14) and stime (15) are indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

export const peakRssBytes = (pid: number): number => statusField(pid, 'VmHWM');
export const rssBytes = (pid: number): number => statusField(pid, 'VmRSS');

/** Servers still running when this process exits (however it exits) are killed, so none outlives the benchmark. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** `node src/start.js --fill-compile-cache` with the server's environment: what the image build runs (Dockerfile). */
export async function fillCompileCache(env: Record<string, string>): Promise<void> {
  const [entry = 'src/start.js'] = startCommand().args.slice(-1);
  const child = spawn(process.execPath, [entry, '--fill-compile-cache'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-2000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`filling the compile cache failed (${code}):\n${errors.trim()}`);
}

/** A command that runs `argv` (node and its arguments) inside something, e.g. a memory-limited cgroup (limit.ts). */
export type Wrap = (argv: string[]) => string[];

export async function startServerProcess(opts: { env: Record<string, string>; issuer: string; nodeArgs?: string[]; wrap?: Wrap }): Promise<ServerProcess> {
  const started = performance.now();
  const start = startCommand();
  const argv = [process.execPath, ...(opts.nodeArgs ?? []), ...start.args];
  const [command = process.execPath, ...args] = opts.wrap ? opts.wrap(argv) : argv;
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...start.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child);
    resolve();
  }));
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the Poort server process');

  const discovery = `${opts.issuer}/.well-known/openid-configuration`;
  let coldStartMs: number | undefined;
  while (coldStartMs === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Poort exited during start (${child.exitCode ?? child.signalCode}):\n${output.trim()}`);
    }
    if (performance.now() - started > READY_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`Poort did not answer discovery within ${READY_TIMEOUT_MS / 1000} s:\n${output.trim()}`);
    }
    if ((await statusOf(discovery)) === 200) coldStartMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }

  let stopping: Promise<void> | undefined;
  return {
    pid,
    coldStartMs,
    peakRssBytes: () => peakRssBytes(pid),
    rssBytes: () => rssBytes(pid),
    alive: () => child.exitCode === null && child.signalCode === null,
    cpuMs: () => processCpuMs(pid),
    output: () => output.trim(),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
