/**
 * Who is calling the admin API, and how recently they logged in.
 *
 * 1. The bearer token (`Authorization: Bearer …`, never a query parameter) is an RFC 9068 JWT access token of Poort
 *    itself, checked locally with the public parts of Poort's signing keys: `typ` `at+jwt`, RS256 or ES256 only
 *    (`alg: none` and HMAC are refused before any key is tried), issuer, audience `<ISSUER>/api/admin`, expiry with
 *    CLOCK_TOLERANCE, scope `admin`. Any failure is 401 `invalid_token`; no token at all is 401 with a bare
 *    `WWW-Authenticate: Bearer` (RFC 6750 §3.1).
 * 2. The actor is read fresh on every call: a person's account (`sub`) must exist and be active — a disabled or
 *    deleted manager's token stops working at once — and the client it was issued to must still exist in the same
 *    organisation; a machine client's token (`sub` is its `client_id`, and it has no `auth_time`) must name a client
 *    that still exists and may use client credentials. Role and organisation come from those records, never the token.
 * 3. Step-up (RFC 9470): sensitive actions need the second factor (`acr` `urn:poort:acr:mfa`) and a login
 *    (`auth_time`) within STEP_UP_MAX_AGE; where the organisation has 2FA `off`, a recent login alone. Otherwise 401
 *    `insufficient_user_authentication` with the challenge the platform follows (`acr_values`, `max_age`).
 *
 * One clock judges both the token's expiry and the login's age: Poort's injected `now`, the clock `auth_time` was
 * written with (the login result's time). oidc-provider stamps `iat`/`exp` with the wall clock, which is the same
 * clock in production; tests that move Poort's clock move the expiry with it.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { ACR, ADMIN_API, adminResource, CLOCK_TOLERANCE } from '../../config/oidc.ts';
import type { Account } from '../accounts/accounts.ts';
import type { Role, TwoFactorPolicy } from '../accounts/vocabulary.ts';
import { ApiProblem } from './problems.ts';
import type { ActorKind } from './permissions.ts';

/** The claims the API reads from a verified token. */
export interface AdminToken {
  sub: string;
  clientId: string;
  acr?: string;
  amr?: string[];
  /** Epoch seconds of the login. Absent in a machine client's token. */
  authTime?: number;
}

/** The person or machine client acting, as read fresh for this call. */
export type Actor =
  | {
    kind: 'person';
    /** The account id: the audit log's actor. */
    id: string;
    role: Role;
    organisationId: string;
    clientId: string;
    account: Account;
    acr?: string;
    amr?: string[];
    authTime?: number;
  }
  | {
    kind: 'machine';
    /** `client:<client_id>`: the audit log's actor for a machine client. */
    id: string;
    clientId: string;
    organisationId: string;
  };

export const actorKind = (actor: Actor): ActorKind => (actor.kind === 'machine' ? 'machine' : actor.role);
export const machineActorId = (clientId: string): string => `client:${clientId}`;

/** A client as the API needs it: its organisation and whether it may act for itself (client credentials). */
export interface ApiClient {
  organisationId: string;
  clientCredentials: boolean;
}

export interface ActorSources {
  accounts: { get(id: string): Promise<Account | undefined> };
  /** Read fresh (no cache): a deleted client's token must stop working at once. */
  clients: { get(clientId: string): Promise<ApiClient | undefined> };
}

/** Only these: an `alg` outside the list (none, HS256, …) is refused before a key is looked at. */
const ALGORITHMS = ['RS256', 'ES256'];
/** The signing keys' public members (a JWK Set holds private keys: never verify with, or publish, those). */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'] };
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function publicKeys(jwks: { keys: Record<string, unknown>[] }): JSONWebKeySet {
  const keys: JWK[] = [];
  for (const key of jwks.keys) {
    const members = typeof key.kty === 'string' ? PUBLIC_MEMBERS[key.kty] : undefined;
    if (!members || key.use === 'enc') continue;
    const copy: Record<string, unknown> = { kty: key.kty };
    for (const member of [...members, 'kid', 'alg', 'use']) if (key[member] !== undefined) copy[member] = key[member];
    keys.push(copy as JWK);
  }
  return { keys };
}

const invalidToken = (description: string): ApiProblem =>
  new ApiProblem('invalid_token', description, { headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` } });

/** The bearer token of a request, or undefined when it sent none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match?.[1] || !B64TOKEN.test(match[1])) throw invalidToken('the Authorization header is not a bearer token');
  return match[1];
}

export const missingToken = (): ApiProblem => new ApiProblem('authentication_required', 'send an access token for the admin API: Authorization: Bearer <token>', { headers: { 'WWW-Authenticate': 'Bearer' } });

export interface TokenVerifierDeps {
  issuer: string;
  jwks: { keys: Record<string, unknown>[] };
  /** Poort's clock: a token is expired when this clock is past its `exp` (with CLOCK_TOLERANCE). */
  now(): Date;
}

export type TokenVerifier = (token: string) => Promise<AdminToken>;

export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const keys = createLocalJWKSet(publicKeys(deps.jwks));
  const audience = adminResource(deps.issuer);
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS, issuer: deps.issuer, audience, typ: 'at+jwt', clockTolerance: CLOCK_TOLERANCE,
        currentDate: deps.now(), requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
      }));
    } catch {
      // One description for every failure: the answer does not help forge a better token.
      throw invalidToken('the access token is not valid for this API');
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(ADMIN_API.scope)) throw invalidToken('the access token is not valid for this API');
    const { sub, client_id: clientId, acr, amr, auth_time: authTime } = payload;
    if (typeof sub !== 'string' || typeof clientId !== 'string') throw invalidToken('the access token is not valid for this API');
    return {
      sub,
      clientId,
      ...(typeof acr === 'string' ? { acr } : {}),
      ...(Array.isArray(amr) && amr.every((v) => typeof v === 'string') ? { amr: amr as string[] } : {}),
      ...(typeof authTime === 'number' && Number.isFinite(authTime) ? { authTime } : {}),
    };
  };
}

/** The actor behind a verified token, read fresh; 401 `invalid_token` when it is gone, disabled or moved. */
export async function resolveActor(token: AdminToken, sources: ActorSources): Promise<Actor> {
  const gone = (): ApiProblem => invalidToken('the access token no longer stands for an active account or client');
  // A machine client's own token: oidc-provider puts its client_id in `sub`, and no login means no auth_time.
  if (token.sub === token.clientId && token.authTime === undefined) {
    const client = await sources.clients.get(token.clientId);
    if (!client?.clientCredentials) throw gone();
    return { kind: 'machine', id: machineActorId(token.clientId), clientId: token.clientId, organisationId: client.organisationId };
  }
  const [account, client] = await Promise.all([sources.accounts.get(token.sub), sources.clients.get(token.clientId)]);
  if (account?.status !== 'active' || !client || client.organisationId !== account.organisationId) throw gone();
  return {
    kind: 'person', id: account._id, role: account.role, organisationId: account.organisationId, clientId: token.clientId, account,
    ...(token.acr ? { acr: token.acr } : {}), ...(token.amr ? { amr: token.amr } : {}), ...(token.authTime !== undefined ? { authTime: token.authTime } : {}),
  };
}

export interface StepUpFacts {
  /** The acting person's organisation's 2FA policy: with `off`, a recent login is enough. */
  twoFactor: TwoFactorPolicy;
  /** STEP_UP_MAX_AGE, seconds. */
  maxAge: number;
  /** Poort's clock (the one `auth_time` was written with). */
  now: Date;
}

/** What a step-up action asks of a login: the second factor (unless the organisation has 2FA off) and recency. */
export function stepUpRequirement(twoFactor: TwoFactorPolicy): { acr?: string } {
  return twoFactor === 'off' ? {} : { acr: ACR.multiFactor };
}

/** Undefined when the person's login is recent and strong enough; else the RFC 9470 challenge. */
export function stepUpProblem(actor: Actor, facts: StepUpFacts): ApiProblem | undefined {
  if (actor.kind === 'machine') return new ApiProblem('forbidden', 'a machine client cannot do this');
  const { acr } = stepUpRequirement(facts.twoFactor);
  const nowSeconds = Math.floor(facts.now.getTime() / 1000);
  const recent = actor.authTime !== undefined && nowSeconds - actor.authTime <= facts.maxAge;
  const strong = acr === undefined || actor.acr === acr;
  if (recent && strong) return undefined;
  const description = acr
    ? `this action needs a login with a second factor within the last ${facts.maxAge} seconds`
    : `this action needs a login within the last ${facts.maxAge} seconds`;
  const challenge = [
    'Bearer error="insufficient_user_authentication"',
    `error_description="${description}"`,
    ...(acr ? [`acr_values="${acr}"`] : []),
    `max_age="${facts.maxAge}"`,
  ].join(', ');
  return new ApiProblem('insufficient_user_authentication', description, { headers: { 'WWW-Authenticate': challenge } });
}
