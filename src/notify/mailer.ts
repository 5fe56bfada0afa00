/**
 * Sends e-mail: over SMTP when `smtpUrl` is set, otherwise into the development outbox.
 * Mail bodies carry one-time links and codes, so they are never logged; the recipient is logged only as a hash
 * (to correlate lines) and its domain.
 */
import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../log.ts';
import type { Outbox } from './outbox.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What the mail is for, e.g. `test`, `password-reset`; logged. */
  purpose: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Checks that the mail server accepts a connection (and the credentials). No-op for the outbox. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  smtpUrl?: string | undefined;
  from: string;
  outbox?: Outbox | undefined;
  logger: Logger;
}

const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;

export function createMailer(opts: MailerOptions): Mailer {
  if (opts.smtpUrl) return createSmtpMailer(opts.smtpUrl, opts.from, opts.logger);
  if (opts.outbox) return createOutboxMailer(opts.outbox, opts.logger);
  throw new Error('No way to send e-mail: set SMTP_URL (or enable the development outbox outside production)');
}

/** A stable, non-reversible tag for a recipient, so log lines about one address can be matched up. */
export function recipientTag(address: string): { toHash: string; toDomain: string } {
  const normalized = address.trim().toLowerCase();
  const toHash = createHash('sha256').update(normalized).digest('hex').slice(0, 16);
  const at = normalized.lastIndexOf('@');
  return { toHash, toDomain: at >= 0 ? normalized.slice(at + 1) : '' };
}

function createOutboxMailer(outbox: Outbox, logger: Logger): Mailer {
  return {
    async send(message) {
      const stored = outbox.add({ kind: 'mail', ...message });
      logger.info({ purpose: message.purpose, ...recipientTag(message.to), messageId: stored.id, transport: 'outbox' },
        'mail stored in dev outbox');
    },
    async verify() {},
    async close() {},
  };
}

function createSmtpMailer(smtpUrl: string, from: string, logger: Logger): Mailer {
  const server = describeServer(smtpUrl);
  const secrets = secretsOf(smtpUrl);
  // nodemailer (some 40 modules) is loaded with the first mail, not at start: most requests never send one.
  let pool: Promise<Transporter> | undefined;
  const transportOf = (): Promise<Transporter> => {
    pool ??= import('nodemailer').then(({ createTransport }) => createTransport({
      url: smtpUrl,
      pool: true,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
    }));
    return pool;
  };

  return {
    async send(message) {
      const tag = recipientTag(message.to);
      try {
        const transport = await transportOf();
        const info = await transport.sendMail({
          from, to: message.to, subject: message.subject, text: message.text, html: message.html,
        });
        logger.info({ purpose: message.purpose, ...tag, messageId: info.messageId, transport: 'smtp' }, 'mail sent');
      } catch (error) {
        const failure = smtpError(`Sending mail via SMTP server ${server} failed`, error, secrets);
        logger.warn({ purpose: message.purpose, ...tag, transport: 'smtp', error: failure.message }, 'mail failed');
        throw failure;
      }
    },
    async verify() {
      try {
        await (await transportOf()).verify();
      } catch (error) {
        throw smtpError(`SMTP server ${server} could not be verified`, error, secrets);
      }
    },
    async close() {
      if (pool) (await pool).close();
    },
  };
}

/** `host:port` of the SMTP URL, without credentials. */
function describeServer(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
    return `${url.hostname}:${port}`;
  } catch {
    return '(unparsable SMTP_URL)';
  }
}

/** The password of the SMTP URL as written and decoded, to scrub from error messages. */
function secretsOf(smtpUrl: string): string[] {
  try {
    const raw = new URL(smtpUrl).password;
    if (!raw) return [];
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // Malformed percent-encoding: only the raw form can appear.
    }
    return [...new Set([raw, decoded])].filter((secret) => secret.length > 0);
  } catch {
    return [];
  }
}

/**
 * A new Error with a clear message and the SMTP error code, without the original error as `cause`: nodemailer's
 * errors can carry the SMTP command and response, which must not end up in logs.
 */
function smtpError(context: string, error: unknown, secrets: string[]): Error & { code?: string } {
  const detail = error instanceof Error ? error.message : String(error);
  let reason = detail;
  for (const secret of secrets) reason = reason.split(secret).join('[redacted]');
  const failure: Error & { code?: string } = new Error(`${context}: ${reason}`);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') failure.code = code;
  return failure;
}
