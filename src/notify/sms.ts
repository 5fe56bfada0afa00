/**
 * SMS sending behind one interface. The webhook sender POSTs JSON `{to, body, purpose}` to SMS_WEBHOOK_URL, signed:
 * `X-Poort-Timestamp: <unix seconds>` and `X-Poort-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
 * SMS_WEBHOOK_SECRET, so the gateway can reject forged and replayed calls. In development without a webhook, messages
 * go to the dev outbox. Message bodies (they hold codes) are never logged.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { Outbox } from './outbox.ts';

export interface SmsMessage {
  to: string;
  body: string;
  purpose: string;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createSmsSender(opts: { webhookUrl?: string; secret?: string; outbox?: Outbox; logger: Logger; timeoutMs?: number }): SmsSender {
  const { webhookUrl, secret, outbox, logger } = opts;
  if (webhookUrl && secret) {
    return {
      async send(message) {
        const body = JSON.stringify(message);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-poort-timestamp': timestamp, 'x-poort-signature': signWebhook(secret, timestamp, body) },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
        logger.info({ purpose: message.purpose, to: `…${message.to.slice(-2)}` }, 'sms sent');
      },
    };
  }
  if (outbox) {
    return {
      async send(message) {
        outbox.add({ kind: 'sms', to: message.to, text: message.body, purpose: message.purpose });
        logger.info({ purpose: message.purpose, to: `…${message.to.slice(-2)}` }, 'sms to outbox');
      },
    };
  }
  // No gateway: SMS is not offered as a method (see smsAvailable); a send reaching here is a programming error.
  return {
    async send() {
      throw new Error('no SMS gateway configured (SMS_WEBHOOK_URL, SMS_WEBHOOK_SECRET)');
    },
  };
}

/** Whether SMS codes can be sent at all: a webhook, or the development outbox. */
export function smsAvailable(config: { smsWebhookUrl?: string | undefined; devOutbox: boolean }): boolean {
  return Boolean(config.smsWebhookUrl) || config.devOutbox;
}
