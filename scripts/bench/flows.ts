/**
 * The flows the benchmark drives, as a relying party and a browser would: a full interactive password login
 * (authorize with PKCE → login page → password → back through /auth, the first-party client's consent settled with
 * the login → code → token exchange), the same login with an authenticator-app code after the password, a refresh-token grant and a
 * client-credentials grant. Token requests go over one keep-alive agent.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Agent, inputValue, type Page } from '../../test/support/browser.ts';
import type { TotpAccounts } from './totp.ts';

export interface ConfidentialClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

export interface TokenClient {
  grant(client: ConfidentialClient, params: Record<string, string>): Promise<TokenSet>;
  close(): void;
}

/** client_secret_basic: the form-urlencoded id and secret, base64 (RFC 6749 §2.3.1). */
function basicAuth(client: ConfidentialClient): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`;
}

export function createTokenClient(tokenEndpoint: string, maxSockets: number): TokenClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL(tokenEndpoint);
  return {
    grant(client, params) {
      const body = new URLSearchParams(params).toString();
      return new Promise((resolve, reject) => {
        const request = http.request(url, {
          method: 'POST',
          agent,
          headers: {
            authorization: basicAuth(client),
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            accept: 'application/json',
          },
        }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              reject(new Error(`token endpoint (${params.grant_type}) answered ${response.statusCode}: ${text.slice(0, 200)}`));
              return;
            }
            const tokens = JSON.parse(text) as TokenSet;
            if (typeof tokens.access_token !== 'string') reject(new Error(`no access_token in ${text.slice(0, 200)}`));
            else resolve(tokens);
          });
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface LoginSetup {
  issuer: string;
  client: ConfidentialClient & { redirectUri: string };
  tokens: TokenClient;
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/**
 * After the password: the page Poort showed (the code page) and the browser, to go on with; answers the page the
 * login ended on (a redirect to the client's redirect URI).
 */
export type SecondStep = (page: Page, browser: Agent) => Promise<Page>;

/**
 * One full interactive login by a fresh browser (its own cookie jar); resolves with the token response. With
 * `secondStep`, the password leads to a page (the code page) that `secondStep` completes.
 */
export async function fullLogin(setup: LoginSetup, email: string, password: string, secondStep?: SecondStep): Promise<TokenSet> {
  const { issuer, client } = setup;
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    // offline_access (which oidc-provider only honours with prompt=consent) gives the refresh token; the
    // first-party client's consent is granted without a page.
    scope: 'openid profile email offline_access',
    prompt: 'consent',
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    state,
    nonce: base64url(randomBytes(16)),
  }).toString();

  const browser = new Agent();
  const page = await browser.follow(authorize.toString(), issuer);
  const action = /<form[^>]*action="([^"]*\/login)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !action) throw new Error(`no login page (status ${page.status})`);
  const csrf = inputValue(page.body, 'csrf') ?? '';
  const afterPassword = await browser.follow(new URL(action, issuer).toString(), issuer, { form: { csrf, email, password } });
  const done = secondStep ? await secondStep(afterPassword, browser) : afterPassword;
  if (!done.location?.startsWith(client.redirectUri)) {
    throw new Error(`login did not return to the client (status ${done.status}): ${done.body.slice(0, 200)}`);
  }
  const callback = new URL(done.location);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`bad callback: ${callback.search}`);
  const tokens = await setup.tokens.grant(client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
  });
  if (!tokens.id_token || !tokens.refresh_token) throw new Error('the code exchange gave no ID token or no refresh token');
  return tokens;
}

/** The message of a form's alert (e.g. "wrong code"), if the page shows one. */
const formAlert = (html: string): string | undefined => /<p[^>]*role="alert"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];

/**
 * One full login with the authenticator app: as fullLogin, and after the password the code page, where the code of
 * the account's app is posted (`csrf`, `kind=code`, `code`) → back through /auth → code → token exchange. The account
 * comes from `accounts` (one not in a login and not used in the current time step); a refused code is an error.
 */
export async function totpLogin(setup: LoginSetup, accounts: TotpAccounts, password: string): Promise<TokenSet> {
  const account = await accounts.take();
  try {
    return await fullLogin(setup, account.email, password, async (page, browser) => {
      const action = /<form[^>]*action="([^"]*\/second-factor)"/.exec(page.body)?.[1];
      if (page.status !== 200 || !action || !page.body.includes('name="kind" value="code"')) {
        throw new Error(`${account.email}: no code page after the password (status ${page.status}): ${formAlert(page.body) ?? page.body.slice(0, 200)}`);
      }
      const csrf = inputValue(page.body, 'csrf') ?? '';
      // Taken right before posting: the code of the step that is current now.
      const { code, step, previousStep } = accounts.code(account);
      const done = await browser.follow(new URL(action, setup.issuer).toString(), setup.issuer, { form: { csrf, kind: 'code', code } });
      if (!done.location?.startsWith(setup.client.redirectUri)) {
        accounts.stats.refused += 1;
        throw new Error(`${account.email}: code of step ${step} refused (the account's previous step ${previousStep}; status ${done.status}): ${formAlert(done.body) ?? done.body.slice(0, 200)}`);
      }
      return done;
    });
  } finally {
    accounts.release(account);
  }
}

/** One refresh-token grant; returns the rotated refresh token. */
export async function refresh(tokens: TokenClient, client: ConfidentialClient, refreshToken: string): Promise<string> {
  const answer = await tokens.grant(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  if (!answer.refresh_token || answer.refresh_token === refreshToken) throw new Error('the refresh token was not rotated');
  return answer.refresh_token;
}

export async function clientCredentials(tokens: TokenClient, client: ConfidentialClient): Promise<void> {
  await tokens.grant(client, { grant_type: 'client_credentials' });
}
