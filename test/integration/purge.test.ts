/** The purge job deletes what has expired (the stand-in never enforces TTL indexes) and keeps everything live. */
import mongoose from 'mongoose';
import { purgeExpired } from '../../src/db/purge.ts';
import { testDatabaseUri } from '../support/database.ts';

let connection: mongoose.Connection;

beforeAll(async () => {
  connection = await mongoose.createConnection(testDatabaseUri('purge')).asPromise();
});
afterAll(async () => {
  await connection.close();
});

test('expired protocol state (interactions with their state), codes and links are deleted; live and never-expiring entries stay', async () => {
  const db = connection.db;
  if (!db) throw new Error('no database');
  const past = new Date(Date.now() - 1000);
  const future = new Date(Date.now() + 3_600_000);
  for (const name of ['oidc_session', 'oidc_authorization_code', 'oidc_interaction', 'sms_codes', 'password_resets']) {
    await db.collection<{ _id: string; expiresAt?: Date }>(name).insertMany([
      { _id: 'expired', expiresAt: past },
      { _id: 'live', expiresAt: future },
    ]);
  }
  await db.collection<{ _id: string }>('oidc_grant').insertOne({ _id: 'forever' });

  const removed = await purgeExpired(db, { auditRetention: 86400 });

  expect(removed).toBe(5);
  for (const name of ['oidc_session', 'oidc_authorization_code', 'oidc_interaction', 'sms_codes', 'password_resets']) {
    expect(await db.collection<{ _id: string }>(name).find().map((d) => d._id).toArray()).toEqual(['live']);
  }
  expect(await db.collection('oidc_grant').countDocuments()).toBe(1);
});

test('audit events older than the retention are deleted; younger ones stay', async () => {
  const db = connection.db;
  if (!db) throw new Error('no database');
  const now = new Date('2026-06-01T12:00:00Z');
  const day = 86_400_000;
  await db.collection<{ _id: string; at: Date }>('audit_events').insertMany([
    { _id: 'old', at: new Date(now.getTime() - 31 * day) },
    { _id: 'edge', at: new Date(now.getTime() - 30 * day) },
    { _id: 'young', at: new Date(now.getTime() - day) },
  ]);

  const removed = await purgeExpired(db, { auditRetention: 30 * 86400, now });

  expect(removed).toBe(1);
  expect(await db.collection<{ _id: string }>('audit_events').find().sort({ _id: 1 }).map((d) => d._id).toArray()).toEqual(['edge', 'young']);
});
