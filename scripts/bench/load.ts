/**
 * Runs one measured phase: `total` operations by `concurrency` workers (each worker does one at a time), stopping
 * early at a deadline. Latency is per operation; CPU time is read for the server, the database and this process;
 * with the counting database proxy, the database commands of the phase are counted per operation.
 */
import { readFileSync } from 'node:fs';
import { commandsPerOp, type CommandCounts, type CommandsPerOp } from './db-proxy.ts';
import { processCpuMs } from './server.ts';

/**
 * After the last answer of a phase, how long to wait before the end snapshot of the command counts, so that a write
 * the server does after answering is counted with the phase that caused it (not the next one's warm-up).
 */
const COMMANDS_SETTLE_MS = 100;

/** Linux's USER_HZ, as in server.ts. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuMeter {
  /** Named processes whose CPU time is read from /proc (the server, the MongoDB stand-in, the database proxy). */
  pids: Record<string, number>;
  /** The database proxy's command counts so far (absent when commands are not counted). */
  commands?: () => Promise<CommandCounts>;
}

export interface PhaseResult {
  name: string;
  completed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU ms per operation, by process ("bench" is this load generator). */
  cpuMsPerOp: Record<string, number>;
  /** Cores kept busy during the phase by processes that are not part of the benchmark (0 on a quiet machine). */
  otherCores: number;
  /** Database commands per operation (when counted). */
  commands?: CommandsPerOp;
}

/** CPU time the whole machine has spent busy (all cores, ms), from /proc/stat. */
function machineBusyMs(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

function cpuSnapshot(meter: CpuMeter): Record<string, number> {
  const usage = process.cpuUsage();
  const snapshot: Record<string, number> = { bench: (usage.user + usage.system) / 1000, machine: machineBusyMs() };
  for (const [name, pid] of Object.entries(meter.pids)) snapshot[name] = processCpuMs(pid);
  return snapshot;
}

export async function runPhase(opts: {
  name: string;
  total: number;
  concurrency: number;
  deadlineMs: number;
  meter: CpuMeter;
  /** One operation by worker `worker`; `index` counts operations across all workers. Throws on any failure. */
  op: (worker: number, index: number) => Promise<void>;
}): Promise<PhaseResult> {
  const latencies: number[] = [];
  let next = 0;
  let failure: unknown;
  const commandsBefore = await opts.meter.commands?.();
  const before = cpuSnapshot(opts.meter);
  const started = performance.now();
  const deadline = started + opts.deadlineMs;

  const worker = async (id: number): Promise<void> => {
    while (failure === undefined && next < opts.total && performance.now() < deadline) {
      const index = next;
      next += 1;
      const t0 = performance.now();
      try {
        await opts.op(id, index);
      } catch (error) {
        failure ??= error;
        return;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, id) => worker(id)));
  const seconds = (performance.now() - started) / 1000;
  if (failure !== undefined) {
    throw new Error(`${opts.name}: operation failed after ${latencies.length} successes: ${(failure as Error).message ?? String(failure)}`);
  }
  const after = cpuSnapshot(opts.meter);
  latencies.sort((a, b) => a - b);
  const completed = latencies.length;
  let commands: CommandsPerOp | undefined;
  if (commandsBefore && opts.meter.commands) {
    await new Promise((resolve) => setTimeout(resolve, COMMANDS_SETTLE_MS));
    commands = commandsPerOp(commandsBefore, await opts.meter.commands(), completed);
  }
  const used = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0);
  const ours = Object.keys(after).filter((k) => k !== 'machine');
  const cpuMsPerOp = Object.fromEntries(ours.map((k) => [k, used(k) / Math.max(1, completed)]));
  const otherCores = Math.max(0, used('machine') - ours.reduce((sum, k) => sum + used(k), 0)) / (seconds * 1000);
  return {
    name: opts.name,
    completed,
    seconds,
    perSecond: completed / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerOp,
    otherCores,
    ...(commands ? { commands } : {}),
  };
}
