/**
 * Who may do what through the admin API: the one permission matrix. The route table names an action per route
 * (src/admin-api/routes.ts); the router asks `ruleFor` and `reaches` here; docs/admin-api.md shows the table as
 * src/admin-api/reference.ts writes it (a test keeps the two equal).
 *
 * - An actor is a person (by the role of their account, read fresh on every call) or a machine client.
 * - Nothing reaches outside the actor's organisation: another organisation's account is "not found".
 * - What an actor may not *read* does not exist for them either (404): a professional sees only themselves and the
 *   clients linked to them. What they may read but not *do* is a 403.
 * - Nobody acts on their own account for a reset, a role, a status or their sessions (403 `own_account`): another
 *   manager must. So the API never leaves an organisation without an active manager.
 */
import type { Role } from '../accounts/vocabulary.ts';

/** Which accounts a rule reaches within the actor's organisation. */
export type Reach = 'organisation' | 'self' | 'linked-clients' | 'self-and-linked-clients';

export interface Rule {
  reach: Reach;
  /** The actor's own account is excluded (403 `own_account`). */
  notSelf?: boolean;
  /** For creating or assigning roles: the roles this actor may give (default: any). */
  roles?: readonly Role[];
}

export type ActorKind = Role | 'machine';
export const ACTOR_KINDS: readonly ActorKind[] = ['manager', 'professional', 'client', 'machine'];

const ORGANISATION: Rule = { reach: 'organisation' };
const OTHERS: Rule = { reach: 'organisation', notSelf: true };
const SELF: Rule = { reach: 'self' };

/** `null`: never (403 `forbidden`). */
export const PERMISSIONS = {
  'me.read': { manager: SELF, professional: SELF, client: null, machine: SELF },
  'accounts.list': { manager: ORGANISATION, professional: { reach: 'linked-clients' }, client: null, machine: ORGANISATION },
  'accounts.read': { manager: ORGANISATION, professional: { reach: 'self-and-linked-clients' }, client: null, machine: ORGANISATION },
  'accounts.create': { manager: ORGANISATION, professional: null, client: null, machine: { reach: 'organisation', roles: ['client', 'professional'] } },
  'accounts.update': { manager: ORGANISATION, professional: null, client: null, machine: null },
  'accounts.role': { manager: OTHERS, professional: null, client: null, machine: null },
  'accounts.disable': { manager: OTHERS, professional: null, client: null, machine: null },
  'accounts.enable': { manager: OTHERS, professional: null, client: null, machine: null },
  'accounts.welcome': { manager: ORGANISATION, professional: null, client: null, machine: ORGANISATION },
  'accounts.clients': { manager: ORGANISATION, professional: { reach: 'self' }, client: null, machine: ORGANISATION },
  'accounts.link': { manager: ORGANISATION, professional: null, client: null, machine: null },
  'accounts.reset_two_factor': { manager: OTHERS, professional: { reach: 'linked-clients', notSelf: true }, client: null, machine: null },
  'accounts.revoke_sessions': { manager: OTHERS, professional: null, client: null, machine: null },
  'organisation.policy.read': { manager: ORGANISATION, professional: null, client: null, machine: null },
  'organisation.policy.write': { manager: ORGANISATION, professional: null, client: null, machine: null },
  'audit.list': { manager: ORGANISATION, professional: null, client: null, machine: null },
} as const satisfies Record<string, Record<ActorKind, Rule | null>>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

/** The rule of an action for an actor, or null when the actor may never do it. */
export function ruleFor(action: Action, kind: ActorKind): Rule | null {
  return (PERMISSIONS[action] as Record<ActorKind, Rule | null>)[kind];
}

/** An account as the rules see it. */
export interface Subject {
  id: string;
  role: Role;
  professionalIds: readonly string[];
}

/** Whether `rule` reaches `target` for the actor `actorId` (an account of the actor's organisation). */
export function reaches(rule: Rule, actorId: string, target: Subject): boolean {
  const self = target.id === actorId;
  const linked = target.role === 'client' && target.professionalIds.includes(actorId);
  switch (rule.reach) {
    case 'organisation': return true;
    case 'self': return self;
    case 'linked-clients': return linked;
    case 'self-and-linked-clients': return self || linked;
  }
}
