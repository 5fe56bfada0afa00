/**
 * A memory limit for the server process, as a container gives it: a cgroup whose memory limit holds the process
 * from its first instruction (so Node sizes its heap from that limit, as it does in a container). cgroup v2 where
 * the memory controller is delegated, cgroup v1's memory hierarchy otherwise; where neither is writable, V8's
 * `--max-old-space-size` bounds the JavaScript heap instead (a weaker limit: native memory is not counted).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Wrap } from './server.ts';

export interface MemoryLimit {
  /** How the limit is enforced, for the report. */
  method: string;
  limitBytes: number;
  /** Node flags the server needs (the fallback's heap limit). */
  nodeArgs: string[];
  /** Runs the server inside the cgroup (undefined for the fallback). */
  wrap?: Wrap;
  /** The cgroup's highest memory use (RSS and page cache of the process), when the kernel reports it. */
  peakBytes(): number | undefined;
  /** The kernel's count of allocations refused at the limit (v1 failcnt / v2 events max), when reported. */
  refusals(): number | undefined;
  remove(): void;
}

const V2_ROOT = '/sys/fs/cgroup';
const V1_MEMORY = '/sys/fs/cgroup/memory';

const readNumber = (file: string): number | undefined => {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** `sh -c` writes its own pid into the cgroup, then execs node: the same pid, limited from the start. */
const joining = (procs: string): Wrap => (argv) => ['/bin/sh', '-c', `echo $$ > '${procs}' && exec "$@"`, 'sh', ...argv];

function tryCgroup(dir: string, limitFile: string, limitBytes: number): boolean {
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, limitFile), String(limitBytes));
    return true;
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // never created
    }
    return false;
  }
}

export function memoryLimit(limitBytes: number): MemoryLimit {
  const name = `poort-bench-${process.pid}`;
  const controllers = existsSync(path.join(V2_ROOT, 'cgroup.controllers')) ? readFileSync(path.join(V2_ROOT, 'cgroup.controllers'), 'utf8') : '';
  const remover = (dir: string) => () => {
    try {
      rmdirSync(dir);
    } catch {
      // still has a process (it is stopped first) or already gone
    }
  };
  const v2 = path.join(V2_ROOT, name);
  if (controllers.split(/\s+/).includes('memory') && tryCgroup(v2, 'memory.max', limitBytes)) {
    writeFileSync(path.join(v2, 'memory.swap.max'), '0', { flag: 'w' });
    return {
      method: `cgroup v2 memory.max = ${limitBytes / 2 ** 20} MiB`,
      limitBytes,
      nodeArgs: [],
      wrap: joining(path.join(v2, 'cgroup.procs')),
      peakBytes: () => readNumber(path.join(v2, 'memory.peak')),
      refusals: () => {
        const events = existsSync(path.join(v2, 'memory.events')) ? readFileSync(path.join(v2, 'memory.events'), 'utf8') : '';
        const max = /^max (\d+)$/m.exec(events)?.[1];
        return max === undefined ? undefined : Number(max);
      },
      remove: remover(v2),
    };
  }
  const v1 = path.join(V1_MEMORY, name);
  if (existsSync(V1_MEMORY) && tryCgroup(v1, 'memory.limit_in_bytes', limitBytes)) {
    return {
      method: `cgroup v1 memory.limit_in_bytes = ${limitBytes / 2 ** 20} MiB`,
      limitBytes,
      nodeArgs: [],
      wrap: joining(path.join(v1, 'cgroup.procs')),
      peakBytes: () => readNumber(path.join(v1, 'memory.max_usage_in_bytes')),
      refusals: () => readNumber(path.join(v1, 'memory.failcnt')),
      remove: remover(v1),
    };
  }
  // No cgroup to write: bound V8's old generation to what a 256 MB container would leave it.
  const heapMb = Math.floor((limitBytes / 2 ** 20) / 2);
  return {
    method: `no writable cgroup: --max-old-space-size=${heapMb} (the JavaScript heap only)`,
    limitBytes,
    nodeArgs: [`--max-old-space-size=${heapMb}`],
    peakBytes: () => undefined,
    refusals: () => undefined,
    remove: () => undefined,
  };
}
