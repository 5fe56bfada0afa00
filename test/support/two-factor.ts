/**
 * Helpers for the two-step login tests: organisation policy through the model, factors set up directly through the
 * second-factor service (when a test is not about set-up), and the pages of a login driven by Agent: password, code,
 * recovery code, set-up during login.
 */
import type { Organisation } from '../../src/accounts/organisations.ts';
import type { AccountLabels } from '../../src/auth/factors/index.ts';
import { currentTotp } from '../../src/auth/factors/totp.ts';
import type { SecondFactors } from '../../src/auth/second-factors.ts';
import { en } from '../../src/i18n/en.ts';
import { Agent, inputValue, type Page } from './browser.ts';
import type { Tenant, TestPoort } from './poort.ts';
import { authorizationRequest, discover, exchange, oidc } from './rp.ts';
import { formError, openLogin, postLogin, submitAutoForm, type OpenLogin } from './security.ts';

export type Policy = Partial<Pick<Organisation, 'twoFactor' | 'allowedMethods' | 'codeValidityChoices' | 'codeValidityDefault' | 'inactivityTimeout'>>;

/** Sets an organisation's second-factor policy (the admin API comes later; tests use the model). */
export async function setPolicy(poort: TestPoort, organisationId: string, policy: Policy): Promise<void> {
  const updated = await poort.container.models.Organisation.updateOne({ _id: organisationId }, { $set: policy });
  if (updated.matchedCount !== 1) throw new Error(`no organisation ${organisationId}`);
}

/** The TOTP code an authenticator app shows now (Poort's clock, which tests may have moved). */
export function totpNow(poort: TestPoort, secret: string, offsetSeconds = 0): string {
  return currentTotp(secret, new Date(poort.container.now().getTime() + offsetSeconds * 1000));
}

export interface Enrolled {
  /** Base32 key without spaces (TOTP only). */
  secret: string;
  recoveryCodes: string[];
}

/**
 * Starts setting up the authenticator app through the service and reads the key its set-up page shows (without
 * spaces, as an app stores it).
 */
export async function startAppSetup(secondFactors: SecondFactors, accountId: string, labels: AccountLabels): Promise<{ enrolmentId: string; secret: string }> {
  const started = await secondFactors.startEnrolment(accountId, 'totp', {});
  if (!started.ok) throw new Error(`app set-up did not start: ${started.error}`);
  const page = await secondFactors.enrolmentPage(accountId, started.enrolmentId, labels);
  const secret = typeof page?.locals.secret === 'string' ? page.locals.secret.replace(/\s/g, '') : '';
  if (!secret) throw new Error('the app set-up page shows no key');
  return { enrolmentId: started.enrolmentId, secret };
}

/**
 * Sets up the authenticator app for `tenant`'s account through the service. The set-up is proven with the code of
 * the previous time step, so a login right afterwards can use the current one (a used step is refused again).
 */
export async function enrolTotp(poort: TestPoort, tenant: Pick<Tenant, 'accountId' | 'organisationId' | 'email'>): Promise<Enrolled> {
  const { secondFactors } = poort.container;
  const { enrolmentId, secret } = await startAppSetup(secondFactors, tenant.accountId, { issuer: 'Test', label: tenant.email });
  // The previous step is accepted only while the current one lasts: keep clear of a step's last seconds, so the
  // code cannot become two steps old between computing and checking it.
  const intoStep = (poort.container.now().getTime() / 1000) % 30;
  if (intoStep > 27) await new Promise((resolve) => setTimeout(resolve, (30.2 - intoStep) * 1000));
  const done = await secondFactors.completeEnrolment(tenant.accountId, tenant.organisationId, enrolmentId, totpNow(poort, secret, -30), '127.0.0.2');
  if (!done.ok) throw new Error(`TOTP set-up failed: ${done.reason}`);
  return { secret, recoveryCodes: done.recoveryCodes };
}

/** Names of the rate-limiter collections the tests move in time (rate-limiter-flexible keeps wall-clock `expire`). */
const SMS_INTERVAL = 'throttle_sms_interval';
const CODE_GATE = 'throttle_second_factor_gate';

/** Ends the "one SMS per 30 s" wait of every account now, instead of waiting for it. */
export async function expireSmsInterval(poort: TestPoort): Promise<void> {
  await poort.container.db.collection(SMS_INTERVAL).updateMany({}, { $set: { expire: new Date(Date.now() - 1000) } });
}

/** Ends the growing delay of the second-factor throttle now (the count of failures stays). */
export async function expireCodeGate(poort: TestPoort, accountId?: string): Promise<void> {
  const filter = accountId ? { key: `${accountId}:code` } : {};
  await poort.container.db.collection(CODE_GATE).updateMany(filter, { $set: { expire: new Date(Date.now() - 1000) } });
}

/** The code of the newest SMS in the dev outbox to `phone` (E.164), or undefined. */
export function outboxSmsCode(poort: TestPoort, phone: string): string | undefined {
  const sms = poort.container.outbox?.list().find((m) => m.kind === 'sms' && m.to === phone);
  return sms ? /\b(\d{6})\b/.exec(sms.text)?.[1] : undefined;
}

/** Sets up SMS codes to `phone` (E.164) through the service, reading the first code from the dev outbox (or `readCode`). */
export async function enrolSms(poort: TestPoort, tenant: Pick<Tenant, 'accountId' | 'organisationId' | 'email'>, phone: string, readCode = (): string | undefined => outboxSmsCode(poort, phone)): Promise<Enrolled> {
  const { secondFactors } = poort.container;
  const view = await secondFactors.startEnrolment(tenant.accountId, 'sms', { phone });
  if (!view.ok) throw new Error(`SMS set-up not started: ${view.error}`);
  const code = readCode();
  if (!code) throw new Error('no set-up SMS received');
  const done = await secondFactors.completeEnrolment(tenant.accountId, tenant.organisationId, view.enrolmentId, code, '127.0.0.2');
  if (!done.ok) throw new Error(`SMS set-up failed: ${done.reason}`);
  // The set-up SMS started the 30 s wait between messages; a test's login must get its own SMS at once.
  await expireSmsInterval(poort);
  return { secret: '', recoveryCodes: done.recoveryCodes };
}

/** An open login (authorize request sent, at the login page) and the page shown after its password was accepted. */
export interface AfterPassword extends OpenLogin {
  /** The page Poort shows after the password: the code page, set-up, or (`page.location`) a redirect to the RP. */
  step: Page;
}

/** Opens a login for `tenant`'s client and submits the right password; stops at whatever comes next. */
export async function passwordStep(poort: TestPoort, tenant: Tenant, extra: Record<string, string> = {}, agent = new Agent()): Promise<AfterPassword> {
  const login = await openLogin(poort, tenant, extra, agent);
  const posted = await postLogin(login, tenant.email, tenant.password);
  if (posted.status !== 303 || !posted.location) throw new Error(`login POST answered ${posted.status}`);
  const step = await submitAutoForm(agent, poort.issuer, await agent.follow(posted.location, poort.issuer));
  return { ...login, step };
}

/** True for the code page (authenticator app or SMS), which has a code field and no password field. */
export function isCodePage(page: Page): boolean {
  return page.status === 200 && page.body.includes('name="kind" value="code"') && !hasPasswordField(page);
}

export function hasPasswordField(page: Page): boolean {
  return /<input[^>]*type="password"/.test(page.body);
}

/** Posts a code (or, with kind `recovery`, a recovery code) on the interaction's second-factor form; follows redirects. */
export async function postCode(poort: TestPoort, login: OpenLogin, code: string, kind: 'code' | 'recovery' = 'code'): Promise<Page> {
  const posted = await login.agent.request(`${login.base}/second-factor`, { form: { csrf: login.csrf, kind, code } });
  if (posted.status !== 303 || !posted.location) throw new Error(`code POST answered ${posted.status}: ${posted.body.slice(0, 300)}`);
  return login.agent.follow(posted.location, poort.issuer);
}

/** The message of the form's alert: which of the code messages a person sees. */
export function codeMessage(page: Page): 'invalid' | 'throttled' | 'resendThrottled' | 'none' | string {
  const message = formError(page.body);
  if (message === undefined) return 'none';
  // A passkey's pages word the same refusal for a passkey (sign-in, set-up).
  if (message === en['code.invalid'] || message === en['passkey.invalid'] || message === en['passkey.createFailed']) return 'invalid';
  if (message === en['code.throttled']) return 'throttled';
  if (message === en['code.resendThrottled']) return 'resendThrottled';
  return message;
}

/** The RP callback a page redirected to, or an error showing what was shown instead. */
export function callbackOf(page: Page, tenant: Pick<Tenant, 'redirectUri'>): URL {
  if (!page.location?.startsWith(tenant.redirectUri)) {
    throw new Error(`expected a redirect to the RP, got ${page.status} ${page.location ?? ''} ${formError(page.body) ?? page.body.slice(0, 300)}`);
  }
  return new URL(page.location);
}

/** Exchanges the callback of `login` at the token endpoint and answers the validated ID token claims. */
export async function idTokenOf(login: OpenLogin, callback: URL): Promise<oidc.IDToken> {
  const tokens = await exchange(login.config, callback, login.request);
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  return claims;
}

/** A whole login with password and code (`code` computed after the password, e.g. a TOTP code); answers the ID token. */
export async function loginWithCode(poort: TestPoort, tenant: Tenant, code: () => string, opts: { extra?: Record<string, string>; agent?: Agent; kind?: 'code' | 'recovery' } = {}): Promise<{ login: AfterPassword; claims: oidc.IDToken }> {
  const login = await passwordStep(poort, tenant, opts.extra, opts.agent);
  if (!isCodePage(login.step)) throw new Error(`expected the code page after the password, got ${login.step.status} ${login.step.location ?? login.step.body.slice(0, 300)}`);
  const done = await postCode(poort, login, code(), opts.kind);
  return { login, claims: await idTokenOf(login, callbackOf(done, tenant)) };
}

/** A new authorization request on an existing browser (agent): answers the first page Poort shows, or the redirect out. */
export async function authorizeAgain(poort: TestPoort, tenant: Tenant, agent: Agent, extra: Record<string, string> = {}): Promise<{ login: OpenLogin; page: Page }> {
  const config = await discover(poort.issuer, tenant);
  const request = await authorizationRequest(config, tenant.redirectUri, extra);
  const page = await submitAutoForm(agent, poort.issuer, await agent.follow(request.url.toString(), poort.issuer));
  const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1] ?? '';
  return { login: { agent, config, request, page, uid, csrf: inputValue(page.body, 'csrf') ?? '', base: `${poort.issuer}/interaction/${uid}` }, page };
}

/**
 * Sets up the authenticator app through the pages of a login that is at the method choice (`login.step`): app →
 * key read from the manual-entry text → first code → recovery codes → on to the RP. Answers the key, the codes
 * shown and the RP callback.
 */
export async function enrolTotpAtLogin(poort: TestPoort, login: AfterPassword): Promise<Enrolled & { callback: URL; setupPage: Page }> {
  const { agent, base } = login;
  if (!login.step.body.includes('name="method"')) throw new Error(`expected the method choice, got ${login.step.status} ${login.step.body.slice(0, 300)}`);
  const setupPage = await agent.follow(`${base}/enrol/start`, poort.issuer, { form: { csrf: login.csrf, method: 'totp' } });
  const secret = /<code[^>]*id="secret"[^>]*>([^<]+)<\/code>/.exec(setupPage.body)?.[1]?.replace(/\s/g, '') ?? '';
  if (!secret) throw new Error(`no key on the set-up page: ${setupPage.body.slice(0, 300)}`);
  const codes = await agent.follow(`${base}/enrol/verify`, poort.issuer, { form: { csrf: login.csrf, code: totpNow(poort, secret) } });
  const recoveryCodes = [...codes.body.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1] ?? '');
  const done = await agent.follow(`${base}/enrol/done`, poort.issuer, { form: { csrf: login.csrf } });
  if (!done.location) throw new Error(`set-up did not return to the RP: ${done.status} ${done.body.slice(0, 300)}`);
  return { secret, recoveryCodes, callback: new URL(done.location), setupPage };
}

/** Waits until the wall clock enters a new second, so oidc-provider's next auth_time is later than the last one. */
export async function nextWallSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === second) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The page without what changes per request or interaction (CSRF token, interaction uid). */
export function comparable(html: string, uid: string): string {
  return html.replace(/(<input[^>]*name="csrf"[^>]*value=")[^"]*"/g, '$1"').replaceAll(uid, '<uid>');
}
