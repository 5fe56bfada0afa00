/** The development outbox kept in a file: the dev server and a CLI process see each other's messages. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOutbox } from '../../../src/notify/outbox.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'poort-outbox-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a message added by one outbox on the file is listed by another, newest first, with its time', () => {
  const file = path.join(dir, 'sub', 'outbox.json');
  const server = createOutbox(50, file);
  const cli = createOutbox(50, file);
  server.add({ kind: 'mail', to: 'a@example.org', subject: 'First', text: 'one' });
  cli.add({ kind: 'mail', to: 'b@example.org', subject: 'Welcome', text: 'two', purpose: 'welcome' });
  const listed = server.list();
  expect(listed.map((m) => m.subject)).toEqual(['Welcome', 'First']);
  expect(listed[0]?.at).toBeInstanceOf(Date);
});

test('the file keeps the newest `limit` messages, and clear empties it for every reader', () => {
  const file = path.join(dir, 'outbox.json');
  const small = createOutbox(2, file);
  for (const subject of ['1', '2', '3']) small.add({ kind: 'sms', to: '+31612345678', subject, text: subject });
  expect(createOutbox(2, file).list().map((m) => m.subject)).toEqual(['3', '2']);
  small.clear();
  expect(createOutbox(2, file).list()).toEqual([]);
});
