/**
 * The one "what is due?" rule (src/auth/due.ts) as a table: DESIGN §5's rows, the timers of docs/two-factor.md just
 * inside and just past, each policy value, and each step-up trigger alone. Every row names the exact outcome and reasons.
 */
import { ACR } from '../../../config/oidc.ts';
import { secondFactorDue, type AccountFacts, type Asked, type Due, type DueInput, type PolicyFacts, type SessionFacts } from '../../../src/auth/due.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const MINUTE = 60;
const HOUR = 3600;
const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

const withFactor: AccountFacts = { hasSecondFactor: true };
const noFactor: AccountFacts = { hasSecondFactor: false };
/** The defaults: 2FA optional, code validity 1 h, inactivity 1 h. */
const optional: PolicyFacts = { twoFactor: 'optional', codeValidity: HOUR, inactivityTimeout: HOUR };
const required: PolicyFacts = { ...optional, twoFactor: 'required' };
const off: PolicyFacts = { ...optional, twoFactor: 'off' };
const SESSION_MAX_AGE = 12 * HOUR;

/** Logged in with password and code 10 minutes ago, no activity since. */
const mfaSession: SessionFacts = {
  amr: ['pwd', 'otp', 'mfa'], loginAt: ago(10 * MINUTE), passwordAt: ago(10 * MINUTE), secondFactorAt: ago(10 * MINUTE),
  lastActiveAt: ago(10 * MINUTE), maxAge: SESSION_MAX_AGE,
};
/** Logged in with the password only 10 minutes ago (no factor then, or 2FA off), no activity since. */
const passwordSession: SessionFacts = {
  amr: ['pwd'], loginAt: ago(10 * MINUTE), passwordAt: ago(10 * MINUTE), lastActiveAt: ago(10 * MINUTE), maxAge: SESSION_MAX_AGE,
};

const authorization = (request: Record<string, unknown> = {}, loginResult = false): Asked => ({ action: 'authorization', request, loginResult });
const afterPassword = (request: Record<string, unknown> = {}): Asked => ({ action: 'login', request });
const action = (name: 'account_page' | 'change_password' | 'forgot_password' | 'disable' | 'new_recovery_codes' | 'code_validity'): Asked => ({ action: name });

const NOTHING: Due = { outcome: 'none', reasons: [] };
const code = (...reasons: Due['reasons']): Due => ({ outcome: 'code', reasons });

type Row = [name: string, input: Omit<DueInput, 'now'>, expected: Due];

const run = (rows: Row[]) => test.each(rows)('%s', (_name, input, expected) => {
  expect(secondFactorDue({ ...input, now: NOW })).toEqual(expected);
});

describe('DESIGN §5: when the code is asked', () => {
  run([
    ['log in: after the password, an account with a factor is asked its code',
      { account: withFactor, policy: optional, asked: afterPassword() }, code('second_factor_missing')],
    ['log in: after the password, an account without a factor (optional) is done',
      { account: noFactor, policy: optional, asked: afterPassword() }, NOTHING],
    ['log in: within the code validity and not idle, a new authorization needs nothing',
      { account: withFactor, policy: optional, session: mfaSession, asked: authorization() }, NOTHING],
    ['change password: the code with the change',
      { account: withFactor, policy: optional, session: mfaSession, asked: action('change_password') }, code('action_requires_code')],
    ['change password without a factor: the current password only',
      { account: noFactor, policy: optional, session: passwordSession, asked: action('change_password') }, NOTHING],
    ['forgot password: the code before the new password',
      { account: withFactor, policy: optional, asked: action('forgot_password') }, code('action_requires_code')],
    ['forgot password without a factor: no code',
      { account: noFactor, policy: required, asked: action('forgot_password') }, NOTHING],
    ['forgot password with 2FA off (the factor kept): no code',
      { account: withFactor, policy: off, asked: action('forgot_password') }, NOTHING],
    ['after 1 h inactivity: the code again at an authorization (code validity 8 h)',
      { account: withFactor, policy: { ...optional, codeValidity: 8 * HOUR }, session: { ...mfaSession, lastActiveAt: ago(HOUR + 1) }, asked: authorization() },
      code('inactive')],
    ['after 1 h inactivity: the code again on the account page (code validity 8 h)',
      { account: withFactor, policy: { ...optional, codeValidity: 8 * HOUR }, session: { ...mfaSession, lastActiveAt: ago(HOUR + 1) }, asked: action('account_page') },
      code('inactive')],
    ['disable 2FA: the code with the change',
      { account: withFactor, policy: optional, session: mfaSession, asked: action('disable') }, code('action_requires_code')],
    ['new recovery codes: the password only',
      { account: withFactor, policy: optional, session: mfaSession, asked: action('new_recovery_codes') }, NOTHING],
    ['code validity: the password only',
      { account: withFactor, policy: optional, session: mfaSession, asked: action('code_validity') }, NOTHING],
    ['the account page of an mfa session: nothing first',
      { account: withFactor, policy: optional, session: mfaSession, asked: action('account_page') }, NOTHING],
    ['the account page of a password session whose account has a factor: the code first',
      { account: withFactor, policy: optional, session: passwordSession, asked: action('account_page') }, code('second_factor_missing')],
    ['the account page without a factor: nothing first (the page offers the set-up, also where it is required)',
      { account: noFactor, policy: required, session: passwordSession, asked: action('account_page') }, NOTHING],
    ['no session: a full login',
      { account: withFactor, policy: optional, asked: authorization() }, { outcome: 'login', reasons: ['no_session'] }],
  ]);
});

describe('the timers of docs/two-factor.md', () => {
  const eightHours: PolicyFacts = { ...optional, codeValidity: 8 * HOUR };
  /** An mfa session whose password and code are `codeAge` old and that was active a minute ago. */
  const codeAged = (codeAge: number): SessionFacts => ({ ...mfaSession, passwordAt: ago(codeAge), secondFactorAt: ago(codeAge), lastActiveAt: ago(MINUTE) });
  /** An mfa session logged in 2 h ago (inside an 8 h code validity), last active `idle` ago. */
  const idleFor = (idle: number | undefined): SessionFacts => ({
    ...mfaSession, passwordAt: ago(2 * HOUR), secondFactorAt: ago(2 * HOUR), lastActiveAt: idle === undefined ? undefined : ago(idle),
  });
  /** An mfa session whose password is `age` old, with a code and activity a minute ago. */
  const passwordAged = (age: number): SessionFacts => ({ ...mfaSession, passwordAt: ago(age), secondFactorAt: ago(MINUTE), lastActiveAt: ago(MINUTE) });
  /** The same session after a password-only login 10 minutes ago, with a code proven `codeAge` ago. */
  const codeThenPassword = (codeAge: number): SessionFacts => ({ ...passwordSession, secondFactorAt: ago(codeAge) });
  const fullLogin = (...reasons: Due['reasons']): Due => ({ outcome: 'login', reasons });
  run([
    ['code validity: just inside (1 h − 1 s)',
      { account: withFactor, policy: optional, session: codeAged(HOUR - 1), asked: authorization() }, NOTHING],
    ['code validity: exactly 1 h still counts',
      { account: withFactor, policy: optional, session: codeAged(HOUR), asked: authorization() }, NOTHING],
    ['code validity: just past (1 h + 1 s)',
      { account: withFactor, policy: optional, session: codeAged(HOUR + 1), asked: authorization() }, code('code_expired')],
    ['code validity: just past, on the account page',
      { account: withFactor, policy: optional, session: codeAged(HOUR + 1), asked: action('account_page') }, code('code_expired')],
    ['the person\'s own code validity (8 h): 7 h is inside',
      { account: withFactor, policy: eightHours, session: codeAged(7 * HOUR), asked: authorization() }, NOTHING],
    ['inactivity: just inside (1 h − 1 s)',
      { account: withFactor, policy: eightHours, session: idleFor(HOUR - 1), asked: authorization() }, NOTHING],
    ['inactivity: just past (1 h + 1 s)',
      { account: withFactor, policy: eightHours, session: idleFor(HOUR + 1), asked: authorization() }, code('inactive')],
    ['inactivity: the organisation\'s 10 minutes, just past',
      { account: withFactor, policy: { ...eightHours, inactivityTimeout: 10 * MINUTE }, session: idleFor(10 * MINUTE + 1), asked: authorization() }, code('inactive')],
    ['inactivity: a session with no activity recorded has been idle since its login (10 minutes)',
      { account: withFactor, policy: eightHours, session: idleFor(undefined), asked: authorization() }, NOTHING],
    ['inactivity: a session with no activity recorded, logged in 1 h + 1 s ago',
      { account: withFactor, policy: eightHours, session: { ...idleFor(undefined), loginAt: ago(HOUR + 1) }, asked: authorization() }, code('inactive')],
    ['absolute session age: just inside (12 h − 1 s)',
      { account: withFactor, policy: eightHours, session: passwordAged(SESSION_MAX_AGE - 1), asked: authorization() }, NOTHING],
    ['absolute session age: just past (12 h + 1 s): the full login',
      { account: withFactor, policy: eightHours, session: passwordAged(SESSION_MAX_AGE + 1), asked: authorization() }, fullLogin('session_too_old')],
    ['absolute session age: just past, on the account page, also without a factor',
      { account: noFactor, policy: optional, session: { ...passwordSession, passwordAt: ago(SESSION_MAX_AGE + 1) }, asked: action('account_page') },
      fullLogin('session_too_old')],
    ['absolute session age and code validity both past: the full login, which includes the code',
      { account: withFactor, policy: optional, session: { ...passwordAged(SESSION_MAX_AGE + 1), secondFactorAt: ago(2 * HOUR) }, asked: authorization() },
      fullLogin('session_too_old', 'code_expired')],
    ['oidc-provider\'s login time stands in when Poort keeps no times: the code past its validity',
      { account: withFactor, policy: { ...optional, inactivityTimeout: 8 * HOUR }, session: { amr: ['pwd', 'otp', 'mfa'], loginAt: ago(HOUR + 1), maxAge: SESSION_MAX_AGE }, asked: authorization() },
      code('code_expired')],
    ['… and for the last activity: idle since the login',
      { account: withFactor, policy: optional, session: { amr: ['pwd', 'otp', 'mfa'], loginAt: ago(HOUR + 1), maxAge: SESSION_MAX_AGE }, asked: authorization() },
      code('code_expired', 'inactive')],
    ['a code proven for the account page after a password-only login counts for the page',
      { account: withFactor, policy: optional, session: codeThenPassword(5 * MINUTE), asked: action('account_page') }, NOTHING],
    ['… and so does one proven in the same second as the password',
      { account: withFactor, policy: optional, session: codeThenPassword(10 * MINUTE), asked: action('account_page') }, NOTHING],
    ['… but not for an authorization: the session\'s amr (what the ID token says) has no code',
      { account: withFactor, policy: optional, session: codeThenPassword(5 * MINUTE), asked: authorization() }, code('second_factor_missing')],
    ['a password-only login after the last code does not count as proven: the account page',
      { account: withFactor, policy: optional, session: codeThenPassword(30 * MINUTE), asked: action('account_page') }, code('second_factor_missing')],
    ['a password-only login after the last code does not count as proven: an authorization',
      { account: withFactor, policy: optional, session: codeThenPassword(30 * MINUTE), asked: authorization() }, code('second_factor_missing')],
    ['right after a login result the timers are not judged (its times are not recorded yet)',
      {
        account: withFactor, policy: optional, asked: authorization({}, true),
        session: { ...passwordAged(SESSION_MAX_AGE + 1), secondFactorAt: ago(2 * HOUR), lastActiveAt: ago(2 * HOUR) },
      },
      NOTHING],
    ['right after a password-only login result, a code still due is unavailable (no prompt loop)',
      { account: withFactor, policy: optional, session: passwordSession, asked: authorization({}, true) }, { outcome: 'unavailable', reasons: ['second_factor_missing'] }],
    ['max_age passed since the last login, 2FA on: the code alone authenticates again (step-up)',
      { account: withFactor, policy: optional, session: mfaSession, asked: authorization({ max_age: 540 }) }, code('reauthentication')],
    ['max_age passed, 2FA off for the person: the full login',
      { account: withFactor, policy: off, session: mfaSession, asked: authorization({ max_age: '540' }) }, { outcome: 'login', reasons: ['max_age'] }],
    ['max_age passed, a password session of an account without a factor: the full login',
      { account: noFactor, policy: optional, session: passwordSession, asked: authorization({ max_age: '540' }) }, { outcome: 'login', reasons: ['max_age'] }],
    ['max_age not yet passed: nothing',
      { account: withFactor, policy: optional, session: mfaSession, asked: authorization({ max_age: '600' }) }, NOTHING],
    ['right after a login result max_age is not judged again (no loop)',
      { account: withFactor, policy: optional, session: mfaSession, asked: authorization({ max_age: 540 }, true) }, NOTHING],
  ]);
});

describe('the organisation\'s policy, after the password and for a running password session', () => {
  const enrolment: Due = { outcome: 'enrolment', reasons: ['enrolment_required'] };
  const idle3h: SessionFacts = { ...mfaSession, secondFactorAt: ago(3 * HOUR), lastActiveAt: ago(3 * HOUR) };
  run([
    ['off, with a factor: nothing after the password', { account: withFactor, policy: off, asked: afterPassword() }, NOTHING],
    ['off, with a factor: nothing for a password session', { account: withFactor, policy: off, session: passwordSession, asked: authorization() }, NOTHING],
    ['off: no timer asks anything, however long the session idles', { account: withFactor, policy: off, session: idle3h, asked: authorization() }, NOTHING],
    ['optional without a factor: nothing after the password', { account: noFactor, policy: optional, asked: afterPassword() }, NOTHING],
    ['optional without a factor: nothing for a password session', { account: noFactor, policy: optional, session: passwordSession, asked: authorization() }, NOTHING],
    ['optional with a factor: the code after the password', { account: withFactor, policy: optional, asked: afterPassword() }, code('second_factor_missing')],
    ['optional with a factor: the code for a password session',
      { account: withFactor, policy: optional, session: passwordSession, asked: authorization() }, code('second_factor_missing')],
    ['required without a factor: the set-up after the password', { account: noFactor, policy: required, asked: afterPassword() }, enrolment],
    ['required without a factor: the set-up for a password session', { account: noFactor, policy: required, session: passwordSession, asked: authorization() }, enrolment],
    ['required without a factor, right after a login result that set none up: unavailable',
      { account: noFactor, policy: required, session: passwordSession, asked: authorization({}, true) }, { outcome: 'unavailable', reasons: ['enrolment_required'] }],
    ['required with a factor: the code after the password', { account: withFactor, policy: required, asked: afterPassword() }, code('second_factor_missing')],
    ['required with a factor: nothing for an mfa session', { account: withFactor, policy: required, session: mfaSession, asked: authorization() }, NOTHING],
  ]);
});

describe('step-up: each trigger alone, for an account with a factor and a password session', () => {
  const essential = (acr: Record<string, unknown>) => ({ id_token: { acr: { essential: true, ...acr } } });
  const stepUp = code('second_factor_missing', 'mfa_requested');
  const none = code('second_factor_missing');
  const rows: [string, Record<string, unknown>, Due][] = [
    ['acr_values=urn:poort:acr:mfa', { acr_values: ACR.multiFactor }, stepUp],
    ['an essential acr claim (object)', { claims: essential({ value: ACR.multiFactor }) }, stepUp],
    ['an essential acr claim (JSON string)', { claims: JSON.stringify(essential({ value: ACR.multiFactor })) }, stepUp],
    ['an essential acr claim with values', { claims: essential({ values: [ACR.multiFactor] }) }, stepUp],
    ['acr_values listing both levels: no step-up', { acr_values: `${ACR.multiFactor} ${ACR.password}` }, none],
    ['an acr claim that is not essential: no step-up', { claims: { id_token: { acr: { value: ACR.multiFactor } } } }, none],
    ['claims that are not JSON: no step-up', { claims: '{' }, none],
  ];
  test.each(rows)('%s', (_name, request, expected) => {
    expect(secondFactorDue({ account: withFactor, policy: optional, session: passwordSession, asked: authorization(request), now: NOW })).toEqual(expected);
  });
});

describe('step-up: who can meet it', () => {
  const mfa = { acr_values: ACR.multiFactor };
  const setUp: Due = { outcome: 'enrolment', reasons: ['mfa_requested'] };
  const unavailable: Due = { outcome: 'unavailable', reasons: ['mfa_requested'] };
  run([
    ['an mfa session asked for mfa: nothing', { account: withFactor, policy: optional, session: mfaSession, asked: authorization(mfa) }, NOTHING],
    ['no factor (optional), a password session: the set-up', { account: noFactor, policy: optional, session: passwordSession, asked: authorization(mfa) }, setUp],
    ['no factor (optional), after the password: the set-up', { account: noFactor, policy: optional, asked: afterPassword(mfa) }, setUp],
    ['no factor (optional), acr_values listing both levels, after the password: done',
      { account: noFactor, policy: optional, asked: afterPassword({ acr_values: `${ACR.password} ${ACR.multiFactor}` }) }, NOTHING],
    ['required without a factor: the set-up, for both reasons',
      { account: noFactor, policy: required, session: passwordSession, asked: authorization(mfa) },
      { outcome: 'enrolment', reasons: ['enrolment_required', 'mfa_requested'] }],
    ['2FA off, a password session: unavailable', { account: withFactor, policy: off, session: passwordSession, asked: authorization(mfa) }, unavailable],
    ['2FA off, after the password: unavailable', { account: withFactor, policy: off, asked: afterPassword(mfa) }, unavailable],
    ['2FA off and past the session age: unavailable names only what cannot be met',
      { account: noFactor, policy: off, session: { ...passwordSession, passwordAt: ago(SESSION_MAX_AGE + 1) }, asked: authorization(mfa) }, unavailable],
    ['right after a password-only login result that could not reach mfa: unavailable',
      { account: noFactor, policy: optional, session: passwordSession, asked: authorization(mfa, true) }, unavailable],
    ['right after an mfa login result: nothing', { account: withFactor, policy: optional, session: mfaSession, asked: authorization(mfa, true) }, NOTHING],
  ]);
});
