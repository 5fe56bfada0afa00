/**
 * Helpers for the forgot-password tests: ask for a link through the login interaction's pages, read the link from the
 * mail (dev outbox), open it in a browser and post its forms (CSRF token from the page, 303 followed).
 */
import type { OutboxMessage } from '../../src/notify/outbox.ts';
import { Agent, inputValue, type Page } from './browser.ts';
import type { Tenant, TestPoort } from './poort.ts';
import { openLogin, type OpenLogin } from './security.ts';

export interface ForgotRequest {
  login: OpenLogin;
  /** The forgot-password page (the e-mail field). */
  form: Page;
  /** The answer to the POST (a 303). */
  posted: Page;
  /** The page it leads to. */
  answer: Page;
}

/**
 * Opens a login at `tenant`'s client, follows "Forgot your password?" and sends `email`; waits until Poort has done
 * the work it does after answering (lookup, link, mail), so the outbox is complete.
 */
export async function requestReset(poort: TestPoort, tenant: Pick<Tenant, 'clientId' | 'clientSecret' | 'redirectUri'>, email: string, agent = new Agent()): Promise<ForgotRequest> {
  const login = await openLogin(poort, tenant, {}, agent);
  const href = /<a[^>]*href="([^"]*\/forgot)"/.exec(login.page.body)?.[1];
  if (!href) throw new Error('no "Forgot your password?" link on the login page');
  const form = await agent.follow(new URL(href, poort.issuer).toString(), poort.issuer);
  const posted = await agent.request(`${login.base}/forgot`, { form: { csrf: inputValue(form.body, 'csrf') ?? '', email } });
  if (posted.status !== 303 || !posted.location) throw new Error(`forgot POST answered ${posted.status}: ${posted.body.slice(0, 300)}`);
  const answer = await agent.follow(posted.location, poort.issuer);
  await poort.container.passwordResets.settle();
  return { login, form, posted, answer };
}

/** The reset mails sent to `to` (dev outbox, newest first). */
export function resetMails(poort: TestPoort, to: string): OutboxMessage[] {
  return (poort.container.outbox?.list() ?? []).filter((m) => m.kind === 'mail' && m.to === to && m.purpose === 'password-reset');
}

/** The link in a reset mail's text. */
export function linkIn(mail: OutboxMessage | undefined): string {
  const link = /https?:\/\/\S+\/reset-password\/[\w-]+/.exec(mail?.text ?? '')?.[0];
  if (!link) throw new Error(`no reset link in ${mail?.text ?? 'no mail'}`);
  return link;
}

/** The link of the newest reset mail to `to`. */
export function newestLink(poort: TestPoort, to: string): string {
  return linkIn(resetMails(poort, to)[0]);
}

/** Asks for a link for `tenant`'s own address and answers it. */
export async function freshLink(poort: TestPoort, tenant: Tenant): Promise<string> {
  const before = resetMails(poort, tenant.email).length;
  await requestReset(poort, tenant, tenant.email);
  if (resetMails(poort, tenant.email).length !== before + 1) throw new Error('no new reset mail');
  return newestLink(poort, tenant.email);
}

/** Posts a form of the link's page (`suffix`: '' for the password, '/code', '/resend'); answers the 303 and where it leads. */
export async function postLink(poort: TestPoort, agent: Agent, link: string, page: Page, suffix: string, fields: Record<string, string>): Promise<{ posted: Page; page: Page }> {
  const posted = await agent.request(`${link}${suffix}`, { form: { csrf: inputValue(page.body, 'csrf') ?? '', ...fields } });
  if (posted.status !== 303 || !posted.location) throw new Error(`POST ${suffix || '/'} answered ${posted.status}: ${posted.body.slice(0, 300)}`);
  return { posted, page: await agent.follow(posted.location, poort.issuer) };
}

export const isPasswordForm = (page: Page): boolean => page.status === 200 && /<input[^>]*name="confirm"/.test(page.body);
export const isCodeForm = (page: Page): boolean => page.status === 200 && /action="[^"]*\/code"/.test(page.body) && !/<input[^>]*type="password"/.test(page.body);
