/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), line by line: every line is a HELP or
 * TYPE comment, or a sample `name{label="value",…} number`; anything else fails the test. Samples are keyed by name
 * and their labels, so a test can compare two scrapes.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family → its TYPE. */
  types: Map<string, string>;
  /** The value of the sample with exactly these labels (undefined when there is none). */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of a name whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// NaN in any case, as Prometheus reads it (Go's ParseFloat): prom-client writes `Nan`.
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|[Nn][Aa][Nn])';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (${VALUE})(?: -?\\d+)?$`);
const PAIR = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, 'g');
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

const unescape = (value: string): string => value.replace(/\\(["\\n])/g, (_whole, char: string) => (char === 'n' ? '\n' : char));
const key = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1] ?? '')) throw new Error(`line ${index + 1}: second TYPE for ${type[1]}`);
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    if (HELP.test(line)) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${index + 1} is not in the text format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(PAIR)) labels[pair[1] ?? ''] = unescape(pair[2] ?? '');
    const raw = sample[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw.toLowerCase() === 'nan' ? NaN : Number(raw);
    samples.push({ name: sample[1] ?? '', labels, value });
  }
  // Each sample belongs to a family declared before it (histograms add _bucket, _sum and _count).
  for (const sample of samples) {
    const family = types.has(sample.name) ? sample.name : sample.name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(family)) throw new Error(`sample ${sample.name} has no TYPE`);
  }
  const byKey = new Map(samples.map((sample) => [`${sample.name} ${key(sample.labels)}`, sample.value]));
  const find = (name: string, labels: Record<string, string> = {}): Sample[] =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value));
  return { samples, types, find, value: (name, labels = {}) => byKey.get(`${name} ${key(labels)}`) };
}
