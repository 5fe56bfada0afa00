/**
 * Single-use credentials under attack: a replayed authorization code revokes what it issued, and one code or one
 * refresh token raced by 20 parallel requests is honoured at most once — never with a server error. One step
 * earlier, a finished login's resume raced 20 times yields one authorization.
 */
import { createTenant, startPoort, type Tenant, type TestPoort } from '../../support/poort.ts';
import { exchange, oidc } from '../../support/rp.ts';
import { codeOf, expectNoLeak, loginWithRefresh, openLogin, postLogin, tokenRequest, type OpenLogin } from '../../support/security.ts';

let poort: TestPoort;
let tenant: Tenant;

beforeAll(async () => {
  poort = await startPoort('security-races');
  tenant = await createTenant(poort);
});
afterAll(async () => {
  await poort.close();
});

const loggedIn = (): Promise<{ login: OpenLogin; callback: URL }> => loginWithRefresh(poort, tenant);

function codeGrantBody(login: OpenLogin, callback: URL): string {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: codeOf(callback),
    redirect_uri: tenant.redirectUri,
    code_verifier: login.request.verifier,
  }).toString();
}

async function userinfoStatus(login: OpenLogin, accessToken: string): Promise<number> {
  const response = await fetch(login.config.serverMetadata().userinfo_endpoint ?? '', { headers: { authorization: `Bearer ${accessToken}` } });
  await response.body?.cancel();
  return response.status;
}

test('a reused authorization code gets invalid_grant and revokes the tokens the first redemption issued', async () => {
  const { login, callback } = await loggedIn();
  const tokens = await exchange(login.config, callback, login.request);
  expect(tokens.refresh_token).toBeDefined();
  expect(await userinfoStatus(login, tokens.access_token)).toBe(200);

  const replay = await tokenRequest(poort, tenant, codeGrantBody(login, callback));
  expect(replay.status).toBe(400);
  expect(replay.json?.error).toBe('invalid_grant');
  expect(replay.json?.access_token).toBeUndefined();
  // openid-client sees the same refusal.
  await expect(exchange(login.config, callback, login.request)).rejects.toMatchObject({ error: 'invalid_grant' });

  expect(await userinfoStatus(login, tokens.access_token)).toBe(401);
  await expect(oidc.fetchUserInfo(login.config, tokens.access_token, tenant.accountId)).rejects.toBeDefined();
  await expect(oidc.refreshTokenGrant(login.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('RACE: one authorization code redeemed by 20 parallel token requests gives exactly one token response', async () => {
  const { login, callback } = await loggedIn();
  const body = codeGrantBody(login, callback);
  const answers = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(poort, tenant, body)));

  for (const answer of answers) expectNoLeak(answer.text);
  expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  const won = answers.filter((a) => a.status === 200);
  expect(won).toHaveLength(1);
  expect(typeof won[0]?.json?.access_token).toBe('string');
  const lost = answers.filter((a) => a.status !== 200);
  expect(lost).toHaveLength(19);
  for (const answer of lost) {
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe('invalid_grant');
  }
});

test('RACE: one refresh token used by 20 parallel refresh requests leaves no usable refresh token: the reuse ends the grant', async () => {
  const { login, callback } = await loggedIn();
  const tokens = await exchange(login.config, callback, login.request);
  const refreshToken = tokens.refresh_token as string;
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
  const answers = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(poort, tenant, body)));

  for (const answer of answers) expectNoLeak(answer.text);
  expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  for (const answer of answers) {
    expect([200, 400]).toContain(answer.status);
    if (answer.status === 400) expect(answer.json?.error).toBe('invalid_grant');
  }
  const issued = answers.filter((a) => a.status === 200).map((a) => String(a.json?.refresh_token));

  // Try every new refresh token afterwards (first use of each, so a failure means it was already dead).
  let usable = 0;
  for (const token of issued) {
    const tried = await tokenRequest(poort, tenant, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString());
    expect(tried.status).not.toBeGreaterThanOrEqual(500);
    if (tried.status === 200) usable += 1;
    else expect(tried.json?.error).toBe('invalid_grant');
  }
  // The race is a replay (RFC 9700 §4.14.2): the grant ends, so not even the winner's new refresh token works.
  expect(usable).toBe(0);
  // The raced refresh token itself is spent.
  const again = await tokenRequest(poort, tenant, body);
  expect(again.status).toBe(400);
  expect(again.json?.error).toBe('invalid_grant');
});

test('RACE: the resume of one finished login, sent 20 times at once, gives exactly one authorization code', async () => {
  const login = await openLogin(poort, tenant);
  const posted = await postLogin(login, tenant.email, tenant.password);
  expect(posted.status).toBe(303);
  const resume = posted.location ?? '';
  expect(new URL(resume).pathname).toMatch(/^\/auth\/[\w-]+$/);
  // The same browser (the same cookies) sends the resume 20 times at once.
  const cookie = login.agent.cookieHeader();
  const answers = await Promise.all(Array.from({ length: 20 }, async () => {
    const response = await fetch(resume, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    return { status: response.status, location: response.headers.get('location') ?? '', text: await response.text() };
  }));

  for (const answer of answers) expectNoLeak(answer.text);
  expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  const won = answers.filter((a) => a.location.startsWith(tenant.redirectUri));
  expect(won).toHaveLength(1);
  const callback = new URL(won[0]?.location ?? '');
  expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  const lost = answers.filter((a) => !a.location.startsWith(tenant.redirectUri));
  expect(lost.map((a) => a.status)).toEqual(Array.from({ length: 19 }, () => 400));
  // The one code works.
  const tokens = await exchange(login.config, callback, login.request);
  expect(tokens.claims()?.sub).toBe(tenant.accountId);
});
