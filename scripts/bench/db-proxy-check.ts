/**
 * Checks the counting database proxy (db-proxy.ts) against known numbers, so its counts per operation can be trusted:
 *
 * 1. Reading: hand-built messages (OP_MSG with a document sequence before the body, with a checksum, with every BSON
 *    type; the legacy OP_QUERY hello; OP_COMPRESSED with zlib) give the command name, collection and database that
 *    the bson package's own decoder finds; the same stream cut at every byte, byte by byte and in random chunks gives
 *    the same commands in the same order.
 * 2. Counting: a MongoDB client connected through the proxy (to the stand-in, or MONGODB_URI) runs known numbers of
 *    commands — N findOne, parallel findOnes on a small pool, a 4 MB insert that spans many TCP chunks, updates,
 *    findOneAndUpdate, deleteMany — and the proxy's counts must equal both the known numbers and the driver's own
 *    command-monitoring events (which never include its monitoring or handshake traffic).
 *
 *   node scripts/bench/db-proxy-check.ts [N]        (npm's node: node_modules/.bin/node)
 * Exit code 0 when every check passes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import mongoose from 'mongoose';
import { startMongoStandin, type MongoStandin } from '../../src/dev/mongo-standin.ts';
import { commandsPerOp, MessageSplitter, OP_COMPRESSED, OP_MSG, OP_QUERY, parseMessage, planProxy, readCommand, startDbProxy, type Command } from './db-proxy.ts';

const { BSON } = mongoose.mongo;
let failures = 0;
const check = (ok: boolean, what: string): void => {
  if (!ok) failures += 1;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
};
const same = (a: Command[], b: Command[]): boolean => JSON.stringify(a) === JSON.stringify(b);
/** A count table as text, keys sorted. */
const sorted = (counts: Record<string, number>): string => JSON.stringify(Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))));

// ---- 1. reading messages -----------------------------------------------------------------------------------------

const header = (length: number, opCode: number, requestId: number): Buffer => {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(opCode, 12);
  return h;
};
function opMsg(body: Record<string, unknown>, opts: { sequence?: Record<string, unknown>[]; checksum?: boolean } = {}, requestId = 1): Buffer {
  const parts: Buffer[] = [];
  if (opts.sequence) {
    // Kind 1 first: the body section need not come first.
    const docs = Buffer.concat(opts.sequence.map((d) => Buffer.from(BSON.serialize(d))));
    const identifier = Buffer.from('documents\u0000');
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + identifier.length + docs.length);
    parts.push(Buffer.from([1]), size, identifier, docs);
  }
  parts.push(Buffer.from([0]), Buffer.from(BSON.serialize(body)));
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(opts.checksum ? 1 : 0);
  const rest = Buffer.concat([flags, ...parts, opts.checksum ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0)]);
  return Buffer.concat([header(16 + rest.length, OP_MSG, requestId), rest]);
}
function opQuery(fullCollectionName: string, query: Record<string, unknown>): Buffer {
  const rest = Buffer.concat([Buffer.alloc(4), Buffer.from(`${fullCollectionName}\u0000`), Buffer.alloc(8), Buffer.from(BSON.serialize(query))]);
  return Buffer.concat([header(16 + rest.length, OP_QUERY, 2), rest]);
}
function opCompressed(message: Buffer): Buffer {
  const compressed = deflateSync(message.subarray(16));
  const rest = Buffer.alloc(9);
  rest.writeInt32LE(message.readInt32LE(12), 0);
  rest.writeInt32LE(message.length - 16, 4);
  rest[8] = 2; // zlib
  return Buffer.concat([header(16 + 9 + compressed.length, OP_COMPRESSED, 3), rest, compressed]);
}

/** The command as the bson package decodes it: first key, its string value, $db. */
function decoded(body: Record<string, unknown>): Command {
  const doc = BSON.deserialize(BSON.serialize(body));
  const name = Object.keys(doc)[0] as string;
  const first = doc[name];
  return { db: typeof doc.$db === 'string' ? doc.$db : '', name, collection: typeof first === 'string' ? first : name === 'getMore' ? String(doc.collection) : '' };
}

const everyType = {
  double: 1.5, string: 'é€𝄞', doc: { a: { b: [1, 'x'] } }, array: [1, [2, { c: 3 }]], binary: new BSON.Binary(Buffer.from([1, 2, 3]), 4),
  undef: undefined, oid: new BSON.ObjectId(), bool: true, date: new Date(), nul: null, regex: /a+b/gi,
  code: new BSON.Code('function () {}'), scoped: new BSON.Code('x', { x: 1 }), int: 7, ts: new BSON.Timestamp({ t: 1, i: 2 }),
  long: BSON.Long.fromString('9007199254740993'), dec: BSON.Decimal128.fromString('1.10'), min: new BSON.MinKey(), max: new BSON.MaxKey(),
};
const bodies: Record<string, unknown>[] = [
  { find: 'accounts', filter: { _id: 'x', ...everyType }, limit: 1, singleBatch: true, lsid: { id: new BSON.Binary(Buffer.alloc(16), 4) }, $db: 'poort_bench' },
  { insert: 'oidc_access_token', ordered: true, $db: 'poort_bench' },
  { update: 'oidc_grant', updates: [{ q: { _id: 'g' }, u: { $set: { ...everyType } }, upsert: true }], $db: 'poort_bench' },
  { findAndModify: 'oidc_refresh_token', query: { _id: 'r' }, update: { $min: { consumed: 5 } }, $db: 'poort_bench' },
  { getMore: BSON.Long.fromNumber(123456789), collection: 'audit_events', batchSize: 2, $db: 'poort_bench' },
  { hello: 1, helloOk: true, $db: 'admin' },
  { endSessions: [{ id: new BSON.Binary(Buffer.alloc(16), 4) }], $db: 'admin' },
];
const messages: Buffer[] = [
  opMsg(bodies[0] as Record<string, unknown>),
  opMsg(bodies[1] as Record<string, unknown>, { sequence: [{ _id: 'a', ...everyType }, { _id: 'b' }] }),
  opMsg(bodies[2] as Record<string, unknown>, { checksum: true }),
  opCompressed(opMsg(bodies[3] as Record<string, unknown>)),
  opMsg(bodies[4] as Record<string, unknown>),
  opMsg(bodies[5] as Record<string, unknown>),
  opMsg(bodies[6] as Record<string, unknown>),
  opQuery('admin.$cmd', { isMaster: 1, helloOk: true, client: { driver: { name: 'nodejs' } } }),
];
const expected: Command[] = [...bodies.map(decoded), { db: 'admin', name: 'isMaster', collection: '' }];
check(same(messages.map((m) => parseMessage(m) as Command), expected), `each message read as the bson package decodes it (${expected.map((c) => c.name).join(', ')})`);
check(readCommand(Buffer.from(BSON.serialize({ delete: 'sessions', deletes: [], $db: 'x' })), 0).collection === 'sessions', 'readCommand on a bare document');

const stream = Buffer.concat(messages);
const splitInto = (chunks: Buffer[]): Command[] => {
  const seen: Command[] = [];
  const splitter = new MessageSplitter((m) => seen.push(parseMessage(m) as Command));
  for (const chunk of chunks) splitter.push(chunk);
  return seen;
};
check(same(splitInto([stream]), expected), `${messages.length} messages in one chunk`);
let everyCut = true;
for (let cut = 1; cut < stream.length; cut += 1) everyCut &&= same(splitInto([stream.subarray(0, cut), stream.subarray(cut)]), expected);
check(everyCut, `the stream cut in two at each of its ${stream.length - 1} byte positions`);
check(same(splitInto([...stream].map((b) => Buffer.from([b]))), expected), 'the stream byte by byte');
let randomOk = true;
for (let round = 0; round < 200; round += 1) {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length;) {
    const size = 1 + Math.floor(Math.random() * 300);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  randomOk &&= same(splitInto(chunks), expected);
}
check(randomOk, 'the stream in 200 random chunkings (1–300 bytes)');

// ---- where the proxy goes, for the URIs MONGODB_URI may hold -----------------------------------------------------

const planned = (uri: string): string => {
  const plan = planProxy(uri);
  return 'reason' in plan ? `not counted: ${plan.reason}` : `${plan.target} → ${plan.uriThrough(4000)}`;
};
const plans: [string, string][] = [
  ['mongodb://127.0.0.1:27017/poort_bench', '127.0.0.1:27017 → mongodb://127.0.0.1:4000/poort_bench?directConnection=true'],
  ['mongodb://u:p%40ss@db.example/poort?replicaSet=rs0&compressors=zstd', 'db.example:27017 → mongodb://u:p%40ss@127.0.0.1:4000/poort?replicaSet=rs0&directConnection=true'],
  ['mongodb://[::1]:27018/?directConnection=false', '[::1]:27018 → mongodb://127.0.0.1:4000/?directConnection=true'],
  ['mongodb://db1,db2,db3/poort?replicaSet=rs0', 'not counted: MONGODB_URI names several hosts'],
  ['mongodb+srv://cluster.example/poort', 'not counted: MONGODB_URI is a mongodb+srv:// URI (several hosts, found through DNS)'],
  ['mongodb://db.example/poort?tls=true', 'not counted: MONGODB_URI uses TLS, which the proxy cannot read'],
];
for (const [uri, expected] of plans) check(planned(uri) === expected, `${uri}: ${planned(uri)}`);

// ---- 2. counting a live client's commands ------------------------------------------------------------------------

const n = Number(process.argv[2] ?? 500);
const tempDir = mkdtempSync(path.join(tmpdir(), 'poort-proxy-check-'));
let standin: MongoStandin | undefined;
try {
  let target = process.env.MONGODB_URI;
  if (!target) {
    standin = await startMongoStandin({ backend: 'h2', dataFile: path.join(tempDir, 'check.mv.db'), log: () => undefined });
    target = standin.uri;
  }
  const host = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)(?:[/?]|$)/.exec(target)?.[1];
  if (!host || /^mongodb:\/\/[^/]*,/.test(target)) throw new Error('needs a single-host mongodb:// URI');
  const proxy = await startDbProxy(host.includes(':') ? host : `${host}:27017`);
  const uri = new URL(target.replace(host, `127.0.0.1:${proxy.port}`));
  uri.pathname = '/poort_proxy_check';
  uri.searchParams.set('directConnection', 'true');
  const client = new mongoose.mongo.MongoClient(uri.toString(), { monitorCommands: true, maxPoolSize: 4 });
  const driverSaw = new Map<string, number>();
  client.on('commandStarted', (event) => driverSaw.set(event.commandName, (driverSaw.get(event.commandName) ?? 0) + 1));
  await client.connect();
  const coll = client.db().collection<{ _id: number; blob?: string; v?: number }>('check');
  await coll.deleteMany({});
  await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, v: 0 })));
  driverSaw.clear();

  const before = await proxy.snapshot();
  for (let i = 0; i < n; i += 1) await coll.findOne({ _id: i % 20 });
  await Promise.all(Array.from({ length: 100 }, (_, i) => coll.findOne({ _id: i % 20 })));
  await coll.insertOne({ _id: 1000, blob: 'x'.repeat(4 * 1024 * 1024) });
  for (let i = 0; i < 30; i += 1) await coll.updateOne({ _id: i % 20 }, { $inc: { v: 1 } });
  for (let i = 0; i < 7; i += 1) await coll.findOneAndUpdate({ _id: i }, { $inc: { v: 1 } });
  await coll.deleteMany({ _id: 1000 });
  const after = await proxy.snapshot();

  const counted = commandsPerOp(before, after, 1);
  const known = { find: n + 100, insert: 1, update: 30, findAndModify: 7, delete: 1 };
  check(sorted(counted.byName) === sorted(known), `counted ${sorted(counted.byName)}; run ${sorted(known)}`);
  check(sorted(counted.byName) === sorted(Object.fromEntries(driverSaw)), `the driver's own command events agree: ${sorted(Object.fromEntries(driverSaw))}`);
  check(Object.keys(counted.byCollection).join() === 'check', `all on collection "check" (${Object.keys(counted.byCollection).join(', ')})`);
  check(counted.unparsed === 0 && after.unparsed === 0, `no unreadable messages (${after.unparsed})`);
  process.stdout.write(`     monitoring and connection traffic meanwhile (not counted): ${JSON.stringify(counted.monitoring)}; connections through the proxy: ${after.connections}\n`);
  await client.close();
  await proxy.stop();
} finally {
  await standin?.stop();
  rmSync(tempDir, { recursive: true, force: true });
}
process.stdout.write(failures === 0 ? 'all checks passed\n' : `${failures} check(s) failed\n`);
process.exitCode = failures === 0 ? 0 : 1;
