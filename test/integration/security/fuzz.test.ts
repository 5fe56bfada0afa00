/**
 * Generated hostile requests against every POST route of Poort and the oidc-provider endpoints a client or a browser
 * can reach (token, userinfo, revocation, logout, authorization by POST): overlong, duplicate and array fields,
 * prototype keys, bytes that are not UTF-8, bad percent escapes, NUL bytes, CSRF tokens of the right length in
 * characters but not in bytes, wrong or missing content types, JSON where a form is expected, odd cookies and
 * Authorization headers. Whatever arrives, the answer is a 4xx or better, shows no internals, and a refused request
 * leaves every collection of the database exactly as it was.
 *
 * A share of the requests carry a real browser's cookies and CSRF token (an open login, a pending code step, a
 * set-up during login, a consent step, a logged-in account page, reset links, a logged-in session to log out of), so
 * they get past the form reader and the CSRF check into each handler's own validation.
 *
 * Live authorization codes and refresh tokens are not generated for the token endpoint: presenting a spent one must
 * end its grant (a replay, RFC 9700 §4.14.2), a change on a refused request that is right and is tested on its own
 * (code-and-refresh-races.test.ts). Tokens that are only read (userinfo) or may be revoked are.
 *
 * The runs are reproducible: FUZZ_SEED=<seed> replays them (the seed is printed with any failure), FUZZ_RUNS sets
 * the requests per route, FUZZ_SHRINK=1 looks for the smallest failing request, FUZZ_VERBOSE=1 prints a summary.
 */
import fc from 'fast-check';
import { ADMIN_API, AMR } from '../../../config/oidc.ts';
import { createApp } from '../../../src/app.ts';
import { FORM_LIMIT_BYTES } from '../../../src/http/body.ts';
import { createInteractionStates } from '../../../src/oidc/interaction-state.ts';
import { ACCOUNT, isAccountPage } from '../../support/account.ts';
import { Agent, inputValue } from '../../support/browser.ts';
import { changes, closeConnections, describeRequest, onlySessionExpiryMoved, percentEncode, send, snapshot, utf8Header, type RawRequest, type RawResponse, type Snapshot } from '../../support/fuzz.ts';
import { freshLink } from '../../support/password-reset.ts';
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { authorizationRequest, discover, exchange, login as browserLogin, postLogoutUri } from '../../support/rp.ts';
import { expectNoLeak, openLogin, tokenRequest } from '../../support/security.ts';
import { enrolSms, enrolTotp, loginWithCode, passwordStep, setPolicy, totpNow } from '../../support/two-factor.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_229);
const SHRINK = process.env.FUZZ_SHRINK === '1';
const VERBOSE = process.env.FUZZ_VERBOSE === '1';

/** Per test: the slowest route (argon2 on every password attempt) takes a few seconds at the default runs. */
const TIMEOUT = 120_000;

let poort: TestPoort;

// ---------------------------------------------------------------------------------------------------------------
// The routes. Poort's own POST routes are listed by the routers the app mounts (see the first test); each needs
// an entry here, with the fields its form has and the browsers (contexts) whose cookies it is sent with.
// ---------------------------------------------------------------------------------------------------------------

type ContextName = 'login' | 'code' | 'sms' | 'enrol' | 'consent' | 'account' | 'visitor' | 'reset' | 'resetCode' | 'welcome' | 'rp' | 'logout';

/** A field value: literal text, or a value only known at run time (a CSRF token, a client secret), maybe altered. */
type Value = { text: string } | { ref: string; mutation: Mutation };
type Mutation =
  | { kind: 'none' | 'truncate' | 'double' | 'upper' | 'appendMultibyte' | 'nul' | 'lowSurrogate' }
  | { kind: 'multibyte'; at: number[]; chars: string[] };

interface Target {
  route: string;
  method: 'POST' | 'GET';
  /** Where the path parameter (`:uid`, `:token`) comes from. */
  param?: 'uid' | 'token';
  contexts: ContextName[];
  /** Poort's forms carry `csrf`; oidc-provider's logout form carries `xsrf`. */
  token?: 'csrf' | 'xsrf';
  /** The form's fields and the values that make sense for them (odd ones are added for every field). */
  fields: Record<string, fc.Arbitrary<Value>>;
  /** Fields travel in the query (GET). */
  query?: boolean;
  /** oidc-provider endpoints: client authentication and bearer tokens are part of the request. */
  oauth?: boolean;
}

// Field values: what a form field may hold, known now or only at run time.

const text = (value: string): Value => ({ text: value });
const ref = (name: string): fc.Arbitrary<Value> => mutated(name);
const texts = (...values: string[]): fc.Arbitrary<Value> => fc.constantFrom(...values.map(text));

/** Characters of one UTF-16 unit that are more than one UTF-8 byte, no UTF-8 at all (lone surrogates), or NUL. */
const MULTIBYTE = ['é', 'ß', 'ÿ', 'Ā', '€', 'ﬀ', '\u00a0', '\u0000', '\ud800', '\udfff'];

function mutated(name: string): fc.Arbitrary<Value> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<Value>({ ref: name, mutation: { kind: 'none' } }) },
    {
      weight: 3,
      arbitrary: fc.record({
        at: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 3 }),
        chars: fc.array(fc.constantFrom(...MULTIBYTE), { minLength: 1, maxLength: 3 }),
      }).map(({ at, chars }): Value => ({ ref: name, mutation: { kind: 'multibyte', at, chars } })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('truncate', 'double', 'upper', 'appendMultibyte', 'nul', 'lowSurrogate').map((kind): Value => ({ ref: name, mutation: { kind } as Mutation })),
    },
  );
}

function mutate(value: string, mutation: Mutation): string {
  switch (mutation.kind) {
    case 'none': return value;
    case 'truncate': return value.slice(0, -1);
    case 'double': return value + value;
    case 'upper': return value.toUpperCase() === value ? value.toLowerCase() : value.toUpperCase();
    case 'appendMultibyte': return `${value}é`;
    case 'nul': return `${value.slice(0, -1)}\u0000`;
    case 'lowSurrogate': return `${value.slice(0, -1)}\udc00`;
    case 'multibyte': {
      // Replaces characters in place: the length in UTF-16 units stays, the length in bytes grows.
      const chars = [...value];
      mutation.at.forEach((at, index) => {
        if (chars.length > 0) chars[Math.floor(at * chars.length)] = mutation.chars[index % mutation.chars.length] ?? 'é';
      });
      return chars.join('');
    }
  }
}

/** Odd text for any field. */
const oddValue: fc.Arbitrary<Value> = fc.oneof(
  fc.string({ maxLength: 40 }).map(text),
  fc.string({ unit: 'binary', maxLength: 20 }).map(text),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(text),
  texts(
    '', ' ', '\u0000', 'a\u0000b', '%', '%zz', '%E9', '+', '&', '=', '&=&', '__proto__', '[object Object]', '-1', '1e309', 'NaN',
    'true', 'null', '{}', '[]', '{"$gt":""}', '😀', 'é'.repeat(43), '\ud800', '\udfff\ud800', '\r\n', '<script>x</script>', "' OR 1=1 --",
  ),
);

const email = fc.oneof(ref('email'), texts('PERSON1@EXAMPLE.ORG', ' person1@example.org ', 'no-at-sign', '@', 'a@b'), fc.emailAddress().map(text));
const sixDigits = fc.stringMatching(/^\d{6}$/).map(text);
const code = fc.oneof(sixDigits, texts(
  '123 456', '１２３４５６', 'ABCDE-FGHJK', 'abcde-fghjk', '000000', '999999999',
  // Shaped like a passkey's answer (JSON), and JSON that is not one.
  '{"id":"x","rawId":"x","type":"public-key","response":{}}', '{"id":', '[]', '{}', `{"id":"${'x'.repeat(2000)}"}`,
));
const password = texts('Correct horse battery staple 9!', 'short', 'x'.repeat(4096), 'x'.repeat(4097), 'pässwörd with ümlauts 123!');
const kind = texts('code', 'recovery', 'totp', 'CODE');
const method = texts('totp', 'sms', 'passkey', 'webauthn', 'TOTP');
const passkeyName = texts('Work laptop', '', 'x'.repeat(61), '<script>alert(1)</script>', '\u0000');
const phone = texts('+31612345678', '0612345678', '+1', '++31 6', '+31612345678'.repeat(10));

/** The browsers of a login interaction: the login page, the code step (app, SMS), the set-up during login, consent. */
const INTERACTION: ContextName[] = ['login', 'code', 'sms', 'enrol', 'consent'];
const ACCOUNT_PAGE: ContextName[] = ['account', 'visitor'];
const RESET: ContextName[] = ['reset', 'resetCode'];

function interaction(path: string, fields: Target['fields'] = {}): Target {
  return { route: `POST /interaction/:uid${path}`, method: 'POST', param: 'uid', contexts: INTERACTION, token: 'csrf', fields };
}
function account(path: string, fields: Target['fields'] = {}): Target {
  return { route: `POST ${ACCOUNT}${path}`, method: 'POST', contexts: ACCOUNT_PAGE, token: 'csrf', fields };
}
function reset(path: string, fields: Target['fields'] = {}): Target {
  return { route: `POST /reset-password/:token${path}`, method: 'POST', param: 'token', contexts: RESET, token: 'csrf', fields };
}
function welcome(path: string, fields: Target['fields'] = {}): Target {
  return { route: `POST /welcome/:token${path}`, method: 'POST', param: 'token', contexts: ['welcome'], token: 'csrf', fields };
}

const clientId = fc.oneof(ref('clientId'), ref('postClientId'), ref('publicClientId'));
const clientSecret = fc.oneof(ref('clientSecret'), ref('postClientSecret'));
const anyToken = fc.oneof(ref('accessToken'), ref('idToken'), texts('x'.repeat(43), 'eyJhbGciOiJub25lIn0.e30.', 'a.b.c'));
const endSession = {
  id_token_hint: fc.oneof(ref('idToken'), anyToken),
  post_logout_redirect_uri: fc.oneof(ref('postLogoutUri'), texts('https://evil.example/', 'javascript:alert(1)', '/relative')),
  state: texts('s', 'x'.repeat(2000)),
  client_id: clientId,
  ui_locales: texts('nl', 'en', 'xx', 'nl en', 'é'),
  logout_hint: email,
};

const authorizationParameters = {
  client_id: clientId,
  redirect_uri: fc.oneof(ref('redirectUri'), texts('https://evil.example/callback')),
  response_type: texts('code', 'token', 'id_token', 'code id_token', ''),
  scope: texts('openid', 'openid profile email offline_access', 'profile'),
  state: texts('s'),
  nonce: texts('n', 'x'.repeat(5000)),
  code_challenge: texts('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'é'),
  code_challenge_method: texts('S256', 'plain'),
  prompt: texts('login', 'none', 'consent', 'select_account', 'login consent'),
  max_age: texts('0', '-1', 'x'),
  claims: texts('{', '{"id_token":{"acr":{"essential":true,"value":"x"}}}'),
  acr_values: texts('urn:poort:acr:mfa', 'x'),
  ui_locales: texts('nl', 'xx'),
  login_hint: email,
  request: anyToken,
  request_uri: texts('urn:ietf:params:oauth:request_uri:x', 'https://evil.example/r'),
};

const TARGETS: Target[] = [
  interaction('/login', { email, password }),
  interaction('/second-factor', { kind, code }),
  interaction('/second-factor/resend'),
  interaction('/enrol/start', { method, phone, passkeyName }),
  interaction('/enrol/verify', { code }),
  interaction('/enrol/done'),
  interaction('/enrol/restart'),
  interaction('/forgot', { email }),
  interaction('/confirm'),
  interaction('/abort'),

  account('/verify', { kind, code }),
  account('/send-code', { section: texts('disable', 'password', 'two-factor', '') }),
  account('/enrol/start', { method, phone, passkeyName, password }),
  account('/enrol/verify', { code }),
  account('/enrol/done'),
  account('/enrol/restart'),
  account('/recovery-codes', { password }),
  account('/recovery-codes/done'),
  account('/code-validity', { password, validity: texts('3600', '14400', '-1', '0', '1e309', '3600.5', '0x10', ' 3600') }),
  account('/disable', { password, code }),
  account('/password', { current: password, code, password, confirm: password }),
  account('/sessions/end', { session: texts('no-such-session', 'x'.repeat(201), '{"$ne":null}', '') }),
  account('/sessions/end-others'),
  account('/items/remove', { item: texts('no-such-passkey', 'x'.repeat(1025), '{"$ne":null}', ''), password, code }),

  reset('', { password, confirm: password }),
  reset('/code', { kind, code }),
  reset('/resend'),

  welcome('', { password, confirm: password }),
  welcome('/fresh'),

  {
    route: 'POST /token', method: 'POST', contexts: ['rp'], oauth: true, fields: {
      grant_type: texts('authorization_code', 'refresh_token', 'client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit', ''),
      code: texts('x'.repeat(43), 'é'.repeat(43)),
      redirect_uri: fc.oneof(ref('redirectUri'), texts('https://evil.example/callback')),
      code_verifier: texts('x'.repeat(43), 'x'.repeat(129), 'é'),
      refresh_token: texts('x'.repeat(43), 'é'.repeat(43)),
      scope: texts('openid', 'openid offline_access', 'admin', ''),
      client_id: clientId,
      client_secret: clientSecret,
      resource: texts('https://api.example/', 'urn:x'),
      client_assertion_type: texts('urn:ietf:params:oauth:client-assertion-type:jwt-bearer'),
      client_assertion: anyToken,
    },
  },
  { route: 'GET /me', method: 'GET', contexts: ['rp'], oauth: true, query: true, fields: { access_token: anyToken, claims: texts('{}', '{"userinfo":{"email":null}}', '{') } },
  { route: 'POST /me', method: 'POST', contexts: ['rp'], oauth: true, fields: { access_token: anyToken, claims: texts('{}', '{"userinfo":{"email":null}}', '{') } },
  {
    route: 'POST /token/revocation', method: 'POST', contexts: ['rp'], oauth: true, fields: {
      token: fc.oneof(ref('revocableAccessToken'), ref('revocableRefreshToken'), anyToken),
      token_type_hint: texts('access_token', 'refresh_token', 'id_token', 'x'),
      client_id: clientId,
      client_secret: clientSecret,
    },
  },
  { route: 'GET /session/end', method: 'GET', contexts: ['logout', 'rp'], oauth: true, query: true, fields: endSession },
  { route: 'POST /session/end', method: 'POST', contexts: ['logout', 'rp'], oauth: true, fields: endSession },
  {
    route: 'POST /session/end/confirm', method: 'POST', contexts: ['logout', 'rp'], oauth: true, token: 'xsrf',
    fields: { logout: texts('yes', 'no', 'true', ''), xsrf: ref('xsrf') },
  },
  { route: 'POST /auth', method: 'POST', contexts: ['logout', 'rp'], oauth: true, fields: authorizationParameters },
  // Pushed authorization requests (RFC 9126): the same parameters, from the client with its credentials.
  { route: 'POST /request', method: 'POST', contexts: ['rp'], oauth: true, fields: { ...authorizationParameters, client_secret: clientSecret } },
];

/** Requests in one run over all routes (by default). */
const MIN_REQUESTS = 2100;
const RUNS_DEFAULT = Math.ceil(MIN_REQUESTS / TARGETS.length);
/** Requests per route. */
const RUNS = Number(process.env.FUZZ_RUNS ?? RUNS_DEFAULT);

// ---------------------------------------------------------------------------------------------------------------
// Requests: a spec says what to send in terms of the browser it comes from; `build` turns it into bytes.
// ---------------------------------------------------------------------------------------------------------------

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'csrf[]', 'a[b]', '', ' ', 'é', '%', 'a\u0000'];

interface Pair { key: string; value: Value }

/** A URL-encoded form, JSON, a multipart body or nothing; then spoiled bytes and padding to the size limit. */
interface BodySpec {
  shape: 'urlencoded' | 'json' | 'multipart' | 'empty';
  pairs: Pair[];
  encoding: 'percent' | 'plus' | 'raw' | 'lowercase';
  jsonWrap: Array<'string' | 'array' | 'object' | 'number' | 'null'>;
  corruptions: Array<{ at: number; bytes: number[] }>;
  pad: 'none' | 'under' | 'limit' | 'over' | 'huge';
  padKey: string;
}

/** Bytes that spoil a body: not UTF-8 (stray continuation, overlong, surrogate, truncated), bad escapes, NUL, separators. */
const CORRUPTIONS: number[][] = [
  [0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0x00],
  ...['%zz', '%E9', '%', '%%', '%0', '%00', '%C3%28', '%ED%A0%80', '%F0%9F%98', '%c3%a9', '&&', '=', '&=&', '+', '%2', '%u00e9'].map((s) => [...Buffer.from(s)]),
];

function pairsFor(target: Target): fc.Arbitrary<Pair[]> {
  const names = Object.keys(target.fields);
  const fieldValue = (name: string): fc.Arbitrary<Value> => fc.oneof({ weight: 4, arbitrary: target.fields[name] ?? oddValue }, { weight: 1, arbitrary: oddValue });
  const fields = fc.tuple(...names.map((name) => fc.option(fieldValue(name), { freq: 5, nil: undefined })));
  const keyNames = [...names, ...(target.token ? [target.token] : [])];
  const extraKey = fc.oneof(
    { weight: 3, arbitrary: keyNames.length > 0 ? fc.constantFrom(...keyNames) : fc.constant('note') },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_KEYS, ...keyNames.map((k) => `${k}[]`), ...keyNames.map((k) => `${k}[$ne]`)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const extras = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Pair[]>([]) },
    { weight: 2, arbitrary: fc.array(fc.record({ key: extraKey, value: fc.oneof(oddValue, ...names.map(fieldValue)) }), { minLength: 1, maxLength: 3 }) },
  );
  const token = target.token ? tokenPairs(target.token) : fc.constant<Pair[]>([]);
  return fc.tuple(fields, extras, token, fc.nat()).map(([present, more, tokenPairs, position]) => {
    const pairs: Pair[] = [];
    names.forEach((name, index) => {
      const value = present[index];
      if (value) pairs.push({ key: name, value });
    });
    pairs.push(...more);
    // The token somewhere in the form, not always first.
    pairs.splice(pairs.length === 0 ? 0 : position % (pairs.length + 1), 0, ...tokenPairs);
    return pairs;
  });
}

/** The CSRF (or xsrf) field: right, missing, twice, as an array, someone else's, or altered in characters or bytes. */
function tokenPairs(name: 'csrf' | 'xsrf'): fc.Arbitrary<Pair[]> {
  const own = mutated(name);
  return fc.oneof(
    { weight: 8, arbitrary: own.map((value) => [{ key: name, value }]) },
    { weight: 1, arbitrary: fc.constant<Pair[]>([]) },
    { weight: 1, arbitrary: fc.constant<Pair[]>([{ key: name, value: { ref: name, mutation: { kind: 'none' } } }, { key: name, value: { ref: name, mutation: { kind: 'none' } } }]) },
    { weight: 1, arbitrary: fc.constant<Pair[]>([{ key: `${name}[]`, value: { ref: name, mutation: { kind: 'none' } } }]) },
    { weight: 1, arbitrary: fc.constant<Pair[]>([{ key: name, value: { ref: `${name}.foreign`, mutation: { kind: 'none' } } }]) },
    // 43 characters, as a real token, but any of them may be multibyte.
    { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...MULTIBYTE), fc.constantFrom(...'ABCxyz019-_')), { minLength: 43, maxLength: 43 }).map((chars) => [{ key: name, value: text(chars.join('')) }]) },
    { weight: 1, arbitrary: oddValue.map((value) => [{ key: name, value }]) },
  );
}

function bodyFor(target: Target): fc.Arbitrary<BodySpec> {
  return fc.record({
    shape: fc.oneof({ weight: 17, arbitrary: fc.constant('urlencoded' as const) }, { weight: 2, arbitrary: fc.constant('json' as const) }, { weight: 1, arbitrary: fc.constantFrom('multipart' as const, 'empty' as const) }),
    pairs: pairsFor(target),
    encoding: fc.oneof({ weight: 6, arbitrary: fc.constant('percent' as const) }, { weight: 1, arbitrary: fc.constantFrom('plus' as const, 'raw' as const, 'lowercase' as const) }),
    jsonWrap: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant('string' as const) }, { weight: 1, arbitrary: fc.constantFrom('array' as const, 'object' as const, 'number' as const, 'null' as const) }), { maxLength: 12 }),
    corruptions: fc.oneof(
      { weight: 3, arbitrary: fc.constant<BodySpec['corruptions']>([]) },
      { weight: 1, arbitrary: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom(...CORRUPTIONS) }), { minLength: 1, maxLength: 3 }) },
    ),
    pad: fc.oneof({ weight: 20, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('under' as const, 'limit' as const, 'over' as const, 'huge' as const) }),
    padKey: fc.constantFrom('note', ...Object.keys(target.fields)),
  });
}

type Cookies = 'own' | 'none' | 'foreign' | 'badSignature' | 'multibyte' | 'junk' | 'long';
type Auth =
  | { kind: 'none' }
  | { kind: 'basic'; id: Value; secret: Value; escape: boolean }
  | { kind: 'bearer'; token: Value }
  | { kind: 'raw'; value: string };

interface Spec {
  context: number;
  param: 'own' | 'foreign' | 'random' | 'odd';
  oddParam: string;
  cookies: Cookies;
  method: string;
  body: BodySpec;
  contentType: string | 'matching' | null;
  accept: string | null;
  acceptLanguage: string | null;
  auth: Auth;
}

/* Methods Node accepts but no router knows: answered 405 (src/http/errors.ts), never a 5xx. */
const UNKNOWN_METHODS = ['PROPFIND', 'PURGE', 'MKCOL', 'LINK'];

const ODD_PARAMS = ['%zz', '%E9', '%00', 'é', '%2e%2e', 'a'.repeat(2000), '%F0%9F%98', '%20', '__proto__', '%ED%A0%80', 'x%2Fy'];

function authFor(target: Target): fc.Arbitrary<Auth> {
  const basic = fc.record({
    kind: fc.constant('basic' as const),
    id: fc.oneof({ weight: 4, arbitrary: clientId }, { weight: 1, arbitrary: oddValue }),
    secret: fc.oneof({ weight: 4, arbitrary: clientSecret }, { weight: 1, arbitrary: oddValue }),
    escape: fc.boolean(),
  });
  const bearer = fc.record({ kind: fc.constant('bearer' as const), token: fc.oneof(anyToken, oddValue) });
  const raw = fc.record({
    kind: fc.constant('raw' as const),
    value: fc.constantFrom(
      'Basic', 'Basic ', 'Basic !!!', 'Basic =', 'Basic Og==', `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}`, `Basic ${Buffer.from('%zz:%E9').toString('base64')}`,
      `Basic ${'QUFB'.repeat(2000)}`, 'Basic QU FB', 'basic Og==', 'Bearer', 'Bearer ', 'DPoP x', 'Negotiate x',
      utf8Header('Bearer é'), utf8Header(`Basic ${'é'}`), 'Bearer a b', 'Bearer x, Basic Og==',
    ),
  });
  return target.oauth
    ? fc.oneof({ weight: 3, arbitrary: fc.constant<Auth>({ kind: 'none' }) }, { weight: 4, arbitrary: basic }, { weight: 2, arbitrary: bearer }, { weight: 1, arbitrary: raw })
    : fc.oneof({ weight: 12, arbitrary: fc.constant<Auth>({ kind: 'none' }) }, { weight: 1, arbitrary: fc.oneof(basic, bearer, raw) });
}

/**
 * Two kinds of request, half and half: a browser's own form with the right cookies and token (its field values still
 * generated), which reaches the route's own validation; and a hostile one, where anything may be off.
 */
function specFor(target: Target): fc.Arbitrary<Spec> {
  return fc.tuple(fc.boolean(), hostileSpec(target)).map(([clean, spec]): Spec => clean ? {
    ...spec,
    param: 'own',
    cookies: 'own',
    method: target.method,
    contentType: 'matching',
    body: cleanBody(target, spec.body),
    auth: clientAuth(target),
  } : spec);
}

/** How the relying party authenticates where it has to: its bearer token at userinfo, its secret at the others. */
function clientAuth(target: Target): Auth {
  const none: Value = { ref: 'none', mutation: { kind: 'none' } };
  if (target.route.endsWith(' /me')) return { kind: 'bearer', token: { ...none, ref: 'accessToken' } };
  if (['POST /token', 'POST /token/revocation', 'POST /request'].includes(target.route)) {
    return { kind: 'basic', id: { ...none, ref: 'clientId' }, secret: { ...none, ref: 'clientSecret' }, escape: true };
  }
  return { kind: 'none' };
}

/** The browser's form: the route's own fields once each, and the right token. */
function cleanBody(target: Target, body: BodySpec): BodySpec {
  const seen = new Set<string>();
  const pairs = body.pairs.filter((pair) => {
    if (!Object.hasOwn(target.fields, pair.key) || pair.key === target.token || seen.has(pair.key)) return false;
    seen.add(pair.key);
    return true;
  });
  const token: Pair[] = target.token ? [{ key: target.token, value: { ref: target.token, mutation: { kind: 'none' } } }] : [];
  return { ...body, shape: 'urlencoded', encoding: 'percent', corruptions: [], pad: 'none', pairs: [...token, ...pairs] };
}

function hostileSpec(target: Target): fc.Arbitrary<Spec> {
  return fc.record({
    context: fc.nat({ max: target.contexts.length - 1 }),
    param: fc.oneof({ weight: 12, arbitrary: fc.constant('own' as const) }, { weight: 1, arbitrary: fc.constantFrom('foreign' as const, 'random' as const, 'odd' as const) }),
    oddParam: fc.constantFrom(...ODD_PARAMS),
    cookies: fc.oneof({ weight: 14, arbitrary: fc.constant('own' as const) }, { weight: 1, arbitrary: fc.constantFrom<Cookies>('none', 'foreign', 'badSignature', 'multibyte', 'junk', 'long') }),
    method: fc.oneof({ weight: 30, arbitrary: fc.constant(target.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST', ...UNKNOWN_METHODS) }),
    body: bodyFor(target),
    contentType: fc.oneof(
      { weight: 14, arbitrary: fc.constant('matching' as const) },
      {
        weight: 3,
        arbitrary: fc.constantFrom<string | null>(
          null, 'text/plain', 'multipart/form-data; boundary=x', 'application/json', 'application/x-www-form-urlencoded; charset=UTF-8',
          'application/x-www-form-urlencoded; charset=iso-8859-1', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded, application/json',
          'application/x-www-form-urlencoded; charset="utf-8"; x=y', '*/*', 'application/', ';', utf8Header('application/x-www-form-urlencoded; charset=é'),
          'text/html', 'application/x-www-form-urlencoded;;', 'application/jwt',
        ),
      },
    ),
    accept: fc.oneof(
      { weight: 6, arbitrary: fc.constant(target.oauth ? 'application/json' : 'text/html') },
      { weight: 2, arbitrary: fc.constantFrom<string | null>(null, 'text/html', 'application/json', '*/*', 'application/problem+json', 'text/html;q=0.1, application/json;q=0.2', 'x', 'text/*;q=abc', 'a/b, '.repeat(1000)) },
    ),
    acceptLanguage: fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('nl', 'en-GB,en;q=0.9', 'xx-YY', 'nl;q=abc', '*', 'en,'.repeat(1000), utf8Header('é'), 'nl;q=0, en;q=0') },
    ),
    auth: authFor(target),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The browsers: each a cookie jar with what its pages carried (CSRF token, interaction uid, reset token), made again
// when a request ended what it was for (an interaction finished, a link used, a session logged out).
// ---------------------------------------------------------------------------------------------------------------

interface Context {
  agent: Agent;
  /** The path parameter for routes that take one. */
  param?: string;
  refs: Record<string, string>;
}

interface Tenants {
  login: Tenant;
  code: Tenant;
  sms: Tenant;
  enrol: Tenant;
  consent: Tenant;
  account: Tenant;
  reset: Tenant;
  resetCode: Tenant;
  rp: Tenant;
  post: Tenant;
  logout: Tenant;
}

let tenants: Tenants;
/** The authenticator key of the account whose security page is fuzzed (its browser logs in with a code). */
let accountSecret: string;
const contexts = new Map<ContextName, Context>();
/** Someone else's browser: its cookies, CSRF token and interaction uid are sent as the wrong ones. */
let stranger: Context;
/** Client credentials and tokens of a real relying party, for the oidc-provider endpoints. */
let rpRefs: Record<string, string>;

const csrfOf = (html: string): string => inputValue(html, 'csrf') ?? '';

async function interactionContext(tenant: Tenant, pending: boolean): Promise<Context> {
  const login = await openLogin(poort, tenant);
  if (pending) {
    // What a right password leaves behind (as POST /login does), without spending a password attempt on it.
    await createInteractionStates(poort.provider).setPending(login.uid, { accountId: tenant.accountId, amr: [AMR.password], passwordAt: new Date() });
  }
  const page = await login.agent.request(login.base);
  if (page.status !== 200) throw new Error(`interaction page answered ${page.status}`);
  return { agent: login.agent, param: login.uid, refs: { csrf: login.csrf, email: tenant.email } };
}

/**
 * Before a browser logs in for real: every wrong password the fuzz sends comes from this one address, and the per-IP
 * limit on failures (tested on its own in security/throttling.test.ts) would refuse this login too after enough runs.
 */
async function forgetFailuresOfThisAddress(): Promise<void> {
  await poort.container.db.collection('throttle_password_ip').deleteMany({});
}

async function consentContext(): Promise<Context> {
  await forgetFailuresOfThisAddress();
  const step = await passwordStep(poort, tenants.consent);
  const uid = /\/interaction\/([\w-]+)$/.exec(step.step.url)?.[1];
  if (step.step.status !== 200 || !uid || !step.step.body.includes('/confirm"')) throw new Error(`no consent page: ${step.step.status} ${step.step.url}`);
  return { agent: step.agent, param: uid, refs: { csrf: csrfOf(step.step.body), email: tenants.consent.email } };
}

async function resetContext(tenant: Tenant): Promise<Context> {
  // The fuzz asks for links ("forgot password") far more often than one address or IP may; those limits are tested
  // on their own (forgot-password/throttling.test.ts), so their counters start again for each new link here.
  await Promise.all(['throttle_reset_ip', 'throttle_reset_address'].map((name) => poort.container.db.collection(name).deleteMany({})));
  const link = await freshLink(poort, tenant);
  const agent = new Agent();
  const page = await agent.follow(link, poort.issuer);
  if (page.status !== 200) throw new Error(`reset link answered ${page.status}`);
  return { agent, param: link.slice(link.lastIndexOf('/') + 1), refs: { csrf: csrfOf(page.body) } };
}

let invited = 0;

/** A browser at the page of a fresh welcome link (a new invited account each time: a link sets one password). */
async function welcomeContext(): Promise<Context> {
  // As for reset links: the fresh-link limits are tested on their own (invitations/welcome.test.ts).
  await Promise.all(['throttle_welcome_ip', 'throttle_welcome_account'].map((name) => poort.container.db.collection(name).deleteMany({})));
  invited += 1;
  const { accounts, invitations } = poort.container;
  const account = await accounts.create({ organisationId: tenants.login.organisationId, email: `invited${invited}@example.org`, role: 'client' });
  const { link } = await invitations.send(account._id, { role: 'operator' });
  const agent = new Agent();
  const page = await agent.follow(link, poort.issuer);
  if (page.status !== 200) throw new Error(`welcome link answered ${page.status}`);
  return { agent, param: link.slice(link.lastIndexOf('/') + 1), refs: { csrf: csrfOf(page.body) } };
}

async function logoutContext(): Promise<Context> {
  await forgetFailuresOfThisAddress();
  const agent = new Agent();
  const config = await discover(poort.issuer, tenants.logout);
  const request = await authorizationRequest(config, tenants.logout.redirectUri);
  const tokens = await exchange(config, await browserLogin(agent, poort.issuer, request, tenants.logout.email, tenants.logout.password), request);
  return { agent, refs: { idToken: String(tokens.id_token), postLogoutUri: postLogoutUri(tenants.logout), xsrf: '' } };
}

const MAKE: Record<ContextName, () => Promise<Context>> = {
  login: () => interactionContext(tenants.login, false),
  code: () => interactionContext(tenants.code, true),
  sms: () => interactionContext(tenants.sms, true),
  enrol: () => interactionContext(tenants.enrol, true),
  consent: consentContext,
  account: async () => {
    await forgetFailuresOfThisAddress();
    const { login } = await loginWithCode(poort, tenants.account, () => totpNow(poort, accountSecret));
    const page = await login.agent.follow(`${poort.issuer}${ACCOUNT}`, poort.issuer);
    if (!isAccountPage(page)) throw new Error(`no account page: ${page.status}`);
    return { agent: login.agent, refs: { csrf: csrfOf(page.body) } };
  },
  visitor: async () => {
    const agent = new Agent();
    const page = await agent.follow(`${poort.issuer}${ACCOUNT}`, poort.issuer);
    return { agent, refs: { csrf: csrfOf(page.body) } };
  },
  reset: () => resetContext(tenants.reset),
  welcome: welcomeContext,
  resetCode: () => resetContext(tenants.resetCode),
  rp: async () => ({ agent: new Agent(), refs: {} }),
  logout: logoutContext,
};

async function contextFor(name: ContextName): Promise<Context> {
  let context = contexts.get(name);
  if (!context) {
    context = await MAKE[name]();
    contexts.set(name, context);
    fingerprint = undefined;
  }
  return context;
}

/** After an accepted request: is the browser still where the fuzz wants it (the same interaction, link, session)? */
function spent(name: ContextName, context: Context, target: Target, response: RawResponse): boolean {
  const location = response.location ?? '';
  if (target.param === 'uid') return !location.startsWith(`${poort.issuer}/interaction/${context.param}`);
  // A welcome link is spent once it let the person in (sent on to the platform or the account page).
  if (target.route.startsWith('POST /welcome/')) return !location.startsWith(`${poort.issuer}/welcome/`);
  if (target.param === 'token') return location.startsWith(`${poort.issuer}/reset-password/done`);
  if (name === 'logout') return target.route === 'POST /session/end/confirm';
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Turning a spec into bytes
// ---------------------------------------------------------------------------------------------------------------

function resolve(value: Value, refs: Record<string, string>): string {
  if ('text' in value) return value.text;
  return mutate(refs[value.ref] ?? '', value.mutation);
}

function encodePart(part: string, encoding: BodySpec['encoding']): string {
  switch (encoding) {
    case 'percent': return percentEncode(part);
    case 'plus': return percentEncode(part, true);
    case 'lowercase': return percentEncode(part).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    case 'raw': return part;
  }
}

function renderBody(body: BodySpec, refs: Record<string, string>): Buffer {
  const pairs = body.pairs.map(({ key, value }) => [key, resolve(value, refs)] as const);
  let bytes: Buffer;
  switch (body.shape) {
    case 'empty':
      bytes = Buffer.alloc(0);
      break;
    case 'json': {
      const object: Record<string, unknown> = {};
      pairs.forEach(([key, value], index) => {
        const wrap = body.jsonWrap[index] ?? 'string';
        const wrapped = wrap === 'array' ? [value] : wrap === 'object' ? { $ne: value } : wrap === 'number' ? Number(value) || 0 : wrap === 'null' ? null : value;
        Object.defineProperty(object, key, { value: wrapped, enumerable: true, writable: true, configurable: true });
      });
      bytes = Buffer.from(JSON.stringify(object), 'utf8');
      break;
    }
    case 'multipart':
      bytes = Buffer.from(`${pairs.map(([key, value]) => `--B\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`).join('')}--B--\r\n`, 'utf8');
      break;
    case 'urlencoded':
      bytes = Buffer.from(pairs.map(([key, value]) => `${encodePart(key, body.encoding)}=${encodePart(value, body.encoding)}`).join('&'), 'utf8');
      break;
  }
  for (const { at, bytes: spoil } of body.corruptions) {
    const index = Math.floor(at * bytes.length);
    bytes = Buffer.concat([bytes.subarray(0, index), Buffer.from(spoil), bytes.subarray(index)]);
  }
  const size = { none: 0, under: FORM_LIMIT_BYTES - 1, limit: FORM_LIMIT_BYTES, over: FORM_LIMIT_BYTES + 1, huge: 4 * FORM_LIMIT_BYTES }[body.pad];
  if (size > 0) {
    const head = Buffer.from(`${bytes.length > 0 ? '&' : ''}${body.padKey}=`);
    const fill = Math.max(0, size - bytes.length - head.length);
    bytes = Buffer.concat([bytes, head, Buffer.alloc(fill, 'x')]);
  }
  return bytes;
}

function cookieHeader(cookies: Cookies, own: Agent): string | undefined {
  const header = own.cookieHeader();
  switch (cookies) {
    case 'own': return header || undefined;
    case 'none': return undefined;
    case 'foreign': return stranger.agent.cookieHeader();
    case 'badSignature': return header.replace(/(\.sig=)([^;]*)/g, (_whole, name: string, sig: string) => `${name}${sig.split('').reverse().join('')}`);
    case 'multibyte': return header.replace(/=([^;]*)/g, (_whole, value: string) => `=${value}${utf8Header('é')}`);
    case 'junk': return `=; ;;a=b; poort.csrf=%zz; poort.csrf.sig=; __proto__=x; ${header}`;
    case 'long': return `${header}; filler=${'x'.repeat(6000)}`;
  }
}

function authHeader(auth: Auth, refs: Record<string, string>): string | undefined {
  switch (auth.kind) {
    case 'none': return undefined;
    case 'raw': return auth.value;
    case 'bearer': return `Bearer ${utf8Header(resolve(auth.token, refs))}`;
    case 'basic': {
      const id = resolve(auth.id, refs);
      const secret = resolve(auth.secret, refs);
      // RFC 6749 §2.3.1 escapes both parts before Basic encoding; clients that do not are common too.
      const pair = auth.escape ? `${percentEncode(id)}:${percentEncode(secret)}` : `${id}:${secret}`;
      return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    }
  }
}

const MATCHING: Record<BodySpec['shape'], string> = {
  urlencoded: 'application/x-www-form-urlencoded',
  json: 'application/json',
  multipart: 'multipart/form-data; boundary=B',
  empty: 'application/x-www-form-urlencoded',
};

function pathOf(target: Target, spec: Spec, context: Context): string {
  const [, path = ''] = target.route.split(' ');
  if (!target.param) return path;
  const own = context.param ?? '';
  const value = {
    own,
    foreign: target.param === 'uid' ? stranger.param ?? '' : 'A'.repeat(43),
    random: own.split('').reverse().join(''),
    odd: spec.oddParam,
  }[spec.param];
  return path.replace(`:${target.param}`, value);
}

function build(target: Target, spec: Spec, context: Context): RawRequest {
  const refs = { ...rpRefs, ...context.refs, 'csrf.foreign': stranger.refs.csrf ?? '', 'xsrf.foreign': 'x'.repeat(43) };
  const headers: Record<string, string> = {};
  const cookie = cookieHeader(spec.cookies, context.agent);
  if (cookie) headers.cookie = cookie;
  if (spec.accept !== null) headers.accept = spec.accept;
  if (spec.acceptLanguage !== null) headers['accept-language'] = spec.acceptLanguage;
  const authorization = authHeader(spec.auth, refs);
  if (authorization !== undefined) headers.authorization = authorization;
  let url = `${poort.issuer}${pathOf(target, spec, context)}`;
  const canHaveBody = spec.method !== 'GET' && spec.method !== 'HEAD';
  let body: Buffer | undefined;
  if (target.query || !canHaveBody) {
    const query = renderBody({ ...spec.body, shape: 'urlencoded', pad: 'none' }, refs).toString('latin1');
    if (query) url += `?${query}`;
  } else {
    body = renderBody(spec.body, refs);
    const type = spec.contentType === 'matching' ? MATCHING[spec.body.shape] : spec.contentType;
    if (type !== null) headers['content-type'] = type;
  }
  // A header value holds only what HTTP allows there (RFC 9110 §5.5: visible characters, bytes 0x80–0xFF, space,
  // tab); control characters cannot cross the wire, so they are left out.
  for (const [name, value] of Object.entries(headers)) headers[name] = value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
  return { method: spec.method, url, headers, body };
}

// ---------------------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------------------

/*
 * oidc-provider writes the session back at the end of every request that read it (authorization, logout, logout
 * confirmation) — refused ones too. Its expiry is what is left of the session's absolute age (ttl.Session in
 * src/oidc/provider.ts), so a write-back changes nothing but, at most, the one second it can straddle (the remaining
 * lifetime is counted in whole seconds): that, and only that, is let through.
 */
const sessionExpiryMove = (from: number, to: number): boolean => to - from === 1;

/** The database as it was before the next request, when known (a refused request's "after" is the next "before"). */
let fingerprint: Snapshot | undefined;

interface Tally {
  sent: number;
  refused: number;
  /** Refused requests after which oidc-provider's write-back of the session had moved its expiry (see sessionExpiryMove). */
  sessionMoves: number;
  byStatus: Map<number, number>;
}
const tallies = new Map<string, Tally>();

async function prepare(name: ContextName, target: Target, spec: Spec, context: Context): Promise<void> {
  // oidc-provider's logout form token lives in the session: a real browser reads it from the page just shown.
  if (target.token === 'xsrf' && name === 'logout' && spec.cookies === 'own') {
    const page = await context.agent.request(`${poort.issuer}/session/end?${new URLSearchParams({ id_token_hint: context.refs.idToken ?? '' }).toString()}`);
    context.refs.xsrf = inputValue(page.body, 'xsrf') ?? '';
    fingerprint = undefined;
  }
}

async function check(target: Target, spec: Spec): Promise<void> {
  const name = target.contexts[spec.context] as ContextName;
  const context = await contextFor(name);
  await prepare(name, target, spec, context);
  const request = build(target, spec, context);
  fingerprint ??= await snapshot(poort.container.db);
  let response: RawResponse;
  try {
    response = await send(request);
  } catch (error) {
    throw new Error(`no answer (${String(error)}) to\n${describeRequest(request)}`, { cause: error });
  }
  const tally = tallies.get(target.route) ?? { sent: 0, refused: 0, sessionMoves: 0, byStatus: new Map() };
  tallies.set(target.route, tally);
  tally.sent += 1;
  tally.byStatus.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);

  const failure = (what: string): Error => new Error(`${what}\n${describeRequest(request, response)}`);
  if (response.status >= 500) throw failure(`answered ${response.status}`);
  try {
    expectNoLeak(response.body);
  } catch {
    throw failure('the answer shows internals');
  }
  if (response.status >= 400) {
    tally.refused += 1;
    const before = fingerprint;
    const after = await snapshot(poort.container.db);
    fingerprint = after;
    if (after.hash === before.hash) return;
    if (onlySessionExpiryMoved(before, after, sessionExpiryMove)) {
      tally.sessionMoves += 1;
      return;
    }
    throw failure(`a refused request changed the database:\n${changes(before, after).join('\n')}`);
  }
  // Accepted: whatever it saved is the new state; work it started (a reset mail) ends before the next "before".
  await poort.container.passwordResets.settle();
  await poort.container.invitations.settle();
  fingerprint = undefined;
  const sentWith = spec.cookies === 'own' ? name : undefined;
  if (sentWith && spent(sentWith, context, target, response)) contexts.delete(sentWith);
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  poort = await startPoort('security-fuzz');
  const make = (opts?: Parameters<typeof createTenant>[1]) => createTenant(poort, opts);
  tenants = {
    login: await make(), code: await make(), sms: await make(), enrol: await make(), consent: await make({ firstParty: false }), account: await make(),
    reset: await make(), resetCode: await make(), rp: await make(), post: await make({ authMethod: 'client_secret_post' }), logout: await make(),
  };
  await setPolicy(poort, tenants.code.organisationId, { twoFactor: 'optional' });
  await setPolicy(poort, tenants.sms.organisationId, { twoFactor: 'optional' });
  await setPolicy(poort, tenants.enrol.organisationId, { twoFactor: 'required' });
  await setPolicy(poort, tenants.account.organisationId, { twoFactor: 'optional' });
  await setPolicy(poort, tenants.resetCode.organisationId, { twoFactor: 'optional' });
  await enrolTotp(poort, tenants.code);
  await enrolTotp(poort, tenants.resetCode);
  accountSecret = (await enrolTotp(poort, tenants.account)).secret;
  await enrolSms(poort, tenants.sms, '+31612345678');
  const publicClient = await poort.container.clients.create({ organisationId: tenants.rp.organisationId, redirectUris: [tenants.rp.redirectUri], public: true, firstParty: true });

  // Two logins at the relying party: one's tokens are only ever read (userinfo), the other's may be revoked.
  const tokensOf = async (): Promise<{ access: string; id: string; refresh: string }> => {
    const config = await discover(poort.issuer, tenants.rp);
    const request = await authorizationRequest(config, tenants.rp.redirectUri, { scope: 'openid profile email offline_access', prompt: 'consent' });
    const tokens = await exchange(config, await browserLogin(new Agent(), poort.issuer, request, tenants.rp.email, tenants.rp.password), request);
    return { access: tokens.access_token, id: String(tokens.id_token), refresh: String(tokens.refresh_token) };
  };
  const read = await tokensOf();
  const revocable = await tokensOf();
  rpRefs = {
    clientId: tenants.rp.clientId, clientSecret: tenants.rp.clientSecret,
    postClientId: tenants.post.clientId, postClientSecret: tenants.post.clientSecret, publicClientId: publicClient.clientId,
    accessToken: read.access, idToken: read.id,
    revocableAccessToken: revocable.access, revocableRefreshToken: revocable.refresh,
    redirectUri: tenants.rp.redirectUri, postLogoutUri: postLogoutUri(tenants.rp),
  };
  stranger = await interactionContext(await make(), false);
}, TIMEOUT);

afterAll(async () => {
  if (VERBOSE) {
    const lines = [...tallies].map(([route, t]) => `${route}: ${t.sent} sent, ${t.refused} refused${t.sessionMoves ? ` (${t.sessionMoves} moved the session's expiry)` : ''}, ${[...t.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    const total = [...tallies.values()].reduce((sum, t) => sum + t.sent, 0);
    const ipFailures = await poort.container.db.collection('throttle_password_ip').find().toArray();
    process.stdout.write(`fuzz seed ${SEED}: ${total} requests\n${lines.join('\n')}\npassword failures per IP: ${JSON.stringify(ipFailures)}\n`);
  }
  closeConnections();
  await poort.close();
});

test('every POST route Poort mounts, and every endpoint oidc-provider advertises, is fuzzed here', async () => {
  // The routers as the app mounts them (a second app on the same container: nothing listens on it).
  const app = createApp(poort.container) as unknown as { middleware: Array<{ router?: { stack: Array<{ methods: string[]; path: string }> } }> };
  // The admin API (JSON bodies, bearer tokens, every method answered) is fuzzed in test/integration/admin-api/api-fuzz.test.ts.
  const mounted = app.middleware.flatMap((middleware) => middleware.router?.stack ?? [])
    .filter((layer) => !String(layer.path).startsWith(ADMIN_API.path))
    .flatMap((layer) => layer.methods.filter((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m)).map((m) => `${m} ${layer.path}`));
  expect(mounted.length).toBeGreaterThan(20);
  const fuzzed = new Set(TARGETS.map((t) => t.route));
  expect(mounted.filter((route) => !fuzzed.has(route))).toEqual([]);
  // And no entry here fuzzes a route that is gone.
  expect(TARGETS.filter((t) => !t.oauth && !mounted.includes(t.route)).map((t) => t.route)).toEqual([]);

  const discovery = await (await fetch(`${poort.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  const endpoints = Object.entries(discovery).filter(([key]) => key.endsWith('_endpoint')).map(([, url]) => new URL(String(url)).pathname);
  const oidcPaths = new Set(TARGETS.filter((t) => t.oauth).map((t) => t.route.split(' ')[1]));
  // Every endpoint the discovery document gives a client (authorization, token, userinfo, revocation, logout, PAR…).
  expect(endpoints.filter((path) => !oidcPaths.has(path))).toEqual([]);
}, TIMEOUT);

/**
 * Routes where the generator hardly ever composes a request that is accepted: a grant needs a live code or refresh
 * token (never generated, see the header), a pushed authorization request a complete and valid set of parameters.
 */
const SELDOM_ACCEPTED = new Set(['POST /token', 'POST /request']);

describe.each(TARGETS.map((target) => [target.route, target] as const))('%s', (_route, target) => {
  test(`${RUNS} generated requests: never 5xx, no internals shown, a refused one changes nothing in the database`, async () => {
    await fc.assert(fc.asyncProperty(specFor(target), (spec) => check(target, spec)), { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK });
    // Some requests got past the form reader and the CSRF check, into the route's own answers.
    const tally = tallies.get(target.route);
    expect(tally?.sent).toBe(RUNS);
    if (RUNS >= 30 && !SELDOM_ACCEPTED.has(target.route)) expect(tally!.refused).toBeLessThan(RUNS);
  }, TIMEOUT);
});

test('a client secret of the right length with one multibyte character is refused, with Basic and with client_secret_post', async () => {
  const multibyte = (secret: string): string => `é${secret.slice(1)}`;
  const body = 'grant_type=refresh_token&refresh_token=x';
  const before = await snapshot(poort.container.db);
  // In the form it reaches the secret comparison: a wrong secret.
  const posted = await tokenRequest(poort, { clientId: tenants.post.clientId, clientSecret: multibyte(tenants.post.clientSecret) }, body, undefined, 'post');
  expect([posted.status, posted.json?.error]).toEqual([401, 'invalid_client']);
  // In the Authorization header, escaped (RFC 6749 §2.3.1) or as raw UTF-8, oidc-provider refuses it before any
  // comparison: a client secret is printable ASCII (VSCHAR), so this cannot be anyone's secret.
  const escaped = await tokenRequest(poort, { clientId: tenants.rp.clientId, clientSecret: multibyte(tenants.rp.clientSecret) }, body);
  const raw = await send({
    method: 'POST', url: `${poort.issuer}/token`, body: Buffer.from(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${tenants.rp.clientId}:${multibyte(tenants.rp.clientSecret)}`).toString('base64')}` },
  });
  for (const answer of [escaped, { status: raw.status, json: JSON.parse(raw.body) as Record<string, unknown> }]) {
    expect([answer.status, answer.json?.error]).toEqual([400, 'invalid_request']);
  }
  expect((await snapshot(poort.container.db)).hash).toBe(before.hash);
});

test(`the run sent at least ${MIN_REQUESTS} requests`, () => {
  const total = [...tallies.values()].reduce((sum, tally) => sum + tally.sent, 0);
  expect(total).toBe(RUNS * TARGETS.length);
  if (RUNS >= RUNS_DEFAULT) expect(total).toBeGreaterThanOrEqual(MIN_REQUESTS);
});

/*
 * The authorization and logout endpoints answer a POST with a 303 to the same endpoint carrying the form as its query
 * (src/http/post-as-get.ts). A form too long for the browser's next request head is refused there (413, the friendly
 * page), instead of a redirect Poort itself would refuse with a blank 431.
 */
test('a large form POSTed to the authorization endpoint is not sent on to a URL Poort refuses', async () => {
  const form = new URLSearchParams({
    client_id: tenants.rp.clientId, redirect_uri: tenants.rp.redirectUri, response_type: 'code', scope: 'openid', state: 's', nonce: 'n'.repeat(60_000),
  }).toString();
  const posted = await send({ method: 'POST', url: `${poort.issuer}/auth`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: Buffer.from(form) });
  expect(posted.status).toBeLessThan(500);
  if (posted.status === 303 && posted.location) {
    const followed = await send({ method: 'GET', url: posted.location, headers: { accept: 'text/html' } });
    expect(followed.status).not.toBe(431);
  }
});

test('a method no router knows is answered with a 4xx, on the routes of Poort and of oidc-provider', async () => {
  const paths = ['/interaction/x/login', `${ACCOUNT}/password`, '/reset-password/x', '/token', '/no-such-page'];
  const answers = [];
  for (const method of UNKNOWN_METHODS) {
    for (const path of paths) {
      const answer = await send({ method, url: `${poort.issuer}${path}`, headers: { accept: 'text/html' } });
      answers.push({ method, path, status: answer.status < 500 ? 'a 4xx' : answer.status });
    }
  }
  expect(answers).toEqual(answers.map((answer) => ({ ...answer, status: 'a 4xx' })));
});
