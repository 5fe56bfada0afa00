/**
 * A real HTTP SMS gateway stand-in on 127.0.0.1 (random port) for tests: accepts POSTed JSON `{to, body, purpose}`
 * only with a valid `x-poort-signature` (sha256=HMAC-SHA256(secret, "<x-poort-timestamp>.<raw body>"), hex) and
 * records each message; anything else is answered 401/400 and counted as refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  body: string;
  purpose: string;
}

export interface SmsReceiver {
  url: string;
  secret: string;
  messages: ReceivedSms[];
  /** Requests refused for a missing or wrong signature or a malformed body. */
  refused: number;
  /** Resolves with the first (already or later) received message that matches. */
  waitFor(predicate: (sms: ReceivedSms) => boolean, timeoutMs?: number): Promise<ReceivedSms>;
  /** The six-digit code of the newest message to `to`, if any. */
  latestCode(to: string): string | undefined;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function signatureValid(secret: string, timestamp: string | undefined, body: string, header: string | undefined): boolean {
  if (!timestamp || !header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function startSmsReceiver(secret = 'sms-webhook-secret-for-tests-0123456789'): Promise<SmsReceiver> {
  const messages: ReceivedSms[] = [];
  const waiters = new Set<() => void>();
  const state = { refused: 0 };

  const server = createServer((request, response) => {
    readBody(request).then((body) => {
      const timestamp = request.headers['x-poort-timestamp'];
      const signature = request.headers['x-poort-signature'];
      if (request.method !== 'POST' || !signatureValid(secret, typeof timestamp === 'string' ? timestamp : undefined, body, typeof signature === 'string' ? signature : undefined)) {
        state.refused += 1;
        response.writeHead(401).end();
        return;
      }
      let parsed: Partial<ReceivedSms>;
      try {
        parsed = JSON.parse(body) as Partial<ReceivedSms>;
      } catch {
        parsed = {};
      }
      if (typeof parsed.to !== 'string' || typeof parsed.body !== 'string' || typeof parsed.purpose !== 'string') {
        state.refused += 1;
        response.writeHead(400).end();
        return;
      }
      messages.push({ to: parsed.to, body: parsed.body, purpose: parsed.purpose });
      for (const wake of waiters) wake();
      response.writeHead(204).end();
    }, () => response.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/sms`,
    secret,
    messages,
    get refused() {
      return state.refused;
    },
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(predicate);
          if (!found) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const wake = (): void => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error('no matching SMS received'));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    latestCode(to) {
      const last = [...messages].reverse().find((sms) => sms.to === to);
      return last ? /\b(\d{6})\b/.exec(last.body)?.[1] : undefined;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
