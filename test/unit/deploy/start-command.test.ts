/**
 * One start command: `npm start` (what the benchmark measures) and the image's CMD run Poort with the same flags and
 * entry, and the image fills the compile cache its containers start from.
 */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, ROOT), 'utf8');

const dockerfile = read('Dockerfile');
const instruction = (name: string): string[] =>
  dockerfile.replace(/\\\n/g, ' ').split('\n').filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());

test('the Dockerfile runs package.json "start": its environment in ENV, its command as CMD, flag for flag', () => {
  const words = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  const settings = words.filter((word) => /^[A-Z_][A-Z0-9_]*=/.test(word));
  const start = words.slice(settings.length);
  const cmd = instruction('CMD');
  expect(cmd).toHaveLength(1);
  expect(JSON.parse(cmd[0] as string)).toEqual(start);
  expect(start.at(-1)).toBe('src/start.js');
  expect(settings).toEqual(['MALLOC_ARENA_MAX=1']);
  const env = instruction('ENV').join(' ').split(/\s+/);
  for (const setting of settings) expect(env).toContain(setting);
});

test('the image fills the compile cache, where NODE_COMPILE_CACHE points, before it drops root', () => {
  expect(dockerfile).toMatch(/NODE_COMPILE_CACHE=\/app\/\.compile-cache/);
  const lines = dockerfile.split('\n');
  const fill = lines.findIndex((line) => line === 'RUN ["node", "src/start.js", "--fill-compile-cache"]');
  const user = lines.findIndex((line) => line.startsWith('USER '));
  expect(fill).toBeGreaterThan(-1);
  expect(fill).toBeLessThan(user);
  expect(lines.findIndex((line) => line.startsWith('COPY src '))).toBeLessThan(fill);
});
