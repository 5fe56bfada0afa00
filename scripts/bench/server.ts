/**
 * Poort under test, as its own process (`node src/main.ts`), so its CPU time and peak RSS can be read from /proc.
 * Cold start = spawn → discovery answering 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
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

export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

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

export async function startServerProcess(opts: { env: Record<string, string>; issuer: string; nodeArgs?: string[] }): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: opts.env,
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
