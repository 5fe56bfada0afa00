/** The accounts endpoints: each handler runs after its route's checks (authentication, permissions, targets, step-up). */
import type { z } from 'zod';
import type { AdminActor } from '../../accounts/account-admin.ts';
import type { Account } from '../../accounts/accounts.ts';
import type { Inviter } from '../../accounts/vocabulary.ts';
import { actorKind, type Actor } from '../auth.ts';
import type { AdminApiDeps } from '../deps.ts';
import { ruleFor } from '../permissions.ts';
import { ApiProblem } from '../problems.ts';
import type { Call } from '../route.ts';
import type {
  accountListQuery, accountSchema, createAccountBody, createdAccountSchema, idParams, linkParams, linksSchema, pageQuery,
  resetSchema, revokedSchema, updateAccountBody, welcomeSchema,
} from '../schemas.ts';

type AccountView = z.input<typeof accountSchema>;
type None = Record<string, never>;

/** An account as the API shows it: never a password hash, an invitation's token hash or anything else secret. */
export function accountView(account: Account, method: string | undefined): AccountView {
  return {
    id: account._id,
    organisationId: account.organisationId,
    email: account.email,
    ...(account.name ? { name: account.name } : {}),
    role: account.role,
    status: account.status,
    ...(account.locale ? { locale: account.locale } : {}),
    ...(account.role === 'client' ? { professionalIds: [...account.professionalIds] } : {}),
    twoFactor: method ? { enrolled: true, method } : { enrolled: false },
    ...(account.status === 'invited' && account.invitation ? { invitationExpiresAt: new Date(account.invitation.expiresAt).toISOString() } : {}),
    createdAt: new Date(account.createdAt).toISOString(),
    updatedAt: new Date(account.updatedAt).toISOString(),
  };
}

/** Views of several accounts with one read of their second factors. */
async function views(deps: AdminApiDeps, accounts: readonly Account[]): Promise<AccountView[]> {
  const methods = await deps.secondFactors.enrolledMethods(accounts.map((account) => account._id));
  return accounts.map((account) => accountView(account, methods.get(account._id)));
}

async function view(deps: AdminApiDeps, account: Account): Promise<AccountView> {
  const [shown] = await views(deps, [account]);
  return shown as AccountView;
}

/** The account as it is now (after a change), or 404 if it went meanwhile. */
async function reread(deps: AdminApiDeps, id: string): Promise<Account> {
  const account = await deps.accounts.get(id);
  if (!account) throw new ApiProblem('not_found');
  return account;
}

const adminActor = (actor: Actor, ip: string): AdminActor => ({ id: actor.id, ip });

/** How a welcome e-mail names who created the account: by role; a machine client as the organisation itself. */
const inviterOf = (actor: Actor): Inviter => (actor.kind === 'person' && (actor.role === 'manager' || actor.role === 'professional') ? actor.role : 'operator');

export async function listAccounts({ deps, actor, input }: Call<None, z.infer<typeof accountListQuery>, undefined>) {
  const rule = ruleFor('accounts.list', actorKind(actor));
  // A professional's list is their linked clients: the filter is the rule's reach.
  const own = rule?.reach === 'linked-clients' ? { professionalId: actor.id } : {};
  const { q, role, status, limit, cursor } = input.query;
  const page = await deps.directory.list({ organisationId: actor.organisationId, search: q, role, status, limit, cursor, ...own });
  return { items: await views(deps, page.accounts), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export async function createAccount({ deps, actor, input, ip }: Call<None, None, z.infer<typeof createAccountBody>>): Promise<z.input<typeof createdAccountSchema>> {
  // (The roles this actor may give were checked with the route's rules: a machine client creates no managers.)
  // A second account with the same address is refused by the unique index (organisation, e-mail): one insert, no
  // read before it, so two parallel requests cannot both create one (AccountError email_taken → 409).
  const account = await deps.accounts.create({ organisationId: actor.organisationId, ...input.body }, adminActor(actor, ip));
  let welcomeSent = true;
  try {
    await deps.invitations.send(account._id, { role: inviterOf(actor), id: actor.id, ip });
  } catch (error) {
    // The account exists: answer it, saying the welcome still has to go (POST …/welcome sends it).
    deps.logger.warn({ err: error, accountId: account._id }, 'welcome e-mail not sent');
    welcomeSent = false;
  }
  return { ...(await view(deps, await reread(deps, account._id))), welcomeSent };
}

export async function getAccount({ deps, targets }: Call<z.infer<typeof idParams>, None, undefined>) {
  return view(deps, targets[0] as Account);
}

export async function updateAccount({ deps, actor, input, targets, ip }: Call<z.infer<typeof idParams>, None, z.infer<typeof updateAccountBody>>) {
  const target = targets[0] as Account;
  const { status, ...profile } = input.body;
  if (Object.values(profile).some((value) => value !== undefined)) await deps.directory.update(target._id, profile, adminActor(actor, ip));
  // Each is one conditional update in the use case (only an active or invited account is disabled, only a disabled
  // one enabled); asked only when the status changes, as the route's permissions and step-up were decided.
  if (status === 'disabled' && target.status !== 'disabled') await deps.accountAdmin.disable(target._id, adminActor(actor, ip));
  if (status === 'active' && target.status === 'disabled') await deps.accountAdmin.enable(target._id, adminActor(actor, ip));
  return view(deps, await reread(deps, target._id));
}

export async function sendWelcome({ deps, actor, targets, ip }: Call<z.infer<typeof idParams>, None, undefined>): Promise<z.input<typeof welcomeSchema>> {
  const target = targets[0] as Account;
  // Only an invited account: the update that stores the new link is conditional on it (InvitationError not_invited → 409).
  const sent = await deps.invitations.send(target._id, { role: inviterOf(actor), id: actor.id, ip });
  return { accountId: target._id, invitationExpiresAt: sent.expiresAt.toISOString() };
}

export async function listClients({ deps, actor, input, targets }: Call<z.infer<typeof idParams>, z.infer<typeof pageQuery>, undefined>) {
  const professional = targets[0] as Account;
  if (professional.role !== 'professional') throw new ApiProblem('not_a_professional', `the account is not a professional (role: ${professional.role})`);
  const page = await deps.directory.list({ organisationId: actor.organisationId, professionalId: professional._id, limit: input.query.limit, cursor: input.query.cursor });
  return { items: await views(deps, page.accounts), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export async function link({ deps, actor, targets, ip }: Call<z.infer<typeof linkParams>, None, undefined>): Promise<z.input<typeof linksSchema>> {
  const [client, professional] = targets as [Account, Account];
  return deps.accountAdmin.link(client._id, professional._id, adminActor(actor, ip));
}

export async function unlink({ deps, actor, targets, ip }: Call<z.infer<typeof linkParams>, None, undefined>): Promise<z.input<typeof linksSchema>> {
  const [client, professional] = targets as [Account, Account];
  return deps.accountAdmin.unlink(client._id, professional._id, adminActor(actor, ip));
}

export async function resetTwoFactor({ deps, actor, targets, ip }: Call<z.infer<typeof idParams>, None, undefined>): Promise<z.input<typeof resetSchema>> {
  const target = targets[0] as Account;
  // The matrix never lets a machine client here; the use case names a person's role in the notice.
  if (actor.kind !== 'person') throw new ApiProblem('forbidden');
  const result = await deps.resetTwoFactor(target._id, { kind: 'account', id: actor.id, role: actor.role, ip });
  return { accountId: result.accountId, hadSecondFactor: result.hadSecondFactor, sessionsEnded: result.sessionsEnded, grantsRevoked: result.grantsRevoked };
}

export async function revokeSessions({ deps, actor, targets, ip }: Call<z.infer<typeof idParams>, None, undefined>): Promise<z.input<typeof revokedSchema>> {
  const target = targets[0] as Account;
  const result = await deps.accountAdmin.revokeSessions(target._id, adminActor(actor, ip));
  return { accountId: result.id, sessionsEnded: result.sessionsEnded, grantsRevoked: result.grantsRevoked };
}
