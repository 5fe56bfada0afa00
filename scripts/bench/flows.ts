/**
 * The flows the benchmark drives, as a relying party and a browser would: a full interactive password login
 * (authorize with PKCE → login page → password → consent granted for the first-party client → code → token
 * exchange), a refresh-token grant and a client-credentials grant. Token requests go over one keep-alive agent.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Agent, inputValue } from '../../test/support/browser.ts';

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

/** One full interactive login by a fresh browser (its own cookie jar); resolves with the token response. */
export async function fullLogin(setup: LoginSetup, email: string, password: string): Promise<TokenSet> {
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
  const done = await browser.follow(new URL(action, issuer).toString(), issuer, { form: { csrf, email, password } });
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

/** One refresh-token grant; returns the rotated refresh token. */
export async function refresh(tokens: TokenClient, client: ConfidentialClient, refreshToken: string): Promise<string> {
  const answer = await tokens.grant(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  if (!answer.refresh_token || answer.refresh_token === refreshToken) throw new Error('the refresh token was not rotated');
  return answer.refresh_token;
}

export async function clientCredentials(tokens: TokenClient, client: ConfidentialClient): Promise<void> {
  await tokens.grant(client, { grant_type: 'client_credentials' });
}
