/**
 * The platform's side of back-channel logout in tests: a real HTTP receiver on 127.0.0.1 (node:http) that takes
 * logout tokens POSTed to it and answers as it is told (a status, or holding the request open), a client registered
 * with it as its backchannel_logout_uri, and the checks an RP makes on a logout token (jose against the JWKS from
 * Poort's discovery).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createTenant, type Tenant, type TestPoort } from './poort.ts';

/** What the receiver answers to its n-th request (1-based): a status, or `hold` (no answer until `release`). */
export type Answer = (attempt: number) => number | 'hold';

export interface LogoutReceiver {
  url: string;
  /** Requests received so far, and how many were answered. */
  readonly requests: number;
  readonly answered: number;
  /** The logout token of each request, in order. */
  readonly tokens: string[];
  /** Resolves with the n-th logout token received (1-based), at once if it already came. */
  token(n?: number): Promise<string>;
  /** Resolves once the n-th request has been answered. */
  answer(n: number): Promise<void>;
  /** Answers every held request with 200. */
  release(): void;
  close(): Promise<void>;
}

export async function startLogoutReceiver(answer: Answer = () => 200): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  const held: ServerResponse[] = [];
  const tokenWaiters = new Map<number, Array<(token: string) => void>>();
  const answerWaiters = new Map<number, Array<() => void>>();
  let requests = 0;
  let answered = 0;
  const reply = (res: ServerResponse, status: number): void => {
    res.writeHead(status).end();
    answered += 1;
    for (const wake of answerWaiters.get(answered) ?? []) wake();
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests += 1;
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      tokens.push(token);
      for (const wake of tokenWaiters.get(tokens.length) ?? []) wake(token);
      const decision = answer(requests);
      if (decision === 'hold') held.push(res);
      else reply(res, decision);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    get requests() { return requests; },
    get answered() { return answered; },
    tokens,
    token(n = 1) {
      const known = tokens[n - 1];
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => tokenWaiters.set(n, [...(tokenWaiters.get(n) ?? []), resolve]));
    },
    answer(n) {
      if (answered >= n) return Promise.resolve();
      return new Promise((resolve) => answerWaiters.set(n, [...(answerWaiters.get(n) ?? []), resolve]));
    },
    release() {
      for (const res of held.splice(0)) reply(res, 200);
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `tenant`'s organisation and account, with a first-party client of its own whose backchannel_logout_uri is `uri`. */
export async function backchannelTenant(poort: TestPoort, uri: string, tenant?: Tenant): Promise<Tenant> {
  const base = tenant ?? (await createTenant(poort));
  const redirectUri = base.redirectUri.replace('/callback', '/bcl-callback');
  const created = await poort.container.clients.create({
    organisationId: base.organisationId,
    name: 'Platform with back-channel logout',
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [redirectUri.replace('/bcl-callback', '/logged-out')],
    firstParty: true,
    backchannelLogoutUri: uri,
  });
  if (!created.clientSecret) throw new Error('expected a confidential client');
  return { ...base, clientId: created.clientId, clientSecret: created.clientSecret, redirectUri };
}

/**
 * A logout token checked as an RP checks it (Back-Channel Logout 1.0 §2.6): signature against the JWKS that
 * discovery names, issuer, audience, `typ`, the required claims; answers its payload.
 */
export async function verifyLogoutToken(issuer: string, clientId: string, token: string): Promise<JWTPayload> {
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as { jwks_uri: string };
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    issuer,
    audience: clientId,
    typ: 'logout+jwt',
    requiredClaims: ['iat', 'exp', 'jti', 'sid', 'sub', 'events'],
  });
  return payload;
}

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
