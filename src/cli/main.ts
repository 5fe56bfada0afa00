/**
 * `npm run --silent cli -- <group> <action> [--options]`: operator commands. Prints JSON on stdout; errors go to
 * stderr with exit code 2 (bad usage) or 1 (the command failed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { AccountError } from '../accounts/accounts.ts';
import { createApp } from '../app.ts';
import { createContainer, type Container } from '../container.ts';
import { createLogger } from '../log.ts';
import { COMMANDS, type CommandName } from './commands.ts';
import { DEV_MONGODB_URI_FILE, DEV_OUTBOX_FILE } from './paths.ts';


class UsageError extends Error {}

function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

function usage(): string {
  return `usage: npm run --silent cli -- <command>\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`;
}

/** The database, and whether it is the one of `npm run dev` (whose outbox the CLI then shares). */
function database(config: Config): { uri: string; dev: boolean } {
  if (config.mongodbUri) return { uri: config.mongodbUri, dev: false };
  if (config.env !== 'production' && existsSync(DEV_MONGODB_URI_FILE)) return { uri: readFileSync(DEV_MONGODB_URI_FILE, 'utf8').trim(), dev: true };
  throw new UsageError('MONGODB_URI: required (or start `npm run dev` first, whose MongoDB stand-in the CLI then uses)');
}

async function main(argv: string[]): Promise<void> {
  const name = argv.slice(0, 2).join(' ');
  if (!(name in COMMANDS)) throw new UsageError(argv.length ? `unknown command "${name}"\n${usage()}` : usage());
  const command = COMMANDS[name as CommandName];
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv.slice(2), options: command.options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${command.usage}`);
  }
  const parsed = command.schema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${String(i.path[0] ?? '')}: ${/received undefined/.test(i.message) ? 'is required' : i.message}`).join('\n'));
  }
  const config = loadConfig();
  let container: Container | undefined;
  try {
    if (command.needsDatabase) {
      const { uri, dev } = database(config);
      container = await createContainer({ ...config, mongodbUri: uri }, { logger: createLogger('silent'), ...(dev ? { outboxFile: DEV_OUTBOX_FILE } : {}) });
      // The provider signs the logout tokens of the sessions a command ends (a disable, a second-factor reset);
      // closing the container waits for their delivery.
      createApp(container);
    }
    // The table entry and its parsed arguments belong together; TypeScript cannot correlate them through the union.
    const result = await (command.run as (d: unknown, a: unknown) => Promise<unknown>)({ config, container }, parsed.data);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await container?.close();
  }
}

try {
  await main(process.argv.slice(2));
  process.exit(0);
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) fail(error.message, 2);
  if (error instanceof AccountError) fail(error.message, 1);
  fail((error as Error).message, 1);
}
