/**
 * The MongoDB stand-in for dev (see src/dev/mongo-standin.ts).
 *
 *   node scripts/mongo-standin.ts build
 *   node scripts/mongo-standin.ts start [--backend memory|h2] [--file .data/poort.mv.db] [--port 27017]
 *
 * `start` stays in the foreground until SIGINT/SIGTERM. A relative --file is resolved against the repo root.
 */
import { parseArgs } from 'node:util';
import { ensureStandinBuilt, startMongoStandin, type StandinBackend } from '../src/dev/mongo-standin.ts';

const USAGE = `usage:
  node scripts/mongo-standin.ts build
  node scripts/mongo-standin.ts start [--backend memory|h2] [--file <path>] [--port <n>]`;

const log = (line: string): void => console.error(line);

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string', default: 'memory' },
      file: { type: 'string' },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || extra.length > 0 || (command !== 'build' && command !== 'start')) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }

  if (command === 'build') {
    await ensureStandinBuilt({ log });
    console.log('mongo stand-in built');
    return;
  }

  const backend = values.backend;
  if (backend !== 'memory' && backend !== 'h2') throw new Error(`--backend must be memory or h2, got: ${backend}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got: ${values.port}`);
  if (backend === 'h2' && !values.file) throw new Error('--backend h2 needs --file <path>, e.g. .data/poort.mv.db');

  const standin = await startMongoStandin({ backend: backend satisfies StandinBackend, dataFile: values.file, port, log });
  console.log(`MONGODB_URI=${standin.uri}`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  log('mongo stand-in: stopping...');
  await standin.stop();
  log('mongo stand-in: stopped');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
