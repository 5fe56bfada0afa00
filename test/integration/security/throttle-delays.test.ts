/**
 * The growing delay of src/auth/throttle.ts, read where the throttle keeps it (the gate's expiry), so no test waits
 * for a delay to pass: a delay that has passed is simulated by removing the gate. A success ends a run of failures,
 * and the next run starts again at the first delay.
 */
import mongoose from 'mongoose';
import { BASE_DELAY_SECONDS, FREE_ATTEMPTS, createThrottle, type Throttle } from '../../../src/auth/throttle.ts';
import { testDatabaseUri } from '../../support/database.ts';

let connection: mongoose.Connection;
let throttle: Throttle;
const KEY = 'organisation:person@example.org';
const IP = '192.0.2.1';

beforeAll(async () => {
  connection = await mongoose.createConnection(testDatabaseUri('throttle-delays')).asPromise();
  throttle = createThrottle(connection.db as mongoose.mongo.Db, 'delays');
  await throttle.createIndexes();
});
afterAll(async () => {
  await connection.close();
});

const gate = () => (connection.db as mongoose.mongo.Db).collection<{ key: string; expire: Date }>('throttle_delays_gate');
/** Seconds from now until the gate opens (rounded). */
const gateSeconds = async (): Promise<number> => Math.round(((await gate().findOne({ key: KEY }))!.expire.getTime() - Date.now()) / 1000);
/** The delay has passed (without waiting for it). */
const delayPasses = async (): Promise<void> => {
  await gate().deleteMany({ key: KEY });
};

async function failFreely(): Promise<void> {
  for (let i = 0; i < FREE_ATTEMPTS; i += 1) {
    expect(await throttle.begin(KEY, IP)).toBe('allowed');
    await throttle.failed(KEY, IP);
  }
}

test('each gated attempt doubles the delay; after a success the next run of failures starts at the first delay again', async () => {
  await failFreely();
  expect(await throttle.begin(KEY, IP)).toBe('allowed');
  await throttle.failed(KEY, IP);
  expect(await gateSeconds()).toBe(BASE_DELAY_SECONDS);
  // Within the delay: refused without a check.
  expect(await throttle.begin(KEY, IP)).toBe('throttled');
  await delayPasses();
  expect(await throttle.begin(KEY, IP)).toBe('allowed');
  await throttle.failed(KEY, IP);
  expect(await gateSeconds()).toBe(2 * BASE_DELAY_SECONDS);
  await delayPasses();
  expect(await throttle.begin(KEY, IP)).toBe('allowed');
  await throttle.succeeded(KEY);

  // A new run: the free attempts again, then the first delay, not the fourth.
  await delayPasses();
  await failFreely();
  expect(await throttle.begin(KEY, IP)).toBe('allowed');
  await throttle.failed(KEY, IP);
  expect(await gateSeconds()).toBe(BASE_DELAY_SECONDS);
});
