/** `mail test`: sends one message through the configured SMTP server, so an operator can check it. */
import type { Config } from '../../config/schema.ts';
import type { Locale } from '../i18n/index.ts';
import { VIEWS_DIR } from '../container.ts';
import { createLogger } from '../log.ts';
import { createMailer } from '../notify/mailer.ts';
import { createRenderer } from '../notify/render.ts';
import { sendTestMail } from '../notify/test-mail.ts';

export async function sendMailTestCommand(config: Config, to: string, locale: Locale): Promise<unknown> {
  if (!config.smtpUrl) throw new Error('SMTP_URL: not set, so there is no mail server to test');
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger: createLogger('silent') });
  try {
    await mailer.verify();
    await sendTestMail({ mailer, renderer: createRenderer(VIEWS_DIR) }, to, locale);
    return { sent: true, to };
  } finally {
    await mailer.close();
  }
}
