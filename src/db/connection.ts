/**
 * Opens the MongoDB connection (no module-level singleton: the container owns it) with every wait bounded.
 *
 * Why these options (measured with driver 7.8 against a server frozen with SIGSTOP, killed, and restarted): the
 * driver's `timeoutMS` is ignored in 7.x (it only warns that it "has no effect"), and without the options below an
 * operation on a frozen server waits until the driver's monitor gives up — 40 s and more — while the readiness ping
 * hung until the server came back. What does bound an operation:
 * - `serverSelectionTimeoutMS`: finding a usable server (a server known to be down fails after this);
 * - `connectTimeoutMS`: opening a connection and its handshake, and the monitor's heartbeat (so a frozen server is
 *   marked unknown soon after its next heartbeat);
 * - `waitQueueTimeoutMS`: waiting for a free pooled connection (requests queue there while connections hang);
 * - `socketTimeoutMS`: each reply on an open connection; the connection is then closed, never reused half-read.
 * Each is half of the configured bound, because one operation can meet two of them in a row (a pool wait, then a
 * reply that never comes; or a reply that never comes, then the driver's single retry of a read): measured, an
 * operation against a frozen server ends within the bound. The price: an operation that is merely slow for longer
 * than half the bound fails too — Poort's are single-document operations of milliseconds, but an index build at
 * start on a large collection can take longer (docs/operations.md). The driver reconnects by itself: a server that
 * comes back is found by the next operation's server selection (or the next heartbeat), with no restart of Poort.
 * `bufferCommands: false`: mongoose would otherwise hold operations made while it has never been connected for
 * another 10 s; Poort only binds its models once connected, so this only ever turns a wait into an error.
 */
import mongoose, { type Connection, type mongo } from 'mongoose';
import type { Logger } from '../log.ts';

export interface DatabaseOptions {
  uri: string;
  /** Seconds: the longest any one database operation may take, server selection included (DATABASE_TIMEOUT). */
  timeoutSeconds: number;
  logger: Logger;
  /**
   * Called for every command the driver completes, with its name, outcome and duration in seconds (the metrics).
   * Only when given does the driver monitor commands (`monitorCommands`), so without metrics it costs nothing.
   */
  onCommand?: ((command: string, ok: boolean, seconds: number) => void) | undefined;
}

/** The driver options that bound every wait of an operation to `timeoutSeconds` (see the header). */
export function boundedWaits(timeoutSeconds: number): Pick<mongo.MongoClientOptions, 'serverSelectionTimeoutMS' | 'connectTimeoutMS' | 'socketTimeoutMS' | 'waitQueueTimeoutMS' | 'heartbeatFrequencyMS'> {
  const step = Math.round(timeoutSeconds * 500);
  return {
    serverSelectionTimeoutMS: step,
    connectTimeoutMS: step,
    socketTimeoutMS: step,
    waitQueueTimeoutMS: step,
    // The monitor's check (default every 10 s) is what notices an outage when no request does, and what logs it.
    heartbeatFrequencyMS: Math.max(1000, timeoutSeconds * 1000),
  };
}

export async function connectDatabase({ uri, timeoutSeconds, logger, onCommand }: DatabaseOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...boundedWaits(timeoutSeconds),
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    monitorCommands: onCommand !== undefined,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new Error(`Cannot reach MongoDB at ${redactUri(uri)}: ${(error as Error).message}`);
  }
  logReachability(connection.getClient(), logger);
  if (onCommand) timeCommands(connection.getClient(), onCommand);
  logger.info({ db: connection.name }, 'database connected');
  return connection;
}

/**
 * One log line when the database stops being usable and one when it is back, from the driver's view of the
 * servers (requests meanwhile each log a short warning, not a stack trace). Closing the client changes nothing here.
 */
function logReachability(client: mongo.MongoClient, logger: Logger): void {
  let usable = true;
  client.on('topologyDescriptionChanged', (event) => {
    const servers = [...event.newDescription.servers.values()];
    const now = servers.some((server) => server.isWritable);
    if (now === usable) return;
    usable = now;
    if (now) logger.info('database reachable again');
    else logger.warn({ error: servers.map((server) => server.error?.message).find(Boolean) }, 'database unreachable');
  });
}

/** The driver's command monitoring, reduced to name, outcome and duration (the driver reports milliseconds). */
function timeCommands(client: mongo.MongoClient, onCommand: NonNullable<DatabaseOptions['onCommand']>): void {
  client.on('commandSucceeded', (event) => onCommand(event.commandName, true, event.duration / 1000));
  client.on('commandFailed', (event) => onCommand(event.commandName, false, event.duration / 1000));
}

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
