/**
 * createMetrics: a registry of its own per call, counters whose series exist from the start, and label values only
 * from closed sets — whatever a caller passes that is not in a set is counted as `other` (or not at all), never as
 * itself. NO_METRICS records nothing.
 */
import { register as globalRegistry } from 'prom-client';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics.ts';
import { NO_METRICS, type Recorder } from '../../../src/metrics/recorder.ts';

const FACTORS = ['totp', 'sms', 'recovery'];

async function values(metrics: Metrics, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels: labels as Record<string, string | number>, value }));
}

async function value(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  return (await values(metrics, name)).find((entry) => Object.entries(labels).every(([key, wanted]) => String(entry.labels[key]) === wanted))?.value;
}

test('each call has its own registry; the global one stays empty', async () => {
  const one = createMetrics({ factors: FACTORS });
  const two = createMetrics({ factors: FACTORS });
  expect(one.registry).not.toBe(two.registry);
  one.login('success');
  expect(await value(one, 'poort_logins_total', { outcome: 'success' })).toBe(1);
  expect(await value(two, 'poort_logins_total', { outcome: 'success' })).toBe(0);
  expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
});

test('every counter series exists at 0 before anything happened', async () => {
  const metrics = createMetrics({ factors: FACTORS });
  const logins = await values(metrics, 'poort_logins_total');
  expect(logins.map((entry) => entry.labels.outcome).sort()).toEqual(['locked', 'success', 'throttled', 'wrong_password']);
  expect(logins.every((entry) => entry.value === 0)).toBe(true);
  expect(await values(metrics, 'poort_second_factor_checks_total')).toHaveLength(FACTORS.length * 4);
  expect(await values(metrics, 'poort_second_factor_enrolments_total')).toHaveLength(FACTORS.length * 3);
  expect((await values(metrics, 'poort_second_factor_resets_total')).map((entry) => entry.labels.actor).sort())
    .toEqual(['client', 'manager', 'operator', 'professional']);
  expect((await values(metrics, 'poort_tokens_issued_total')).map((entry) => entry.labels.grant_type).sort())
    .toEqual(['authorization_code', 'client_credentials', 'other', 'refresh_token']);
});

test('label values outside their closed sets never become labels', async () => {
  const metrics = createMetrics({ factors: FACTORS });
  metrics.tokenIssued('urn:example:made-up');
  metrics.tokenIssued(undefined);
  metrics.tokenRefused('<script>');
  metrics.httpRequest('PROPFIND', '/interaction/:uid', 200, 0.01);
  metrics.httpRequest('GET', undefined, 404, 0.001);
  metrics.httpRequest('GET', /regexp/, 404, 0.001);
  metrics.databaseCommand('someNewCommand', false, 0.002);
  metrics.secondFactorCheck('made-up-factor', 'success');
  metrics.enrolment('made-up-factor', 'started');

  expect(await value(metrics, 'poort_tokens_issued_total', { grant_type: 'other' })).toBe(2);
  expect(await value(metrics, 'poort_token_errors_total', { error: 'other' })).toBe(1);
  const text = await metrics.registry.metrics();
  for (const raw of ['urn:example', '<script>', 'PROPFIND', 'regexp', 'someNewCommand', 'made-up-factor']) expect(text).not.toContain(raw);
  expect(text).toContain('poort_http_request_duration_seconds_count{method="other",route="/interaction/:uid",status="200"} 1');
  expect(text).toContain('poort_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 2');
  expect(text).toContain('poort_db_command_duration_seconds_count{command="other",outcome="error"} 1');
});

test('the argon2 gauges read the hasher on each scrape', async () => {
  const metrics = createMetrics({ factors: FACTORS });
  expect(await value(metrics, 'poort_argon2_running', {})).toBe(0);
  let load = { running: 3, waiting: 7 };
  metrics.watchHashing(() => load);
  expect(await value(metrics, 'poort_argon2_running', {})).toBe(3);
  expect(await value(metrics, 'poort_argon2_waiting', {})).toBe(7);
  load = { running: 1, waiting: 0 };
  expect(await value(metrics, 'poort_argon2_waiting', {})).toBe(0);
});

test('process metrics are in the registry', async () => {
  const text = await createMetrics({ factors: FACTORS }).registry.metrics();
  expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
});

test('NO_METRICS has every recording function and does nothing', () => {
  const recorded = createMetrics({ factors: FACTORS });
  const names = Object.keys(NO_METRICS).sort();
  // Every function of the real recorder (besides the registry and the hasher) has its no-op.
  expect(Object.keys(recorded).filter((key) => key !== 'registry' && key !== 'watchHashing').sort()).toEqual(names);
  for (const name of names) expect((NO_METRICS[name as keyof Recorder] as (...args: unknown[]) => unknown)('x', 'y', 1, 1)).toBeUndefined();
  expect(Object.isFrozen(NO_METRICS)).toBe(true);
});
