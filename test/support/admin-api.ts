/**
 * Helpers for the admin API tests: two organisations with a full cast (managers, professionals, clients, a machine
 * client), REAL access tokens for the API through the real login (password, then the authenticator app's code) with
 * openid-client as the platform, and one way to call the API whose every response is checked against the OpenAPI
 * document Poort serves (`validated`, `AdminApi.call`).
 *
 * Time: oidc-provider stamps a token's `iat` and `exp` with the wall clock, Poort stamps a login's `auth_time` with
 * its own, injected clock, which the tests move. Poort's clock starts CLOCK_LAG seconds behind the wall clock, so
 * both readings stay sane whichever clock the API compares `exp` with: moving Poort's clock past the step-up window
 * (600 s) leaves tokens issued afterwards unexpired by either clock, and since the lag is below 600 s a login never
 * looks older on the wall clock than on Poort's.
 */
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { CompactSign, importJWK, type CompactJWSHeaderParameters, type JWK } from 'jose';
import { OpenAPIBackend, type Document, type Operation } from 'openapi-backend';
import { ADMIN_API } from '../../config/oidc.ts';
import { Agent, inputValue, type Page } from './browser.ts';
import { createClock, type TestClock } from './clock.ts';
import { startPoort, type Tenant, type TestPoort } from './poort.ts';
import { authorizationRequest, discover, exchange, oidc, type AuthRequest } from './rp.ts';
import { submitAutoForm, type OpenLogin } from './security.ts';
import { callbackOf, enrolTotp, isCodePage, passwordStep, postCode } from './two-factor.ts';
import { currentTotp } from '../../src/auth/factors/totp.ts';

export const CLOCK_LAG = 450;
export const MFA = 'urn:poort:acr:mfa';
export const PWD = 'urn:poort:acr:pwd';
/** STEP_UP_MAX_AGE's default, in seconds. */
export const STEP_UP_MAX_AGE = 600;

export interface AdminWorld {
  poort: TestPoort;
  clock: TestClock;
  /** `<ISSUER>/api/admin`: the resource indicator and the tokens' audience. */
  resource: string;
  api: AdminApi;
}

/** A Poort on its own database with the lagging clock, and the validated API client. */
export async function startAdminPoort(tag: string, env: Record<string, string> = {}): Promise<AdminWorld> {
  const clock = createClock(Date.now() - CLOCK_LAG * 1000);
  const poort = await startPoort(tag, env, { now: clock.now });
  return { poort, clock, resource: `${poort.issuer}${ADMIN_API.path}`, api: new AdminApi(poort.issuer) };
}

// ---------------------------------------------------------------------------------------------------------------
// Organisations and people

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface Org {
  id: string;
  name: string;
  twoFactor: 'off' | 'optional' | 'required';
  /** The first-party platform client people log in through. */
  platform: ClientCredentials & { redirectUri: string };
  /** A machine client of the organisation (client credentials). */
  machine: Machine;
}

export interface Machine extends ClientCredentials {
  organisationId: string;
  token?: TokenSet;
}

export type Role = 'client' | 'professional' | 'manager';

export interface TokenSet {
  access: string;
  refresh?: string | undefined;
  /** The access token's payload. */
  claims: AccessClaims;
}

export interface AccessClaims {
  sub: string;
  client_id: string;
  aud: string | string[];
  exp: number;
  iat: number;
  scope?: string;
  acr?: string;
  amr?: string[];
  auth_time?: number;
  [claim: string]: unknown;
}

export interface Person {
  label: string;
  id: string;
  organisationId: string;
  role: Role;
  email: string;
  password: string;
  name: string;
  /** Base32 key of the authenticator app, '' when the person has none. */
  secret: string;
  recoveryCodes: string[];
  /** The last TOTP time step Poort accepted from this person (a step is accepted once). */
  lastStep: number;
  org: Org;
  /** The browser the person logged in with (its session cookie). */
  agent?: Agent;
  token?: TokenSet;
}

let counter = 0;
const unique = (): number => {
  counter += 1;
  return counter;
};

export async function createOrg(world: AdminWorld, opts: { name?: string; twoFactor?: Org['twoFactor'] } = {}): Promise<Org> {
  const n = unique();
  const { organisations, clients } = world.poort.container;
  const twoFactor = opts.twoFactor ?? 'optional';
  const organisation = await organisations.create({ name: opts.name ?? `Practice ${n}`, twoFactor });
  const redirectUri = `https://platform${n}.example.org/callback`;
  const platform = await clients.create({
    organisationId: organisation._id,
    name: `Platform ${n}`,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [`https://platform${n}.example.org/logged-out`],
    firstParty: true,
  });
  const machine = await clients.create({
    organisationId: organisation._id,
    name: `Provisioning ${n}`,
    redirectUris: [`https://machine${n}.example.org/callback`],
    clientCredentials: true,
  });
  if (!platform.clientSecret || !machine.clientSecret) throw new Error('expected confidential clients');
  return {
    id: organisation._id,
    name: organisation.name,
    twoFactor,
    platform: { clientId: platform.clientId, clientSecret: platform.clientSecret, redirectUri },
    machine: { clientId: machine.clientId, clientSecret: machine.clientSecret, organisationId: organisation._id },
  };
}

/** An active account with a password; `totp` (default true) sets up the authenticator app through the service. */
export async function createPerson(
  world: AdminWorld,
  org: Org,
  label: string,
  role: Role,
  opts: { professional?: Person; totp?: boolean; name?: string } = {},
): Promise<Person> {
  const n = unique();
  const email = `${label.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${n}@example.org`;
  const password = `Quiet river ${n}!lantern`;
  const name = opts.name ?? `${label} Person${n}`;
  const account = await world.poort.container.accounts.create({
    organisationId: org.id, email, password, role, name, professionalId: opts.professional?.id,
  });
  const person: Person = {
    label, id: account._id, organisationId: org.id, role, email, password, name, secret: '', recoveryCodes: [], lastStep: 0, org,
  };
  if (opts.totp ?? true) await enrol(world, person);
  return person;
}

/** Sets up the authenticator app of `person` through the service (after a reset, or for the first time). */
export async function enrol(world: AdminWorld, person: Person): Promise<void> {
  const enrolled = await enrolTotp(world.poort, { accountId: person.id, organisationId: person.organisationId, email: person.email });
  person.secret = enrolled.secret;
  person.recoveryCodes = enrolled.recoveryCodes;
  // The set-up proved the previous step's code.
  person.lastStep = Math.floor(world.poort.container.now().getTime() / 30_000) - 1;
}

/** The person as a `Tenant` of their organisation's platform, for the login helpers of two-factor.ts. */
export function tenantOf(person: Person): Tenant {
  const { platform } = person.org;
  return {
    organisationId: person.organisationId, clientId: platform.clientId, clientSecret: platform.clientSecret, redirectUri: platform.redirectUri,
    email: person.email, password: person.password, accountId: person.id,
  };
}

/**
 * A TOTP code Poort accepts now: of a time step later than the last one it accepted from the person, and at most one
 * step ahead (the ±1 window). Moves Poort's clock 30 s when the next free step is two ahead.
 */
export function nextCode(world: AdminWorld, person: Person): string {
  if (!person.secret) throw new Error(`${person.label} has no authenticator app`);
  const stepNow = (): number => Math.floor(world.poort.container.now().getTime() / 30_000);
  if (person.lastStep + 1 > stepNow() + 1) world.clock.advance(30);
  const step = Math.max(stepNow(), person.lastStep + 1);
  person.lastStep = step;
  return currentTotp(person.secret, new Date(step * 30_000 + 15_000));
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

export const ADMIN_SCOPE = `openid ${ADMIN_API.scope} offline_access`;

export function decodeJwt(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function tokenSet(tokens: { access_token: string; refresh_token?: string | undefined }, keepRefresh?: string): TokenSet {
  return { access: tokens.access_token, refresh: tokens.refresh_token ?? keepRefresh, claims: decodeJwt(tokens.access_token) as unknown as AccessClaims };
}

/** The platform's openid-client configuration for the person's organisation. */
export function platformConfig(world: AdminWorld, org: Org): Promise<oidc.Configuration> {
  return discover(world.poort.issuer, org.platform);
}

export interface LoginOutcome {
  tokens: TokenSet;
  idToken: oidc.IDToken;
  /** The ID token as issued (compact JWS). */
  idTokenRaw: string;
  /** The pages on the way: the page after the password (code page, set-up) when there was one. */
  step?: Page;
}

/**
 * A whole login through the platform in a new browser (or `agent`): password, then the code when the person has an
 * authenticator app; exchanges the code for tokens for the admin API (and a refresh token). Stores the browser and
 * the tokens on the person.
 */
export async function logIn(world: AdminWorld, person: Person, opts: { agent?: Agent; extra?: Record<string, string> } = {}): Promise<LoginOutcome> {
  const tenant = tenantOf(person);
  const agent = opts.agent ?? new Agent();
  const login = await passwordStep(world.poort, tenant, { scope: ADMIN_SCOPE, resource: world.resource, prompt: 'consent', ...opts.extra }, agent);
  let page = login.step;
  if (person.secret) {
    if (!isCodePage(page)) throw new Error(`${person.label}: expected the code page after the password, got ${page.status} ${page.location ?? page.body.slice(0, 300)}`);
    page = await postCode(world.poort, login, nextCode(world, person));
  }
  const tokens = await exchange(login.config, callbackOf(page, tenant), login.request);
  const idToken = tokens.claims();
  if (!idToken) throw new Error('no ID token');
  person.agent = agent;
  person.token = tokenSet(tokens);
  return { tokens: person.token, idToken, idTokenRaw: tokens.id_token ?? '', step: login.step };
}

/** Logs in every person (each their own browser), one after the other. */
export async function logInAll(world: AdminWorld, people: Person[]): Promise<void> {
  for (const person of people) await logIn(world, person);
}

/** Seconds until the token expires, by whichever clock is later (the wall clock or Poort's). */
function secondsLeft(world: AdminWorld, token: TokenSet): number {
  const now = Math.max(Date.now(), world.poort.container.now().getTime()) / 1000;
  return token.claims.exp - now;
}

/** Poort's clock in epoch seconds. */
export function poortNow(world: AdminWorld): number {
  return Math.floor(world.poort.container.now().getTime() / 1000);
}

/**
 * The person's access token for the admin API: the one from their login while it has at least a minute left, else
 * a new one from the refresh token (rotated); when the refresh token no longer works (sessions ended), a new login.
 */
export async function accessToken(world: AdminWorld, person: Person): Promise<string> {
  if (!person.token) return (await logIn(world, person)).tokens.access;
  if (secondsLeft(world, person.token) >= 60) return person.token.access;
  if (person.token.refresh) {
    try {
      const config = await platformConfig(world, person.org);
      person.token = tokenSet(await oidc.refreshTokenGrant(config, person.token.refresh), person.token.refresh);
      return person.token.access;
    } catch (error) {
      if (!(error instanceof oidc.ResponseBodyError) || error.error !== 'invalid_grant') throw error;
    }
  }
  return (await logIn(world, person)).tokens.access;
}

/**
 * A token that passes the API's step-up: acr mfa and an `auth_time` well inside STEP_UP_MAX_AGE by Poort's clock. A
 * token whose login is older gets a new login with the code (the person's browser session goes on).
 */
export async function mfaToken(world: AdminWorld, person: Person): Promise<string> {
  const token = await accessToken(world, person);
  const claims = person.token?.claims;
  const fresh = claims?.acr === MFA && typeof claims.auth_time === 'number' && poortNow(world) - claims.auth_time < STEP_UP_MAX_AGE - 120;
  if (fresh) return token;
  return (await logIn(world, person)).tokens.access;
}

/** A machine client's token (client credentials, resource, scope admin); cached while it has a minute left. */
export async function machineToken(world: AdminWorld, machine: Machine): Promise<string> {
  if (machine.token && secondsLeft(world, machine.token) >= 60) return machine.token.access;
  const config = await discover(world.poort.issuer, machine);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: ADMIN_API.scope, resource: world.resource });
  machine.token = tokenSet(tokens);
  return machine.token.access;
}

/**
 * A new authorization request in the person's own browser (their session), e.g. a step-up with the challenge's
 * `acr_values` and `max_age`: answers the first page Poort shows (or the redirect back to the platform) and what is
 * needed to go on.
 */
export async function authorizeInSession(world: AdminWorld, person: Person, params: Record<string, string>): Promise<{ login: OpenLogin; page: Page }> {
  if (!person.agent) throw new Error(`${person.label} has no browser session`);
  const config = await platformConfig(world, person.org);
  const request: AuthRequest = await authorizationRequest(config, person.org.platform.redirectUri, { scope: `openid ${ADMIN_API.scope}`, resource: world.resource, ...params });
  const page = await submitAutoForm(person.agent, world.poort.issuer, await person.agent.follow(request.url.toString(), world.poort.issuer));
  const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1] ?? '';
  return {
    login: { agent: person.agent, config, request, page, uid, csrf: inputValue(page.body, 'csrf') ?? '', base: `${world.poort.issuer}/interaction/${uid}` },
    page,
  };
}

/** Exchanges a callback of `login` and stores the new tokens on the person. */
export async function finishLogin(person: Person, login: OpenLogin, page: Page): Promise<LoginOutcome> {
  const tokens = await exchange(login.config, callbackOf(page, tenantOf(person)), login.request);
  const idToken = tokens.claims();
  if (!idToken) throw new Error('no ID token');
  person.token = tokenSet(tokens, person.token?.refresh);
  return { tokens: person.token, idToken, idTokenRaw: tokens.id_token ?? '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Two organisations, each with the whole cast

export interface Cast {
  org: Org;
  manager: Person;
  /** Another manager of the organisation (a target, never logs in). */
  manager2: Person;
  p1: Person;
  p2: Person;
  /** A professional who only ever is a target (links are made to them, they are reset). */
  p3: Person;
  /** Client of P1. */
  c1: Person;
  /** Client of P2. */
  c2: Person;
  /** A client without professionals, who acts. */
  client: Person;
}

/**
 * An organisation with the whole cast. The people who act (manager, P1, P2, the client) have the authenticator app;
 * the targets (manager2, P3, C1, C2) only with `enrolTargets` (setting up a factor costs about a second each).
 */
export async function createCast(world: AdminWorld, twoFactor: Org['twoFactor'], opts: { enrolTargets?: boolean } = {}): Promise<Cast> {
  const org = await createOrg(world, { twoFactor });
  const actors = twoFactor !== 'off';
  const targets = actors && (opts.enrolTargets ?? false);
  // One after the other: the stand-in's connection pool answers a burst of set-ups slowly.
  const manager = await createPerson(world, org, 'Manager', 'manager', { totp: actors });
  const manager2 = await createPerson(world, org, 'Manager two', 'manager', { totp: targets });
  const p1 = await createPerson(world, org, 'Professional one', 'professional', { totp: actors });
  const p2 = await createPerson(world, org, 'Professional two', 'professional', { totp: actors });
  const p3 = await createPerson(world, org, 'Professional three', 'professional', { totp: targets });
  const client = await createPerson(world, org, 'Client', 'client', { totp: actors });
  const c1 = await createPerson(world, org, 'Client one', 'client', { professional: p1, totp: targets });
  const c2 = await createPerson(world, org, 'Client two', 'client', { professional: p2, totp: targets });
  return { org, manager, manager2, p1, p2, p3, c1, c2, client };
}

/** The acting people of a cast (the ones who log in). */
export const actorsOf = (cast: Cast): Person[] => [cast.manager, cast.p1, cast.p2, cast.client];

// ---------------------------------------------------------------------------------------------------------------
// The API, every response checked against the served OpenAPI document

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON (application/json or a +json type). */
  json?: unknown;
}

export interface CallOptions {
  /** A bearer token; `null` sends no Authorization header. */
  token?: string | null;
  /** A JSON body (serialised), or a raw string/Buffer with `contentType`. */
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
}

type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Thrown when a response of the API does not match the served document. */
export class ContractError extends Error {
  override name = 'ContractError';
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** The document with every local `$ref` replaced by what it points at (its schemas have no cycles). */
export function inlineRefs(document: Record<string, unknown>): Record<string, unknown> {
  const resolve = (ref: string): unknown => {
    if (!ref.startsWith('#/')) throw new ContractError(`only local references are supported, got ${ref}`);
    let node: unknown = document;
    for (const part of ref.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
      node = (node as Record<string, unknown> | undefined)?.[part];
    }
    if (node === undefined) throw new ContractError(`the document's reference ${ref} points at nothing`);
    return node;
  };
  const walk = (node: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, seen));
    if (!node || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    if (typeof $ref === 'string') {
      if (seen.includes($ref)) throw new ContractError(`the document's reference ${$ref} is circular`);
      const target = walk(resolve($ref), [...seen, $ref]);
      // OpenAPI 3.1 allows siblings beside $ref (description, …): keep them.
      return Object.keys(rest).length > 0 ? { ...(target as object), ...(walk(rest, seen) as object) } : target;
    }
    return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, walk(value, seen)]));
  };
  return walk(document, []) as Record<string, unknown>;
}

/**
 * Checks responses against an OpenAPI document: the status is one the operation documents, the media type one
 * documented for that status, and the body matches its schema (openapi-backend's ajv validator). openapi-backend
 * validates only `application/json` content; problem bodies (`application/problem+json`) are validated too by
 * handing it a copy of the document whose JSON media types are all listed as `application/json`.
 */
export class ContractChecker {
  private readonly api: OpenAPIBackend;
  /** The schema of problem bodies (components.schemas.Problem or the first problem+json schema): for unmatched paths. */
  private readonly problemSchemaId?: string;
  /** The media types the served document lists per `method path status`. */
  private readonly mediaTypes: Map<string, string[]>;

  private constructor(api: OpenAPIBackend, mediaTypes: Map<string, string[]>, problemSchemaId?: string) {
    this.api = api;
    this.mediaTypes = mediaTypes;
    this.problemSchemaId = problemSchemaId;
  }

  static async create(document: Record<string, unknown>, apiRoot: string): Promise<ContractChecker> {
    const copy = structuredClone(document) as Record<string, unknown>;
    const paths = (copy.paths ?? {}) as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
    let problemRef: unknown;
    const mediaTypes = new Map<string, string[]>();
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation || typeof operation !== 'object' || !operation.responses) continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          const content = response && typeof response === 'object' ? response.content : undefined;
          if (!content) continue;
          mediaTypes.set(`${method.toLowerCase()} ${path} ${status}`, Object.keys(content).map((type) => type.toLowerCase()));
          const jsonTypes = Object.keys(content).filter((type) => JSON_TYPE.test(type));
          const chosen = jsonTypes[0];
          if (!chosen) continue;
          if (/problem\+json/i.test(chosen)) problemRef ??= (content[chosen] as { schema?: unknown }).schema;
          // Several JSON types for one status: the body must match one of them.
          const schemas = jsonTypes.map((type) => (content[type] as { schema?: unknown }).schema).filter(Boolean);
          response.content = { ...content, 'application/json': { schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas } } };
        }
      }
    }
    const schemas = ((copy.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {});
    let problemSchemaId: string | undefined;
    if (schemas.Problem) problemSchemaId = 'Problem';
    else if (problemRef && typeof problemRef === 'object' && '$ref' in problemRef) problemSchemaId = String((problemRef as { $ref: string }).$ref).split('/').pop();
    // An operation of its own that answers only problems: openapi-backend then checks bodies of unmatched requests.
    if (problemSchemaId) {
      paths['/__unmatched__'] = {
        get: {
          operationId: '__unmatched__',
          responses: { default: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${problemSchemaId}` } } } } },
        } as never,
      };
    }
    // Paths written out in full (`/api/admin/v1/accounts`) or relative to the server URL (`/accounts`).
    const full = Object.keys(paths).some((path) => path.startsWith(`${apiRoot}/`));
    // `quick`: openapi-backend checks a document only against the OpenAPI 3.0 schema, which refuses 3.1's JSON Schema
    // keywords; the document itself is checked against the 3.1 schema by @seriousme/openapi-schema-validator.
    const api = new OpenAPIBackend({ definition: inlineRefs(copy) as unknown as Document, apiRoot: full ? '/' : apiRoot, strict: true, quick: true, validate: true });
    await api.init();
    return new ContractChecker(api, mediaTypes, problemSchemaId);
  }

  /** The documented operation of a request, or undefined. */
  operationOf(method: string, path: string): Operation | undefined {
    const operation = this.api.matchOperation({ method: method.toLowerCase(), path, headers: {} });
    return operation && operation.operationId !== '__unmatched__' ? operation : undefined;
  }

  /** Throws a ContractError naming what does not match. `path` is relative to the server (the API root included). */
  check(method: string, path: string, response: ApiResponse): void {
    const where = `${method.toUpperCase()} ${path} → ${response.status}`;
    const type = response.headers.get('content-type') ?? '';
    const operation = this.operationOf(method, path);
    if (!operation) {
      // Unknown path or method: a problem body, as every error of the API.
      if (!/^application\/problem\+json/i.test(type)) throw new ContractError(`${where}: an undocumented request must answer application/problem+json, got "${type}"`);
      if (this.problemSchemaId) this.validateBody('__unmatched__', response, where, 500);
      return;
    }
    const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> } | undefined>;
    const key = [String(response.status), `${Math.floor(response.status / 100)}XX`, 'default'].find((k) => k in responses);
    if (!key) {
      throw new ContractError(`${where}: status not documented for ${operation.operationId} (documented: ${Object.keys(responses).join(', ')})`);
    }
    const documented = responses[key]?.content;
    if (!documented || Object.keys(documented).length === 0 || response.status === 204) {
      if (response.text.length > 0) throw new ContractError(`${where}: the document says no body, got ${response.text.slice(0, 200)}`);
      return;
    }
    const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
    const listed = this.mediaTypes.get(`${operation.method.toLowerCase()} ${operation.path} ${key}`) ?? [];
    if (!listed.includes(mediaType)) throw new ContractError(`${where}: content type "${type}" not documented (documented: ${listed.join(', ')})`);
    if (JSON_TYPE.test(mediaType)) this.validateBody(operation.operationId ?? '', response, where, response.status);
  }

  private validateBody(operationId: string, response: ApiResponse, where: string, status: number): void {
    if (response.json === undefined) throw new ContractError(`${where}: the body is not JSON: ${response.text.slice(0, 200)}`);
    const result = this.api.validateResponse(response.json, operationId, status);
    if (!result.valid) {
      throw new ContractError(`${where}: body does not match the document: ${JSON.stringify(result.errors)} body ${response.text.slice(0, 500)}`);
    }
  }
}

/**
 * `fetch`, checked: every response to a request under the API root is read whole and checked against the document
 * (ContractChecker) before the caller sees it; a mismatch rejects with a ContractError. The returned Response can
 * be read as usual.
 */
export function validated(fetchImpl: FetchLike, checker: () => Promise<ContractChecker>, apiRoot: string): FetchLike {
  return async (input, init = {}) => {
    const response = await fetchImpl(input, init);
    const url = new URL(String(input));
    if (!url.pathname.startsWith(`${apiRoot}/`) && url.pathname !== apiRoot) return response;
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let json: unknown;
    if (JSON_TYPE.test(type) && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ContractError(`${init.method ?? 'GET'} ${url.pathname} → ${response.status}: "${type}" body is not JSON: ${text.slice(0, 200)}`);
      }
    }
    (await checker()).check(init.method ?? 'GET', url.pathname, { status: response.status, headers: response.headers, text, json });
    return new Response(response.status === 204 || response.status === 304 ? null : text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The served document and the contract checker built from it (once per Poort). */
export class AdminApi {
  readonly issuer: string;
  readonly root = `${ADMIN_API.path}/v1`;
  readonly documentUrl: string;
  private loading?: Promise<ContractChecker>;
  private document?: Record<string, unknown>;
  readonly fetch: FetchLike;

  constructor(issuer: string) {
    this.issuer = issuer;
    this.documentUrl = `${issuer}${ADMIN_API.path}/openapi.json`;
    this.fetch = validated((input, init) => fetch(input, init), () => this.checker(), this.root);
  }

  /** The OpenAPI document as Poort serves it. */
  async served(): Promise<Record<string, unknown>> {
    if (!this.document) {
      const response = await fetch(this.documentUrl, { headers: { accept: 'application/json' } });
      if (response.status !== 200) throw new ContractError(`GET ${this.documentUrl} answered ${response.status}: no OpenAPI document served`);
      this.document = (await response.json()) as Record<string, unknown>;
    }
    return this.document;
  }

  checker(): Promise<ContractChecker> {
    this.loading ??= this.served().then((document) => ContractChecker.create(document, this.root));
    return this.loading;
  }

  /** One call of the API (path relative to /api/admin/v1), checked against the document. */
  async call(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(`${this.issuer}${this.root}${path}`);
    for (const [name, value] of Object.entries(opts.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      if (opts.contentType) headers['content-type'] = opts.contentType;
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const response = await this.fetch(url, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, text, json: JSON_TYPE.test(type) && text ? JSON.parse(text) : undefined };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading answers

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one `WWW-Authenticate` challenge (RFC 9110 §11.6.1: scheme, then auth-params, quoted strings unescaped). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([!#$%&'*+.^_`|~\w-]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const rest = match[2] ?? '';
  const param = /\s*([!#$%&'*+.^_`|~\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~\w-]+))\s*(?:,|$)/gy;
  let found: RegExpExecArray | null;
  let end = 0;
  while ((found = param.exec(rest)) !== null) {
    const name = (found[1] ?? '').toLowerCase();
    params[name] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3] ?? '';
    end = param.lastIndex;
    if (end >= rest.length) break;
  }
  if (rest.slice(end).trim() !== '') return undefined;
  return { scheme: match[1] ?? '', params };
}

/** A problem body's fields (RFC 9457). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: Array<{ field?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

export const problemOf = (response: ApiResponse): Problem => (response.json ?? {}) as Problem;

// ---------------------------------------------------------------------------------------------------------------
// Tokens made by hand (attacks): signed with Poort's own key, or not at all

/** Poort's RSA signing key (the private JWK Set of its configuration). */
export function poortRsaKey(world: AdminWorld): JWK {
  const key = world.poort.container.config.jwks.keys.find((k) => k.kty === 'RSA');
  if (!key) throw new Error('Poort has no RSA key');
  return key as JWK;
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The claims of a well-formed admin API token for `person`, issued now (wall clock), as oidc-provider writes them. */
export function tokenClaims(world: AdminWorld, person: Person, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: world.poort.issuer, aud: world.resource, sub: person.id, client_id: person.org.platform.clientId, scope: ADMIN_API.scope,
    jti: randomUUID(), iat: now, exp: now + ADMIN_API.accessTokenTTL,
    acr: MFA, amr: ['pwd', 'otp', 'mfa'], auth_time: poortNow(world), ...overrides,
  };
}

/** A JWS signed with Poort's RSA key (RS256, its kid), with the header and claims given. */
export async function signWithPoortKey(world: AdminWorld, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = poortRsaKey(world);
  const key = await importJWK(jwk, 'RS256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid, ...header } as CompactJWSHeaderParameters)
    .sign(key);
}

/** An unsigned token (`alg: none`, empty signature). */
export function unsignedToken(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64({ alg: 'none', typ: 'at+jwt', ...header })}.${b64(claims)}.`;
}

/** HS256 with Poort's RSA public key (PEM, as published) as the HMAC secret: the algorithm-confusion attack. */
export function hmacWithPublicKey(world: AdminWorld, claims: Record<string, unknown>): string {
  const jwk = poortRsaKey(world);
  const pem = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' } as Parameters<typeof createPublicKey>[0]).export({ type: 'spki', format: 'pem' }).toString();
  const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}

/** The token with its payload replaced (header and signature kept). */
export function withPayload(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header = '', , signature = ''] = token.split('.');
  return `${header}.${b64(change(decodeJwt(token)))}.${signature}`;
}

/** An id no account has. */
export const missingId = (): string => randomUUID();

/** Audit events of one type (newest first), straight from the model. */
export async function auditOf(world: AdminWorld, filter: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  return world.poort.container.models.AuditEvent.find(filter).sort({ at: -1 }).lean<Array<Record<string, unknown>>>().exec();
}
