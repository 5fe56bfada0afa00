/**
 * Jest globalSetup: gives the test run a MongoDB.
 * With MONGODB_URI already set (a real MongoDB), nothing is started. Otherwise an in-memory
 * mongo-java-server stand-in is started on a free port and MONGODB_URI is set for the workers.
 */
import { startMongoStandin, type MongoStandin } from '../../src/dev/mongo-standin.ts';

declare global {
  /** Set by global-setup.ts, stopped by global-teardown.ts (both run in Jest's main process). */
  var __poortMongoStandin: MongoStandin | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  const standin = await startMongoStandin({ backend: 'memory', log: (line) => console.error(line) });
  globalThis.__poortMongoStandin = standin;
  // Jest workers are forked after globalSetup and inherit this.
  process.env.MONGODB_URI = standin.uri;
}
