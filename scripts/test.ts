/**
 * `npm test`: the type check, then every jest test. Extra arguments go to jest, e.g.
 *
 *   npm test -- test/unit
 *   npm test -- --json --outputFile=/tmp/results.json
 *
 * A failed type check ends the run with its exit code; jest does not run then.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** Runs a command in the repo root with inherited stdio; resolves with its exit code (128 + n after a signal). */
function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15));
    });
  });
}

async function main(jestArgs: string[]): Promise<number> {
  const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
  console.error('typecheck: tsc --noEmit -p .');
  const typecheck = await run(tsc, ['--noEmit', '-p', '.']);
  if (typecheck !== 0) {
    console.error(`typecheck failed (exit code ${typecheck}): jest was not run`);
    return typecheck;
  }
  const jest = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
  return run(process.execPath, ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, ...jestArgs]);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
