import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/log.ts';
import { createMailer, type Mailer } from '../../src/notify/mailer.ts';
import { createOutbox } from '../../src/notify/outbox.ts';
import { createRenderer } from '../../src/notify/render.ts';
import { sendTestMail } from '../../src/notify/test-mail.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.ts';

const viewsDir = fileURLToPath(new URL('../../views', import.meta.url));
const renderer = createRenderer(viewsDir);
const FROM = 'Poort Test <poort@example.test>';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', sink), output: () => chunks.join('') };
}

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let receiver: SmtpReceiver;
const mailers: Mailer[] = [];

function smtpUrlWithAuth(password: string): string {
  return `smtp://poort:${password}@127.0.0.1:${receiver.port}`;
}

beforeAll(async () => {
  receiver = await startSmtpReceiver();
});

afterAll(async () => {
  await Promise.all(mailers.map((mailer) => mailer.close()));
  await receiver.stop();
});

describe('mailer over SMTP', () => {
  test.each([
    ['en', 'Poort test message', 'This message confirms that Poort can send e-mail.'],
    ['nl', 'Testbericht van Poort', 'Dit bericht bevestigt dat Poort e-mail kan versturen.'],
  ] as const)('delivers the test mail in %s with the configured From', async (locale, subject, body) => {
    const { logger, output } = capturingLogger();
    const mailer = createMailer({ smtpUrl: smtpUrlWithAuth('pa55word'), from: FROM, logger });
    mailers.push(mailer);
    const to = `operator-${locale}@example.org`;

    await mailer.verify();
    await sendTestMail({ mailer, renderer }, to, locale);

    const mail = await receiver.waitFor((received) => received.to.includes(to));
    expect(mail.subject).toBe(subject);
    expect(mail.text).toContain(body);
    expect(mail.html).toContain(`lang="${locale}"`);
    expect(mail.from).toBe('"Poort Test" <poort@example.test>');
    expect(mail.authUser).toBe('poort');

    const log = output();
    expect(log).toContain('"purpose":"test"');
    expect(log).toContain('"messageId"');
    expect(log).not.toContain(body);
    expect(log).not.toContain(to);
    expect(log).not.toContain('pa55word');
  });

  test('verify() against a closed port fails clearly without revealing the password', async () => {
    const port = await closedPort();
    const { logger, output } = capturingLogger();
    const mailer = createMailer({ smtpUrl: `smtp://poort:Sup3r-S3cret@127.0.0.1:${port}`, from: FROM, logger });
    mailers.push(mailer);

    const verifyError = await mailer.verify().then(() => undefined, (error: unknown) => error);
    expect(verifyError).toBeInstanceOf(Error);
    expect((verifyError as Error).message).toContain(`SMTP server 127.0.0.1:${port} could not be verified`);
    expect((verifyError as Error).message).not.toContain('Sup3r-S3cret');

    const sendError = await mailer
      .send({ to: 'someone@example.org', subject: 's', text: 'secret link', html: '<p>secret link</p>', purpose: 'test' })
      .then(() => undefined, (error: unknown) => error);
    expect((sendError as Error).message).toContain(`Sending mail via SMTP server 127.0.0.1:${port} failed`);
    expect((sendError as Error).message).not.toContain('Sup3r-S3cret');
    expect(output()).not.toContain('Sup3r-S3cret');
    expect(output()).not.toContain('secret link');
  });
});

describe('mailer into the dev outbox', () => {
  test('stores the message and sends nothing over SMTP', async () => {
    const before = receiver.messages.length;
    const outbox = createOutbox();
    const { logger } = capturingLogger();
    const mailer = createMailer({ from: FROM, outbox, logger });

    await mailer.verify();
    await sendTestMail({ mailer, renderer }, 'dev@example.org', 'nl');

    const [stored, ...rest] = outbox.list();
    expect(rest).toHaveLength(0);
    expect(stored).toMatchObject({ kind: 'mail', to: 'dev@example.org', subject: 'Testbericht van Poort', purpose: 'test' });
    expect(stored?.text).toContain('Dit bericht bevestigt dat Poort e-mail kan versturen.');
    expect(receiver.messages.length).toBe(before);
  });

  test('without SMTP and without an outbox the mailer cannot be created', () => {
    const { logger } = capturingLogger();
    expect(() => createMailer({ from: FROM, logger })).toThrow(/SMTP_URL/);
  });
});

describe('sendTestMail', () => {
  test.each(['not-an-address', 'a@b.org, c@d.org', 'Name <a@b.org>', '', 'a@b.org\nBcc: c@d.org'])(
    'refuses %j as recipient',
    async (to) => {
      const outbox = createOutbox();
      const { logger } = capturingLogger();
      const mailer = createMailer({ from: FROM, outbox, logger });
      await expect(sendTestMail({ mailer, renderer }, to, 'en')).rejects.toThrow('--to must be an e-mail address');
      expect(outbox.list()).toHaveLength(0);
    },
  );
});
