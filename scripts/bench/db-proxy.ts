/**
 * A counting TCP proxy between Poort and MongoDB: it forwards every byte unchanged in both directions and reads the
 * client → server direction as MongoDB wire-protocol messages, counting each command by database, name and
 * collection. So the benchmark counts the database commands of an operation from outside Poort, without any change
 * to Poort's code.
 *
 * Wire protocol (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/): a 16-byte header
 * (int32 messageLength, requestID, responseTo, opCode, little-endian), then
 *   OP_MSG (2013):        uint32 flagBits, sections (kind 0: one BSON document, the command, whose FIRST key is the
 *                         command name; kind 1: int32 size, identifier, a sequence of documents), and a CRC-32C when
 *                         flag bit 0 (checksumPresent) is set;
 *   OP_QUERY (2004):      int32 flags, cstring fullCollectionName ("admin.$cmd"), int32 skip, int32 return, the query
 *                         document (the legacy hello of a driver's first message);
 *   OP_COMPRESSED (2012): int32 originalOpcode, int32 uncompressedSize, uint8 compressorId, compressed message body
 *                         (read for noop and zlib; the benchmark turns compression off, see bench.ts).
 * Only the top level of the command document is read, by hand (type byte, NUL-terminated name, value): the first
 * key, the string value of the first key (the collection, for find/insert/update/delete/findAndModify/aggregate/…),
 * `collection` (getMore) and `$db`. Messages may be split across TCP chunks and a chunk may hold several messages.
 *
 * The proxy runs as its own process (`startDbProxy` forks this file), so that its CPU time is measured apart from
 * the load generator's; counts are read over the IPC channel. `node scripts/bench/db-proxy-check.ts` checks the
 * counts against known numbers of commands.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { inflateSync } from 'node:zlib';

export const OP_MSG = 2013;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
/** MongoDB's own limit is 48 MB per message; anything larger means the stream is not the wire protocol. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface Command {
  db: string;
  name: string;
  collection: string;
}

/** One count per (db, command name, collection); `key` is `db␀name␀collection`. */
export interface CommandCounts {
  counts: Record<string, number>;
  /** Client connections the proxy has accepted so far. */
  connections: number;
  /** Messages that could not be read as a command (counted under the name "(unparsed)" too). */
  unparsed: number;
}

export const countKey = (c: Command): string => `${c.db}\u0000${c.name}\u0000${c.collection}`;
export const fromKey = (key: string): Command => {
  const [db = '', name = '', collection = ''] = key.split('\u0000');
  return { db, name, collection };
};

/**
 * The driver's own traffic, not caused by an operation: server monitoring and round-trip pings, the connection
 * handshake and authentication, and ending sessions at close. Shown apart, never in "commands per operation".
 */
const MONITORING = new Set(['hello', 'ismaster', 'ping', 'endsessions', 'saslstart', 'saslcontinue', 'authenticate', 'getnonce', 'buildinfo']);
export function isMonitoring(c: Command): boolean {
  return c.db === 'admin' || MONITORING.has(c.name.toLowerCase());
}

// ---- reading BSON by hand (top level only) ----------------------------------------------------------------------

function cstringEnd(buf: Buffer, from: number, limit: number): number {
  const end = buf.indexOf(0, from);
  if (end < 0 || end >= limit) throw new Error('unterminated cstring');
  return end;
}

/** The size in bytes of a BSON value of `type` starting at `at` (https://bsonspec.org/spec.html). */
function valueSize(buf: Buffer, type: number, at: number, limit: number): number {
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: return 8; // double, UTC datetime, timestamp, int64
    case 0x02: case 0x0d: case 0x0e: return 4 + buf.readInt32LE(at); // string, JavaScript code, symbol
    case 0x03: case 0x04: case 0x0f: return buf.readInt32LE(at); // document, array, code with scope
    case 0x05: return 5 + buf.readInt32LE(at); // binary: int32 length, subtype, bytes
    case 0x06: case 0x0a: case 0x7f: case 0xff: return 0; // undefined, null, max key, min key
    case 0x07: return 12; // ObjectId
    case 0x08: return 1; // boolean
    case 0x0b: { // regular expression: two cstrings
      const pattern = cstringEnd(buf, at, limit);
      return cstringEnd(buf, pattern + 1, limit) + 1 - at;
    }
    case 0x0c: return 4 + buf.readInt32LE(at) + 12; // DBPointer
    case 0x10: return 4; // int32
    case 0x13: return 16; // decimal128
    default: throw new Error(`unknown BSON type 0x${type.toString(16)}`);
  }
}

/** The command a BSON command document (at `offset` in `buf`) names, and its collection and database when given. */
export function readCommand(buf: Buffer, offset: number, legacyDb?: string): Command {
  const length = buf.readInt32LE(offset);
  const limit = offset + length - 1; // the document's closing NUL
  if (length < 5 || offset + length > buf.length || buf[limit] !== 0) throw new Error('bad BSON document');
  let name: string | undefined;
  let collection = '';
  let db = legacyDb ?? '';
  let at = offset + 4;
  while (at < limit) {
    const type = buf[at] as number;
    const nameEnd = cstringEnd(buf, at + 1, limit);
    const key = buf.toString('utf8', at + 1, nameEnd);
    const value = nameEnd + 1;
    const size = valueSize(buf, type, value, limit);
    const string = (): string => buf.toString('utf8', value + 4, value + size - 1);
    if (name === undefined) {
      // A legacy OP_QUERY may wrap the command as { $query: { … } }.
      if ((key === '$query' || key === 'query') && type === 0x03 && legacyDb !== undefined) return readCommand(buf, value, legacyDb);
      name = key;
      if (type === 0x02) collection = string();
    } else if (key === '$db' && type === 0x02) {
      db = string();
    } else if (key === 'collection' && type === 0x02 && name === 'getMore') {
      collection = string();
    }
    at = value + size;
  }
  if (name === undefined) throw new Error('empty command document');
  return { db, name, collection };
}

/** The command of one complete wire-protocol message (header included), or undefined for a message that is no command. */
export function parseMessage(message: Buffer): Command | undefined {
  const length = message.readInt32LE(0);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = message.readUInt32LE(16);
    const end = length - ((flags & 1) === 1 ? 4 : 0);
    let at = 20;
    while (at < end) {
      const kind = message[at] as number;
      at += 1;
      if (kind === 0) return readCommand(message, at);
      if (kind !== 1) throw new Error(`unknown OP_MSG section kind ${kind}`);
      at += message.readInt32LE(at); // a document sequence: its int32 size counts itself
    }
    throw new Error('OP_MSG without a body section');
  }
  if (opCode === OP_QUERY) {
    const nameEnd = cstringEnd(message, 20, length);
    const fullCollectionName = message.toString('utf8', 20, nameEnd);
    const db = fullCollectionName.slice(0, Math.max(0, fullCollectionName.indexOf('.')));
    if (!fullCollectionName.endsWith('.$cmd')) return { db, name: '(legacy query)', collection: fullCollectionName.slice(db.length + 1) };
    return readCommand(message, nameEnd + 1 + 8, db);
  }
  if (opCode === OP_COMPRESSED) {
    const originalOpcode = message.readInt32LE(16);
    const compressorId = message[24];
    const body = message.subarray(25);
    let inner: Buffer;
    if (compressorId === 0) inner = body;
    else if (compressorId === 2) inner = inflateSync(body);
    else return { db: '', name: `(compressed, compressor ${compressorId})`, collection: '' };
    const header = Buffer.alloc(16);
    header.writeInt32LE(16 + inner.length, 0);
    header.writeInt32LE(originalOpcode, 12);
    return parseMessage(Buffer.concat([header, inner]));
  }
  return { db: '', name: `(opCode ${opCode})`, collection: '' };
}

/**
 * Cuts a byte stream into whole messages: a message may arrive in many chunks, and a chunk may end in the middle of
 * a header or hold several messages. Chunks are only concatenated when a message spans them.
 */
export class MessageSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly onMessage: (message: Buffer) => void;

  constructor(onMessage: (message: Buffer) => void) {
    this.onMessage = onMessage;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < 4) return;
      // Only concatenate once the whole message that began in an earlier chunk is here.
      const head = this.pending[0] as Buffer;
      const needed = head.length >= 4 ? head.readInt32LE(0) : Buffer.concat(this.pending).readInt32LE(0);
      if (this.pendingBytes < needed) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readInt32LE(at);
      if (length < 16 || length > MAX_MESSAGE_BYTES) throw new Error(`not a MongoDB message (length ${length})`);
      if (buf.length - at < length) break;
      this.onMessage(buf.subarray(at, at + length));
      at += length;
    }
    if (at < buf.length) {
      // Copy the tail: a subarray would keep the whole chunk alive.
      const rest = Buffer.from(buf.subarray(at));
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
  }
}

// ---- the proxy (in the child process) --------------------------------------------------------------------------

export interface Counter {
  counts: Map<string, number>;
  connections: number;
  unparsed: number;
}

export function countCommand(counter: Counter, message: Buffer): void {
  let command: Command | undefined;
  try {
    command = parseMessage(message);
  } catch {
    counter.unparsed += 1;
    command = { db: '', name: '(unparsed)', collection: '' };
  }
  if (!command) return;
  const key = countKey(command);
  counter.counts.set(key, (counter.counts.get(key) ?? 0) + 1);
}

/** Listens on 127.0.0.1 (a free port) and forwards every connection to `target`, counting into `counter`. */
export function listenCountingProxy(target: { host: string; port: number }, counter: Counter): Promise<net.Server> {
  const server = net.createServer((client) => {
    counter.connections += 1;
    const upstream = net.connect({ host: target.host, port: target.port });
    // The driver turns Nagle's algorithm off on its sockets; so must a proxy, or each small reply waits up to 40 ms.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let parsing = true;
    const splitter = new MessageSplitter((message) => countCommand(counter, message));
    client.on('data', (chunk: Buffer) => {
      if (parsing) {
        try {
          splitter.push(chunk);
        } catch {
          // Not the wire protocol (or out of step): keep forwarding, stop reading this connection, and say so.
          parsing = false;
          counter.unparsed += 1;
        }
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('end', () => upstream.end());
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

type FromParent = { type: 'snapshot'; id: number };
type FromChild = { type: 'ready'; port: number } | ({ type: 'snapshot'; id: number } & CommandCounts);

if (import.meta.main) {
  // One argument: the server to forward to, `host:port` (an IPv6 address in brackets).
  const target = process.argv[2] ?? '';
  const colon = target.lastIndexOf(':');
  const counter: Counter = { counts: new Map(), connections: 0, unparsed: 0 };
  const server = await listenCountingProxy({ host: target.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(target.slice(colon + 1)) }, counter);
  const send = (message: FromChild): void => void process.send?.(message);
  process.on('message', (message: FromParent) => {
    if (message.type === 'snapshot') {
      send({ type: 'snapshot', id: message.id, counts: Object.fromEntries(counter.counts), connections: counter.connections, unparsed: counter.unparsed });
    }
  });
  // The parent went away (also when it was killed): nothing else will stop this process.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: (server.address() as net.AddressInfo).port });
}

// ---- the parent's side ------------------------------------------------------------------------------------------

export interface DbProxy {
  pid: number;
  port: number;
  snapshot(): Promise<CommandCounts>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Forks the proxy process in front of `target` (`host:port`) and waits until it listens. */
export async function startDbProxy(target: string): Promise<DbProxy> {
  const child = fork(new URL(import.meta.url).pathname, [target], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    children.delete(child);
    resolve();
  }));
  const waiting = new Map<number, { resolve: (counts: CommandCounts) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  child.once('exit', (code, signal) => {
    for (const { reject } of waiting.values()) reject(new Error(`the database proxy exited (${code ?? signal})`));
    waiting.clear();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the database proxy did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`the database proxy exited during start (${code})`)));
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      } else {
        waiting.get(message.id)?.resolve({ counts: message.counts, connections: message.connections, unparsed: message.unparsed });
        waiting.delete(message.id);
      }
    });
  });
  if (child.pid === undefined) throw new Error('could not fork the database proxy');
  return {
    pid: child.pid,
    port,
    snapshot() {
      const id = nextId;
      nextId += 1;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        if (!child.connected) reject(new Error('the database proxy is not running'));
        else child.send({ type: 'snapshot', id } satisfies FromParent);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- counts per operation -----------------------------------------------------------------------------------------

export interface CommandsPerOp {
  /** Commands per operation caused by the operations (monitoring and connection set-up excluded). */
  total: number;
  byName: Record<string, number>;
  /** collection → command name → per operation. */
  byCollection: Record<string, Record<string, number>>;
  /** The driver's monitoring and connection traffic during the phase, per command name (whole phase, not per op). */
  monitoring: Record<string, number>;
  /** Messages the proxy could not read during the phase (0 unless something is wrong). */
  unparsed: number;
}

/** The commands between two snapshots, divided by `operations`. */
export function commandsPerOp(before: CommandCounts, after: CommandCounts, operations: number): CommandsPerOp {
  const result: CommandsPerOp = { total: 0, byName: {}, byCollection: {}, monitoring: {}, unparsed: after.unparsed - before.unparsed };
  const n = Math.max(1, operations);
  for (const [key, count] of Object.entries(after.counts)) {
    const delta = count - (before.counts[key] ?? 0);
    if (delta === 0) continue;
    const command = fromKey(key);
    if (isMonitoring(command)) {
      result.monitoring[command.name] = (result.monitoring[command.name] ?? 0) + delta;
      continue;
    }
    result.total += delta / n;
    result.byName[command.name] = (result.byName[command.name] ?? 0) + delta / n;
    const collection = command.collection || '(none)';
    const perCollection = (result.byCollection[collection] ??= {});
    perCollection[command.name] = (perCollection[command.name] ?? 0) + delta / n;
  }
  return result;
}

// ---- where the proxy goes --------------------------------------------------------------------------------------

export type ProxyPlan =
  | { target: string; notes: string[]; uriThrough(port: number): string }
  | { reason: string };

/**
 * From the URI Poort would use: the single server the proxy forwards to, and the URI that sends Poort through the
 * proxy instead (`directConnection=true`, so that the driver never goes round it to members a replica set names; no
 * compression, so that every message can be read). Or why the commands cannot be counted.
 */
export function planProxy(uri: string): ProxyPlan {
  if (uri.startsWith('mongodb+srv://')) return { reason: 'MONGODB_URI is a mongodb+srv:// URI (several hosts, found through DNS)' };
  const match = /^mongodb:\/\/([^@/?]*@)?([^/?]*)([^?]*)(?:\?(.*))?$/.exec(uri);
  if (!match) return { reason: 'MONGODB_URI is not a mongodb:// URI' };
  const [, credentials = '', hosts = '', path = '', search = ''] = match;
  if (hosts.includes(',')) return { reason: 'MONGODB_URI names several hosts' };
  if (hosts === '' || /%2f|\.sock$/i.test(hosts)) return { reason: 'MONGODB_URI is a Unix socket' };
  const query = new URLSearchParams(search);
  const on = (name: string): boolean => [...query].some(([k, v]) => k.toLowerCase() === name && v.toLowerCase() === 'true');
  if (on('tls') || on('ssl')) return { reason: 'MONGODB_URI uses TLS, which the proxy cannot read' };
  if (on('loadbalanced')) return { reason: 'MONGODB_URI is load-balanced' };
  const hasPort = hosts.startsWith('[') ? hosts.includes(']:') : hosts.includes(':');
  const target = hasPort ? hosts : `${hosts}:27017`;
  const notes: string[] = [];
  for (const key of [...query.keys()]) {
    if (key.toLowerCase() === 'compressors') {
      query.delete(key);
      notes.push('compression turned off between Poort and the proxy');
    }
    if (key.toLowerCase() === 'directconnection') query.delete(key);
  }
  query.set('directConnection', 'true');
  return { target, notes, uriThrough: (port) => `mongodb://${credentials}127.0.0.1:${port}${path || '/'}?${query.toString()}` };
}
