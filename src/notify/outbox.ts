/**
 * Development outbox: the last mails and SMS Poort "sent", kept instead of being delivered, and shown at
 * /dev/outbox. Only created when `config.devOutbox` is on, which production never allows. In memory, or — for
 * `npm run dev`, whose CLI runs in processes of its own (`account create` sends a welcome e-mail) — in a JSON file
 * that the server and the CLI share (small, read and written whole; development only).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type OutboxKind = 'mail' | 'sms';

export interface OutboxMessage {
  id: string;
  kind: OutboxKind;
  to: string;
  subject?: string | undefined;
  text: string;
  html?: string | undefined;
  /** What the message is for, e.g. `test`, `password-reset`. */
  purpose?: string | undefined;
  at: Date;
}

export type NewOutboxMessage = Omit<OutboxMessage, 'id' | 'at'>;

export interface Outbox {
  /** Stores a message, dropping the oldest one when the outbox is full. */
  add(message: NewOutboxMessage): OutboxMessage;
  /** The stored messages, newest first. */
  list(): OutboxMessage[];
  clear(): void;
}

export function createOutbox(limit = 50, file?: string): Outbox {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`Outbox limit must be a positive integer, got ${limit}`);
  let memory: OutboxMessage[] = [];
  const read = (): OutboxMessage[] => {
    if (!file) return memory;
    if (!existsSync(file)) return [];
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as Array<OutboxMessage & { at: string }>).map((m) => ({ ...m, at: new Date(m.at) }));
    } catch {
      return [];
    }
  };
  const write = (messages: OutboxMessage[]): void => {
    if (!file) {
      memory = messages;
      return;
    }
    // Whole-file replace: a reader never sees half a file.
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(messages));
    renameSync(`${file}.tmp`, file);
  };
  return {
    add(message) {
      const stored: OutboxMessage = { ...message, id: randomUUID(), at: new Date() };
      const messages = [...read(), stored];
      write(messages.length > limit ? messages.slice(messages.length - limit) : messages);
      return { ...stored };
    },
    list() {
      return read().map((message) => ({ ...message })).reverse();
    },
    clear() {
      write([]);
    },
  };
}
