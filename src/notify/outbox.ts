/**
 * Development outbox: the last mails and SMS Poort "sent", kept in memory instead of being delivered, and shown at
 * /dev/outbox. Only created when `config.devOutbox` is on, which production never allows.
 */
import { randomUUID } from 'node:crypto';

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

export function createOutbox(limit = 50): Outbox {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`Outbox limit must be a positive integer, got ${limit}`);
  let messages: OutboxMessage[] = [];
  return {
    add(message) {
      const stored: OutboxMessage = { ...message, id: randomUUID(), at: new Date() };
      messages.push(stored);
      if (messages.length > limit) messages = messages.slice(messages.length - limit);
      return { ...stored };
    },
    list() {
      return messages.map((message) => ({ ...message })).reverse();
    },
    clear() {
      messages = [];
    },
  };
}
