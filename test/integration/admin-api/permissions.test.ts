/**
 * The admin API's permission matrix, cell by cell, with real tokens: who (manager A, professionals P1 and P2, a
 * client, organisation A's machine client, manager B) × what (each endpoint) × whom (the actor themselves, a client
 * linked to the actor, a client not linked to them, another professional, a manager, an account of the other
 * organisation, an id nobody has). Sensitive actions are called with a fresh multi-factor token, so each cell shows
 * the permission rule, not the step-up.
 *
 * Whom, for each actor (all in the actor's own organisation unless said otherwise):
 * - linked client: P1 → C1, P2 → C2; anyone else → C1 (linked to P1);
 * - unlinked client: P1 → C2, P2 → C1; anyone else → C2;
 * - other professional: P3 (linked to nobody); a manager: the other manager (for managers) or the manager;
 * - other organisation: C1 of the other organisation; missing: a fresh UUID;
 * - invited (welcome only): an account that never set its password.
 * Machine clients have no account: they have no "self".
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  accessToken, actorsOf, createCast, logInAll, machineToken, mfaToken, missingId, startAdminPoort, type AdminWorld, type ApiResponse, type Cast,
  type Person,
} from '../../support/admin-api.ts';

let world: AdminWorld;
let a: Cast;
let b: Cast;
const invited: Record<'A' | 'B', string> = { A: '', B: '' };
const MISSING = missingId();

beforeAll(async () => {
  world = await startAdminPoort('admin-api-permissions');
  a = await createCast(world, 'required');
  b = await createCast(world, 'optional');
  for (const [key, cast] of [['A', a], ['B', b]] as const) {
    const account = await world.poort.container.accounts.create({ organisationId: cast.org.id, email: `invited.${key.toLowerCase()}@example.org`, role: 'client' });
    invited[key] = account._id;
  }
  await logInAll(world, [...actorsOf(a), b.manager]);
}, 120_000);

afterAll(async () => {
  await world?.poort.close();
});

// ---------------------------------------------------------------------------------------------------------------
// Who and whom

type Who = 'manager A' | 'P1' | 'P2' | 'client' | 'machine A' | 'manager B';
type Whom = 'self' | 'linked client' | 'unlinked client' | 'other professional' | 'manager' | 'other organisation' | 'missing' | 'invited';

const WHO: readonly Who[] = ['manager A', 'P1', 'P2', 'client', 'machine A', 'manager B'];
const WHOM: readonly Whom[] = ['self', 'linked client', 'unlinked client', 'other professional', 'manager', 'other organisation', 'missing'];

interface Acting {
  cast: Cast;
  other: Cast;
  person?: Person;
}

function acting(who: Who): Acting {
  switch (who) {
    case 'manager A': return { cast: a, other: b, person: a.manager };
    case 'P1': return { cast: a, other: b, person: a.p1 };
    case 'P2': return { cast: a, other: b, person: a.p2 };
    case 'client': return { cast: a, other: b, person: a.client };
    case 'machine A': return { cast: a, other: b };
    case 'manager B': return { cast: b, other: a, person: b.manager };
  }
}

function target(who: Who, whom: Whom): string {
  const { cast, other, person } = acting(who);
  switch (whom) {
    case 'self':
      if (!person) throw new Error(`${who} has no account`);
      return person.id;
    case 'linked client': return person === cast.p2 ? cast.c2.id : cast.c1.id;
    case 'unlinked client': return person === cast.p2 ? cast.c1.id : cast.c2.id;
    case 'other professional': return cast.p3.id;
    case 'manager': return person?.role === 'manager' ? cast.manager2.id : cast.manager.id;
    case 'other organisation': return other.c1.id;
    case 'missing': return MISSING;
    case 'invited': return invited[cast === a ? 'A' : 'B'];
  }
}

/** The actor's token: a fresh mfa one for step-up actions. */
async function tokenOf(who: Who, stepUp: boolean): Promise<string> {
  const { cast, person } = acting(who);
  if (!person) return machineToken(world, cast.org.machine);
  return stepUp ? mfaToken(world, person) : accessToken(world, person);
}

/** The name an account has (a rename to the same name changes nothing another cell relies on). */
function nameOf(id: string): string {
  for (const cast of [a, b]) {
    for (const person of [cast.manager, cast.manager2, cast.p1, cast.p2, cast.p3, cast.c1, cast.c2, cast.client]) if (person.id === id) return person.name;
  }
  return 'Nobody Here';
}

// ---------------------------------------------------------------------------------------------------------------
// What

interface Endpoint {
  method: string;
  path(id: string, who: Who): string;
  stepUp: boolean;
  body?(id: string, who: Who): Promise<unknown> | unknown;
  /** Puts back what a successful call changed (not part of the cell's outcome). */
  undo?(id: string, response: ApiResponse): Promise<void>;
}

let created = 0;

const ON_ACCOUNT: Record<string, Endpoint> = {
  'GET /accounts/{id}': { method: 'GET', path: (id) => `/accounts/${id}`, stepUp: false },
  'PATCH /accounts/{id} name': { method: 'PATCH', path: (id) => `/accounts/${id}`, stepUp: false, body: (id) => ({ name: nameOf(id) }) },
  'PATCH /accounts/{id} status disabled': {
    method: 'PATCH', path: (id) => `/accounts/${id}`, stepUp: true, body: () => ({ status: 'disabled' }),
    async undo(id, response) {
      if (response.status === 200) await world.poort.container.accountAdmin.enable(id);
    },
  },
  'POST /accounts/{id}/welcome': { method: 'POST', path: (id) => `/accounts/${id}/welcome`, stepUp: false },
  'GET /accounts/{id}/clients': { method: 'GET', path: (id) => `/accounts/${id}/clients`, stepUp: false },
  'PUT /accounts/{id}/professionals/{P3}': { method: 'PUT', path: (id, who) => `/accounts/${id}/professionals/${acting(who).cast.p3.id}`, stepUp: false },
  'DELETE /accounts/{id}/professionals/{P3}': { method: 'DELETE', path: (id, who) => `/accounts/${id}/professionals/${acting(who).cast.p3.id}`, stepUp: false },
  'POST /accounts/{id}/two-factor/reset': { method: 'POST', path: (id) => `/accounts/${id}/two-factor/reset`, stepUp: true },
  'POST /accounts/{id}/sessions/revoke': { method: 'POST', path: (id) => `/accounts/${id}/sessions/revoke`, stepUp: true },
};

/** The organisation's policy as it is (a PUT of it changes nothing). */
async function currentPolicy(who: Who): Promise<Record<string, unknown>> {
  const { cast } = acting(who);
  const organisation = await world.poort.container.organisations.get(cast.org.id);
  if (!organisation) throw new Error('no organisation');
  const { twoFactor, allowedMethods, codeValidityChoices, codeValidityDefault, inactivityTimeout } = organisation;
  return { twoFactor, allowedMethods, codeValidityChoices, codeValidityDefault, inactivityTimeout };
}

const WITHOUT_TARGET: Record<string, Endpoint> = {
  'GET /me': { method: 'GET', path: () => '/me', stepUp: false },
  'GET /accounts': { method: 'GET', path: () => '/accounts', stepUp: false },
  'POST /accounts (client)': {
    method: 'POST', path: () => '/accounts', stepUp: false,
    body: () => {
      created += 1;
      return { email: `invitee.${created}@example.org`, role: 'client', name: `Invitee ${created}` };
    },
  },
  'POST /accounts (manager)': {
    method: 'POST', path: () => '/accounts', stepUp: false,
    body: () => {
      created += 1;
      return { email: `new.manager.${created}@example.org`, role: 'manager' };
    },
  },
  'GET /organisation/policy': { method: 'GET', path: () => '/organisation/policy', stepUp: false },
  'PUT /organisation/policy': { method: 'PUT', path: () => '/organisation/policy', stepUp: true, body: (_id, who) => currentPolicy(who) },
  'GET /audit-events': { method: 'GET', path: () => '/audit-events', stepUp: false },
};

/** One call, once: a cell's answer is kept, so comparing two 404s does not call again. */
const answers = new Map<string, Promise<ApiResponse>>();

function call(what: string, endpoint: Endpoint, who: Who, whom: Whom | undefined): Promise<ApiResponse> {
  const key = `${what} | ${who} | ${whom ?? '-'}`;
  let answer = answers.get(key);
  if (!answer) {
    answer = (async () => {
      const id = whom ? target(who, whom) : '';
      const token = await tokenOf(who, endpoint.stepUp);
      const body = endpoint.body ? await endpoint.body(id, who) : undefined;
      const response = await world.api.call(endpoint.method, endpoint.path(id, who), { token, body });
      await endpoint.undo?.(id, response);
      return response;
    })();
    answers.set(key, answer);
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------------------------
// The matrix: one row per actor, one column per whom (in the order of WHOM; `invited` only for the welcome)

type Row = readonly [self: number | null, linked: number, unlinked: number, otherProfessional: number, manager: number, otherOrganisation: number, missing: number];

const MATRIX: Record<string, Record<Who, Row>> = {
  //                                   self  linked unlinked  other-pro  manager  other-org  missing
  'GET /accounts/{id}': {
    'manager A': /*                 */ [200, 200, 200, 200, 200, 404, 404],
    P1: /*                          */ [200, 200, 404, 404, 404, 404, 404],
    P2: /*                          */ [200, 200, 404, 404, 404, 404, 404],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 200, 200, 200, 200, 404, 404],
    'manager B': /*                 */ [200, 200, 200, 200, 200, 404, 404],
  },
  'PATCH /accounts/{id} name': {
    'manager A': /*                 */ [200, 200, 200, 200, 200, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [200, 200, 200, 200, 200, 404, 404],
  },
  'PATCH /accounts/{id} status disabled': {
    'manager A': /*                 */ [403, 200, 200, 200, 200, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [403, 200, 200, 200, 200, 404, 404],
  },
  // Everyone here has set a password: a welcome is for invited accounts only (409), see the `invited` cells below.
  'POST /accounts/{id}/welcome': {
    'manager A': /*                 */ [409, 409, 409, 409, 409, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 409, 409, 409, 409, 404, 404],
    'manager B': /*                 */ [409, 409, 409, 409, 409, 404, 404],
  },
  // Only a professional has clients (409 not_a_professional for anyone else); a professional lists only their own.
  'GET /accounts/{id}/clients': {
    'manager A': /*                 */ [409, 409, 409, 200, 409, 404, 404],
    P1: /*                          */ [200, 403, 404, 404, 404, 404, 404],
    P2: /*                          */ [200, 403, 404, 404, 404, 404, 404],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 409, 409, 200, 409, 404, 404],
    'manager B': /*                 */ [409, 409, 409, 200, 409, 404, 404],
  },
  // Linking P3 to the account: only a client can have professionals (409 not_a_client for anyone else).
  'PUT /accounts/{id}/professionals/{P3}': {
    'manager A': /*                 */ [409, 200, 200, 409, 409, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [409, 200, 200, 409, 409, 404, 404],
  },
  'DELETE /accounts/{id}/professionals/{P3}': {
    'manager A': /*                 */ [409, 200, 200, 409, 409, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [409, 200, 200, 409, 409, 404, 404],
  },
  // Nobody resets their own second factor; a professional only their linked clients (others look missing).
  'POST /accounts/{id}/two-factor/reset': {
    'manager A': /*                 */ [403, 200, 200, 200, 200, 404, 404],
    P1: /*                          */ [403, 200, 404, 404, 404, 404, 404],
    P2: /*                          */ [403, 200, 404, 404, 404, 404, 404],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [403, 200, 200, 200, 200, 404, 404],
  },
  'POST /accounts/{id}/sessions/revoke': {
    'manager A': /*                 */ [403, 200, 200, 200, 200, 404, 404],
    P1: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    P2: /*                          */ [403, 403, 403, 403, 403, 403, 403],
    client: /*                      */ [403, 403, 403, 403, 403, 403, 403],
    'machine A': /*                 */ [null, 403, 403, 403, 403, 403, 403],
    'manager B': /*                 */ [403, 200, 200, 200, 200, 404, 404],
  },
};

/** A welcome to an invited account of the actor's own organisation. */
const WELCOME_INVITED: Record<Who, number> = { 'manager A': 200, P1: 403, P2: 403, client: 403, 'machine A': 200, 'manager B': 200 };

/** Endpoints without an account in the path: one cell per actor. */
const OWN: Record<string, Record<Who, number>> = {
  //                          manager A   P1   P2  client  machine A  manager B
  'GET /me': /*           */ { 'manager A': 200, P1: 200, P2: 200, client: 403, 'machine A': 200, 'manager B': 200 },
  'GET /accounts': /*     */ { 'manager A': 200, P1: 200, P2: 200, client: 403, 'machine A': 200, 'manager B': 200 },
  'POST /accounts (client)': { 'manager A': 201, P1: 403, P2: 403, client: 403, 'machine A': 201, 'manager B': 201 },
  // A machine client creates clients and professionals only.
  'POST /accounts (manager)': { 'manager A': 201, P1: 403, P2: 403, client: 403, 'machine A': 403, 'manager B': 201 },
  'GET /organisation/policy': { 'manager A': 200, P1: 403, P2: 403, client: 403, 'machine A': 403, 'manager B': 200 },
  'PUT /organisation/policy': { 'manager A': 200, P1: 403, P2: 403, client: 403, 'machine A': 403, 'manager B': 200 },
  'GET /audit-events': /* */ { 'manager A': 200, P1: 403, P2: 403, client: 403, 'machine A': 403, 'manager B': 200 },
};

type Cell = [what: string, who: Who, whom: Whom, status: number];

const CELLS: Cell[] = Object.entries(MATRIX).flatMap(([what, rows]) =>
  WHO.flatMap((who) => rows[who].flatMap((status, column): Cell[] => (status === null ? [] : [[what, who, WHOM[column] as Whom, status]]))));

describe('on an account: who × what × whom', () => {
  it.each(CELLS)('%s by %s on %s → %i', async (what, who, whom, status) => {
    const response = await call(what, ON_ACCOUNT[what] as Endpoint, who, whom);
    expect(response.status).toBe(status);
  });

  it.each(WHO.map((who) => [who, WELCOME_INVITED[who]] as const))('POST /accounts/{id}/welcome by %s on an invited account of the organisation → %i', async (who, status) => {
    const response = await call('POST /accounts/{id}/welcome', ON_ACCOUNT['POST /accounts/{id}/welcome'] as Endpoint, who, 'invited');
    expect(response.status).toBe(status);
  });
});

describe('without an account in the path: who × what', () => {
  it.each(Object.entries(OWN).flatMap(([what, row]) => WHO.map((who) => [what, who, row[who]] as const)))('%s by %s → %i', async (what, who, status) => {
    const response = await call(what, WITHOUT_TARGET[what] as Endpoint, who, undefined);
    expect(response.status).toBe(status);
  });
});

describe('another organisation\'s account is indistinguishable from a missing one', () => {
  const pairs = Object.entries(MATRIX).flatMap(([what, rows]) =>
    WHO.filter((who) => rows[who][5] === 404 && rows[who][6] === 404).map((who) => [what, who] as const));

  it.each(pairs)('%s by %s: the 404 for the other organisation\'s id is byte for byte the 404 for a missing id', async (what, who) => {
    const endpoint = ON_ACCOUNT[what] as Endpoint;
    const [other, missing] = await Promise.all([call(what, endpoint, who, 'other organisation'), call(what, endpoint, who, 'missing')]);
    expect(`${other.status} ${other.headers.get('content-type')} ${other.text}`).toBe(`${missing.status} ${missing.headers.get('content-type')} ${missing.text}`);
  });
});
