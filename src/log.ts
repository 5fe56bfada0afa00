/** pino logger with redaction: passwords, codes, tokens, secrets and cookies never reach the log. */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password', '*.password', 'code', '*.code', 'token', '*.token', 'secret', '*.secret',
  'client_secret', '*.client_secret', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token',
  'id_token', '*.id_token', 'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie', 'smtpUrl', '*.smtpUrl',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'poort' } },
    destination ?? process.stdout);
}
