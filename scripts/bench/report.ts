/** The benchmark's results as markdown tables, each measure against its target in DESIGN.md §15. */
import type { Argon2Bound } from './argon2.ts';
import type { CommandsPerOp } from './db-proxy.ts';
import type { PhaseResult } from './load.ts';
import type { TotpStats } from './totp.ts';

export const TARGETS = {
  loginRatio: 0.85,
  grantsPerSecond: 1000,
  grantP99Ms: 50,
  peakRssBytes: 200e6,
  idleRssBytes: 120e6,
  /** Poort's own CPU per refresh rotation (ms). */
  refreshCpuMs: 3,
  coldStartMs: 1000,
  /** Database commands per operation (the driver's monitoring and connection traffic not included). */
  commandsPerLogin: 25,
  commandsPerTotpLogin: 30,
  commandsPerRefresh: 4,
  /** Poort's own CPU per login (argon2 included), in argon2 verifies measured in the same run. */
  loginCpuInVerifies: 2,
} as const;

export interface BenchResults {
  argon2: Argon2Bound;
  logins?: PhaseResult;
  /** Logins with an authenticator-app code after the password. */
  totpLogins?: PhaseResult;
  totpStats?: TotpStats;
  refresh?: PhaseResult;
  clientCredentials?: PhaseResult;
  peakRssBytes: number;
  /** VmRSS two seconds after start, before any load. */
  idleRssBytes: number;
  /** The server started again under a container's memory limit and loaded with logins and refreshes. */
  limitedRun?: LimitedRun;
  /** The cold starts judged (the compile cache filled as the image build fills it); the slowest counts. */
  coldStartsMs: number[];
  /** One start with an empty compile cache (a fresh checkout's first `npm start`): shown, not judged. */
  emptyCacheStartMs?: number;
  /** Whether the database commands were counted (by the proxy), and how that was checked; or why not. */
  commandCounting: { counted: boolean; note: string };
}

export interface LimitedRun {
  method: string;
  limitBytes: number;
  logins: number;
  refreshes: number;
  /** The first failed operation, if any. */
  failure: string | undefined;
  alive: boolean;
  peakBytes: number | undefined;
  /** Allocations the kernel refused at the limit (the cgroup's failcnt), when it reports them. */
  refusals: number | undefined;
}

const limitedOk = (run: LimitedRun | undefined): boolean => run === undefined || (run.alive && run.failure === undefined);

const refreshCpuOk = (p: PhaseResult | undefined): boolean => p?.cpuMsPerOp.server === undefined || p.cpuMsPerOp.server <= TARGETS.refreshCpuMs;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(1) : int(n));
const verdict = (ok: boolean): string => (ok ? 'pass' : '**miss**');

function grantRow(label: string, phase: PhaseResult | undefined): string[] {
  const target = `≥ ${int(TARGETS.grantsPerSecond)}/s, p99 < ${TARGETS.grantP99Ms} ms`;
  if (!phase) return [label, 'not run', target, '—'];
  const ok = phase.perSecond >= TARGETS.grantsPerSecond && phase.p99Ms < TARGETS.grantP99Ms;
  return [label, `${int(phase.perSecond)}/s (p50 ${ms(phase.p50Ms)} ms, p99 ${ms(phase.p99Ms)} ms)`, target, verdict(ok)];
}

/** A count per operation: whole numbers as such, others with one decimal. */
const perOp = (n: number): string => (Math.abs(n - Math.round(n)) < 0.05 ? String(Math.round(n)) : n.toFixed(1));

/** `find 7, update 9, …`, largest first. */
export function breakdown(counts: Record<string, number>): string {
  return Object.entries(counts).sort(([an, a], [bn, b]) => b - a || an.localeCompare(bn)).map(([name, n]) => `${name} ${perOp(n)}`).join(', ');
}

/**
 * Judged as shown, to one decimal: a cache's periodic re-read (the client, every 30 s) adds a few thousandths of a
 * command per operation, which is not a command of the operation.
 */
const withinCommands = (total: number, max: number): boolean => Math.round(total * 10) / 10 <= max;
const commandsOk = (p: PhaseResult | undefined, max: number): boolean => !p?.commands || withinCommands(p.commands.total, max);

function commandRow(label: string, phase: PhaseResult | undefined, max: number | undefined, counting: BenchResults['commandCounting']): string[] {
  const target = max === undefined ? '—' : `≤ ${max}`;
  if (!phase) return [label, 'not run', target, '—'];
  const c: CommandsPerOp | undefined = phase.commands;
  if (!c) return [label, counting.counted ? 'not counted' : `not counted (${counting.note})`, target, '—'];
  const unparsed = c.unparsed > 0 ? ` — ${c.unparsed} messages could not be read: counts incomplete` : '';
  return [label, `${c.total.toFixed(1)} (${breakdown(c.byName)})${unparsed}`, target, max === undefined ? '' : verdict(withinCommands(c.total, max) && c.unparsed === 0)];
}

function loginRow(label: string, phase: PhaseResult | undefined, argon2: Argon2Bound): string[] {
  const bound = argon2.loginsPerSecond;
  const target = `≥ ${TARGETS.loginRatio * 100} % of the argon2 bound (≥ ${(bound * TARGETS.loginRatio).toFixed(1)}/s)`;
  if (!phase) return [label, 'not run', target, '—'];
  return [label, `${phase.perSecond.toFixed(1)}/s (p50 ${ms(phase.p50Ms)} ms, p99 ${ms(phase.p99Ms)} ms) = ${Math.round((phase.perSecond / bound) * 100)} % of the bound`,
    target, verdict(phase.perSecond / bound >= TARGETS.loginRatio)];
}

function cpuRow(label: string, phase: PhaseResult | undefined, argon2: Argon2Bound): string[] {
  const target = `≤ ${TARGETS.loginCpuInVerifies} × one argon2 verify (≤ ${(TARGETS.loginCpuInVerifies * argon2.verifyMs).toFixed(1)} ms)`;
  const server = phase?.cpuMsPerOp.server;
  if (!phase || server === undefined) return [label, 'not run', target, '—'];
  return [label, `${server.toFixed(1)} ms = ${(server / argon2.verifyMs).toFixed(2)} × one verify (${argon2.verifyMs.toFixed(1)} ms)`, target,
    verdict(server <= TARGETS.loginCpuInVerifies * argon2.verifyMs)];
}

const cpuOk = (p: PhaseResult | undefined, argon2: Argon2Bound): boolean =>
  p?.cpuMsPerOp.server === undefined || p.cpuMsPerOp.server <= TARGETS.loginCpuInVerifies * argon2.verifyMs;

function limitedRow(run: LimitedRun | undefined): string[] {
  const label = `Under a ${(run?.limitBytes ?? 0) / 2 ** 20} MiB memory limit`;
  if (!run) return ['Under a memory limit', 'not run', 'no crash, no failure', '—'];
  const peak = run.peakBytes === undefined ? '' : `, peak ${(run.peakBytes / 1e6).toFixed(0)} MB`;
  const refused = run.refusals === undefined ? '' : `, ${run.refusals} allocations refused at the limit`;
  const outcome = `${int(run.logins)} logins and ${int(run.refreshes)} refreshes, ${run.alive ? 'still running' : '**died**'}${run.failure ? `, failed: ${run.failure}` : ''}${peak}${refused} (${run.method})`;
  return [label, outcome, 'no crash, no failure', verdict(limitedOk(run))];
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Whether every measure that ran met its target. */
export function allPassed(r: BenchResults): boolean {
  const grantOk = (p?: PhaseResult): boolean => !p || (p.perSecond >= TARGETS.grantsPerSecond && p.p99Ms < TARGETS.grantP99Ms);
  const loginOk = (p?: PhaseResult): boolean => !p || p.perSecond / r.argon2.loginsPerSecond >= TARGETS.loginRatio;
  const readable = [r.logins, r.totpLogins, r.refresh, r.clientCredentials].every((p) => !p?.commands || p.commands.unparsed === 0);
  return loginOk(r.logins) && loginOk(r.totpLogins) && (r.totpStats?.refused ?? 0) === 0
    && grantOk(r.refresh) && grantOk(r.clientCredentials)
    && commandsOk(r.logins, TARGETS.commandsPerLogin) && commandsOk(r.totpLogins, TARGETS.commandsPerTotpLogin)
    && commandsOk(r.refresh, TARGETS.commandsPerRefresh) && readable
    && cpuOk(r.logins, r.argon2) && cpuOk(r.totpLogins, r.argon2)
    && r.peakRssBytes <= TARGETS.peakRssBytes && r.idleRssBytes <= TARGETS.idleRssBytes && Math.max(...r.coldStartsMs) < TARGETS.coldStartMs
    && refreshCpuOk(r.refresh) && limitedOk(r.limitedRun);
}

export function renderResults(r: BenchResults): string {
  const bound = r.argon2.loginsPerSecond;
  const cold = Math.max(...r.coldStartsMs);
  const coldDetail = `${r.coldStartsMs.map((v) => int(v)).join(', ')} ms with the compile cache the image build fills`
    + (r.emptyCacheStartMs === undefined ? '' : `; with an empty cache (a fresh checkout's first start, not judged) ${int(r.emptyCacheStartMs)} ms`);
  const counting = r.commandCounting;
  const results = table(['Measure', 'Result', 'Target', ''], [
    loginRow('Full interactive logins', r.logins, r.argon2),
    loginRow('Logins with an authenticator-app code', r.totpLogins, r.argon2),
    cpuRow('Poort CPU per password login', r.logins, r.argon2),
    cpuRow('Poort CPU per login with a code', r.totpLogins, r.argon2),
    ['argon2 bound', `${r.argon2.cores} cores ÷ ${r.argon2.verifyMs.toFixed(1)} ms per verify = ${bound.toFixed(1)} logins/s (${r.argon2.cores} verifies side by side: ${r.argon2.sideBySidePerSecond.toFixed(1)}/s)`, '—', ''],
    grantRow('Refresh-token grants', r.refresh),
    grantRow('Client-credentials grants', r.clientCredentials),
    ['Peak RSS of the server', `${(r.peakRssBytes / 1e6).toFixed(0)} MB`, `≤ ${TARGETS.peakRssBytes / 1e6} MB`, verdict(r.peakRssBytes <= TARGETS.peakRssBytes)],
    ['Idle RSS (2 s after start, before any load)', `${(r.idleRssBytes / 1e6).toFixed(0)} MB`, `≤ ${TARGETS.idleRssBytes / 1e6} MB`, verdict(r.idleRssBytes <= TARGETS.idleRssBytes)],
    limitedRow(r.limitedRun),
    ['Poort CPU per refresh rotation', r.refresh?.cpuMsPerOp.server === undefined ? 'not run' : `${ms(r.refresh.cpuMsPerOp.server)} ms`, `≤ ${TARGETS.refreshCpuMs} ms`,
      r.refresh?.cpuMsPerOp.server === undefined ? '—' : verdict(refreshCpuOk(r.refresh))],
    ['Cold start (spawn → discovery 200)', `${coldDetail}`, `< ${int(TARGETS.coldStartMs)} ms (slowest)`, verdict(cold < TARGETS.coldStartMs)],
    commandRow('Database commands per password login', r.logins, TARGETS.commandsPerLogin, counting),
    commandRow('Database commands per login with a code', r.totpLogins, TARGETS.commandsPerTotpLogin, counting),
    commandRow('Database commands per refresh rotation', r.refresh, TARGETS.commandsPerRefresh, counting),
    commandRow('Database commands per client-credentials grant', r.clientCredentials, undefined, counting),
  ]);
  const totp = r.totpStats && r.totpLogins
    ? `\nAuthenticator-app codes: ${int(r.totpStats.codes)} posted (warm-up included), ${r.totpStats.refused} refused; `
      + (r.totpStats.waits === 0 ? 'no login waited for an account free in the current 30 s step.\n'
        : `**${r.totpStats.waits} times a login waited for an account free in the current 30 s step (${int(r.totpStats.waitedMs)} ms in all): raise --totp-accounts; the rate and latencies of that phase are too low.**\n`)
    : '';

  const phases = [r.logins, r.totpLogins, r.refresh, r.clientCredentials].filter((p): p is PhaseResult => p !== undefined);
  const cores = r.argon2.cores;
  const proxied = phases.some((p) => p.cpuMsPerOp.proxy !== undefined);
  const cpu = table(['Phase', 'Operations', 'Seconds', 'Poort CPU ms/op', 'MongoDB CPU ms/op', ...(proxied ? ['DB proxy CPU ms/op'] : []), 'Load generator CPU ms/op', 'Other processes (cores)', `Poort alone on ${cores} cores (estimate)`],
    phases.map((p) => {
      const server = p.cpuMsPerOp.server ?? Number.NaN;
      return [p.name, int(p.completed), p.seconds.toFixed(1), ms(server),
        p.cpuMsPerOp.mongodb === undefined ? 'n/a' : ms(p.cpuMsPerOp.mongodb),
        ...(proxied ? [p.cpuMsPerOp.proxy === undefined ? 'n/a' : ms(p.cpuMsPerOp.proxy)] : []),
        ms(p.cpuMsPerOp.bench ?? Number.NaN), p.otherCores.toFixed(2), `${int((cores * 1000) / server)}/s`];
    }));
  const shareOf = (label: string, p?: PhaseResult): string => (p?.cpuMsPerOp.server
    ? `argon2 share of Poort's own CPU per ${label}: ${r.argon2.verifyMs.toFixed(1)} ms of ${p.cpuMsPerOp.server.toFixed(1)} ms = ${Math.round((r.argon2.verifyMs / p.cpuMsPerOp.server) * 100)} %\n`
    : '');
  const share = shareOf('login', r.logins) + shareOf('login with a code', r.totpLogins);

  const counted = phases.filter((p) => p.commands);
  const byCollection = counted.length === 0 ? `\nDatabase commands: not counted (${counting.note}).\n` : `
Database commands per operation, by collection (${counting.note}):

${table(['Phase', 'Collection', 'Commands per operation'], counted.flatMap((p) => Object.entries((p.commands as CommandsPerOp).byCollection)
    .map(([collection, names]) => [collection, names, Object.values(names).reduce((a, b) => a + b, 0)] as const)
    .sort(([ac, , a], [bc, , b]) => b - a || ac.localeCompare(bc))
    .map(([collection, names, sum], i) => [i === 0 ? p.name : '', collection, `${perOp(sum)} (${breakdown(names)})`])))}

The driver's own traffic in each phase (server monitoring, connection set-up; not in the counts above): ${counted.map((p) => `${p.name}: ${breakdown((p.commands as CommandsPerOp).monitoring) || 'none'}`).join('; ')}.
`;
  return `${results}\n${totp}\nCPU time per operation (all processes share the same ${cores} cores; "other processes" should be near 0; the last column is ${cores} cores ÷ Poort's CPU per operation, what Poort could do with the database and the clients on other machines):\n\n${cpu}\n\n${share}${byCollection}`;
}
