/**
 * The mongo-java-server stand-in behaves like the MongoDB features Poort relies on.
 * Uses the server from test/support/global-setup.ts (or a real MongoDB via MONGODB_URI);
 * the H2 test starts stand-ins of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startMongoStandin, type MongoStandin } from '../../src/dev/mongo-standin.ts';
import { testDatabaseUri } from '../support/database.ts';

let conn: Connection;

beforeAll(async () => {
  conn = await mongoose.createConnection(testDatabaseUri(import.meta.url), { serverSelectionTimeoutMS: 10_000 }).asPromise();
});

afterAll(async () => {
  await conn?.dropDatabase().catch(() => {});
  await conn?.close();
});

function rawDb(c: Connection = conn) {
  if (!c.db) throw new Error('mongoose connection has no db: not connected?');
  return c.db;
}

test('mongoose 9 connects and the server reports MongoDB 6.0 / wire version 17', async () => {
  const info = await rawDb().admin().serverInfo();
  expect(info.version).toMatch(/^6\.0(\.|$)/);
  const hello = await rawDb().admin().command({ hello: 1 });
  expect(hello.maxWireVersion).toBe(17);
  expect(hello.isWritablePrimary).toBe(true);
});

test('20 parallel $inc on one document count exactly 20', async () => {
  const Counter = conn.model('Counter', new mongoose.Schema({ _id: String, count: Number }));
  await Counter.create({ _id: 'hits', count: 0 });
  await Promise.all(Array.from({ length: 20 }, () => Counter.updateOne({ _id: 'hits' }, { $inc: { count: 1 } })));
  const doc = await Counter.findById('hits').lean();
  expect(doc?.count).toBe(20);
});

test('20 parallel conditional findOneAndUpdate have exactly one winner', async () => {
  const Code = conn.model('Code', new mongoose.Schema({ _id: String, used: Boolean }));
  await Code.create({ _id: 'code-1', used: false });
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      Code.findOneAndUpdate({ _id: 'code-1', used: false }, { $set: { used: true } }, { returnDocument: 'after' }).lean(),
    ),
  );
  const winners = results.filter((r) => r !== null);
  expect(winners).toHaveLength(1);
  expect(winners[0]?.used).toBe(true);
});

test('a unique index refuses a duplicate with E11000', async () => {
  const User = conn.model('User', new mongoose.Schema({ email: { type: String, unique: true } }));
  await User.init(); // builds the indexes
  await User.create({ email: 'a@example.org' });
  const duplicate = User.create({ email: 'a@example.org' });
  await expect(duplicate).rejects.toMatchObject({ code: 11000 });
  await expect(duplicate).rejects.toThrow(/E11000/);
  expect(await User.countDocuments({ email: 'a@example.org' })).toBe(1);
});

test('keys containing dots are written and read back with the raw driver collection', async () => {
  const claims = rawDb().collection<{ _id: string; [key: string]: unknown }>('claims');
  const doc = { _id: 'c1', 'https://example.org/claims.role': 'admin', nested: { 'a.b': 1 } };
  await claims.insertOne(doc);
  expect(await claims.findOne({ _id: 'c1' })).toEqual(doc);
});

describe('h2 backend', () => {
  type Session = { _id: string; sub: string };
  let dir: string;
  const running: MongoStandin[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'poort-mongo-standin-'));
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function withStandin<T>(dataFile: string, fn: (c: Connection) => Promise<T>): Promise<T> {
    const standin = await startMongoStandin({ backend: 'h2', dataFile });
    running.push(standin);
    const c = await mongoose.createConnection(`${standin.uri}/poort_h2`, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    try {
      return await fn(c);
    } finally {
      await c.close();
      await standin.stop();
    }
  }

  test('keeps data across a stop/start with the same file', async () => {
    const dataFile = path.join(dir, 'nested', 'poort.mv.db'); // the parent directory is created
    await withStandin(dataFile, async (c) => {
      await rawDb(c).collection<Session>('sessions').insertOne({ _id: 's1', sub: 'alice' });
    });
    const found = await withStandin(dataFile, (c) => rawDb(c).collection<Session>('sessions').findOne({ _id: 's1' }));
    expect(found).toEqual({ _id: 's1', sub: 'alice' });
  }, 60_000);
});
