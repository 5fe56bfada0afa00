/** Runs the operator CLI as a real child process, as an operator would, and reads its JSON answer or its error. */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NODE = `${ROOT}node_modules/.bin/node`;
/** V8's compile cache for the CLI's processes (hundreds of starts per run): each parses Poort's modules once. */
const COMPILE_CACHE = join(tmpdir(), 'poort-test-compile-cache');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI bound to one database; each run gets a clean environment (only what is given here, and the compile cache). */
export function cliFor(mongodbUri: string) {
  return (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(NODE, ['src/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: COMPILE_CACHE, NODE_ENV: 'test', MONGODB_URI: mongodbUri, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}

/** A successful run: exit 0, nothing on stderr, one JSON document on stdout. */
export function ok(run: Run): Record<string, unknown> {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** A failed run: the exit code, nothing on stdout, an `error:` line on stderr without a stack trace. */
export function failed(run: Run, code: number): string {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
  expect(run.stderr).toMatch(/^error: /);
  expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  return run.stderr;
}
