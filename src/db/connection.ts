/** Opens the MongoDB connection (no module-level singleton: the container owns it) and creates indexes. */
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../log.ts';

export async function connectDatabase(uri: string, logger: Logger): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5000,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${(error as Error).message}`);
  }
  logger.info({ db: connection.name }, 'database connected');
  return connection;
}

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
