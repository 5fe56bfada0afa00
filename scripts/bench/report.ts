/** The benchmark's results as markdown tables, each measure against its target in DESIGN.md §15. */
import type { Argon2Bound } from './argon2.ts';
import type { PhaseResult } from './load.ts';

export const TARGETS = {
  loginRatio: 0.85,
  grantsPerSecond: 1000,
  grantP99Ms: 50,
  peakRssBytes: 150e6,
  coldStartMs: 1000,
} as const;

export interface BenchResults {
  argon2: Argon2Bound;
  logins?: PhaseResult;
  refresh?: PhaseResult;
  clientCredentials?: PhaseResult;
  peakRssBytes: number;
  /** Every cold start measured, the first with an empty compile cache; the one judged is the slowest. */
  coldStartsMs: number[];
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(1) : int(n));
const verdict = (ok: boolean): string => (ok ? 'pass' : '**miss**');

function grantRow(label: string, phase: PhaseResult | undefined): string[] {
  const target = `≥ ${int(TARGETS.grantsPerSecond)}/s, p99 < ${TARGETS.grantP99Ms} ms`;
  if (!phase) return [label, 'not run', target, '—'];
  const ok = phase.perSecond >= TARGETS.grantsPerSecond && phase.p99Ms < TARGETS.grantP99Ms;
  return [label, `${int(phase.perSecond)}/s (p50 ${ms(phase.p50Ms)} ms, p99 ${ms(phase.p99Ms)} ms)`, target, verdict(ok)];
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Whether every measure that ran met its target. */
export function allPassed(r: BenchResults): boolean {
  const grantOk = (p?: PhaseResult): boolean => !p || (p.perSecond >= TARGETS.grantsPerSecond && p.p99Ms < TARGETS.grantP99Ms);
  return (!r.logins || r.logins.perSecond / r.argon2.loginsPerSecond >= TARGETS.loginRatio)
    && grantOk(r.refresh) && grantOk(r.clientCredentials)
    && r.peakRssBytes < TARGETS.peakRssBytes && Math.max(...r.coldStartsMs) < TARGETS.coldStartMs;
}

export function renderResults(r: BenchResults): string {
  const bound = r.argon2.loginsPerSecond;
  const loginTarget = `≥ ${TARGETS.loginRatio * 100} % of the argon2 bound (≥ ${(bound * TARGETS.loginRatio).toFixed(1)}/s)`;
  const loginRow = r.logins
    ? ['Full interactive logins', `${r.logins.perSecond.toFixed(1)}/s (p50 ${ms(r.logins.p50Ms)} ms, p99 ${ms(r.logins.p99Ms)} ms) = ${Math.round((r.logins.perSecond / bound) * 100)} % of the bound`,
      loginTarget, verdict(r.logins.perSecond / bound >= TARGETS.loginRatio)]
    : ['Full interactive logins', 'not run', loginTarget, '—'];
  const cold = Math.max(...r.coldStartsMs);
  const [first = Number.NaN, ...restarts] = r.coldStartsMs;
  const coldDetail = `first start (empty compile cache) ${int(first)} ms${restarts.length ? `, restarts ${restarts.map((v) => int(v)).join(', ')} ms` : ''}`;
  const results = table(['Measure', 'Result', 'Target', ''], [
    loginRow,
    ['argon2 bound', `${r.argon2.cores} cores ÷ ${r.argon2.verifyMs.toFixed(1)} ms per verify = ${bound.toFixed(1)} logins/s (${r.argon2.cores} verifies side by side: ${r.argon2.sideBySidePerSecond.toFixed(1)}/s)`, '—', ''],
    grantRow('Refresh-token grants', r.refresh),
    grantRow('Client-credentials grants', r.clientCredentials),
    ['Peak RSS of the server', `${(r.peakRssBytes / 1e6).toFixed(0)} MB`, `< ${TARGETS.peakRssBytes / 1e6} MB`, verdict(r.peakRssBytes < TARGETS.peakRssBytes)],
    ['Cold start (spawn → discovery 200)', `${coldDetail}`, `< ${int(TARGETS.coldStartMs)} ms (slowest)`, verdict(cold < TARGETS.coldStartMs)],
  ]);

  const phases = [r.logins, r.refresh, r.clientCredentials].filter((p): p is PhaseResult => p !== undefined);
  const cores = r.argon2.cores;
  const cpu = table(['Phase', 'Operations', 'Seconds', 'Poort CPU ms/op', 'MongoDB CPU ms/op', 'Load generator CPU ms/op', 'Other processes (cores)', `Poort alone on ${cores} cores (estimate)`],
    phases.map((p) => {
      const server = p.cpuMsPerOp.server ?? Number.NaN;
      return [p.name, int(p.completed), p.seconds.toFixed(1), ms(server),
        p.cpuMsPerOp.mongodb === undefined ? 'n/a' : ms(p.cpuMsPerOp.mongodb), ms(p.cpuMsPerOp.bench ?? Number.NaN),
        p.otherCores.toFixed(2), `${int((cores * 1000) / server)}/s`];
    }));
  const share = r.logins?.cpuMsPerOp.server
    ? `\nargon2 share of Poort's own CPU per login: ${r.argon2.verifyMs.toFixed(1)} ms of ${r.logins.cpuMsPerOp.server.toFixed(1)} ms = ${Math.round((r.argon2.verifyMs / r.logins.cpuMsPerOp.server) * 100)} %\n`
    : '';
  return `${results}\n\nCPU time per operation (all processes share the same ${cores} cores; "other processes" should be near 0; the last column is ${cores} cores ÷ Poort's CPU per operation, what Poort could do with the database and the clients on other machines):\n\n${cpu}\n${share}`;
}
