/**
 * The admin API's one route table. Each entry is a method and path with its schemas (parameters, query, body,
 * answer), the action of the permission matrix it needs, whether it needs a step-up and which accounts it acts on.
 * The router (src/admin-api/router.ts) registers exactly these routes and runs their checks; the OpenAPI document
 * (src/admin-api/openapi.ts) is written from the same entries, so the two cannot drift.
 */
import type { Account } from '../accounts/accounts.ts';
import type { Action } from './permissions.ts';
import {
  createAccount, getAccount, link, listAccounts, listClients, resetTwoFactor, revokeSessions, sendWelcome, unlink, updateAccount,
} from './handlers/accounts.ts';
import { getPolicy, listAuditEvents, me, putPolicy } from './handlers/organisation.ts';
import { defineRoute, type AnyRoute } from './route.ts';
import {
  accountListQuery, accountPageSchema, accountSchema, auditPageSchema, auditQuery, createAccountBody, createdAccountSchema, idParams,
  linkParams, linksSchema, meSchema, pageQuery, policyBody, policySchema, resetSchema, revokedSchema, updateAccountBody, welcomeSchema,
} from './schemas.ts';

/** Where the API lives (config/oidc.ts ADMIN_API.path); routes are written below it. */
export const VERSION = '/v1';

/** The extra actions a PATCH needs: only for what it really changes. */
function accountChanges(body: { role?: string | undefined; status?: string | undefined }, target: Account | undefined): Action[] {
  const needs: Action[] = [];
  if (body.role !== undefined && body.role !== target?.role) needs.push('accounts.role');
  if (body.status === 'disabled' && target?.status !== 'disabled') needs.push('accounts.disable');
  if (body.status === 'active' && target?.status === 'disabled') needs.push('accounts.enable');
  return needs;
}

export const ROUTES: readonly AnyRoute[] = [
  defineRoute({
    operationId: 'getMe', method: 'get', path: `${VERSION}/me`, tag: 'actor',
    summary: 'Who is acting', description: 'The person behind the token (account, role, organisation, how they logged in), or the machine client.',
    permission: 'me.read', stepUp: false,
    success: { status: 200, description: 'The actor', schema: meSchema },
    handle: me,
  }),
  defineRoute({
    operationId: 'listAccounts', method: 'get', path: `${VERSION}/accounts`, tag: 'accounts',
    summary: 'List and search accounts',
    description: 'Ordered by id; `q` searches e-mail and name. A professional sees only the clients linked to them.',
    permission: 'accounts.list', stepUp: false,
    query: accountListQuery,
    success: { status: 200, description: 'One page of accounts', schema: accountPageSchema },
    handle: listAccounts,
  }),
  defineRoute({
    operationId: 'createAccount', method: 'post', path: `${VERSION}/accounts`, tag: 'accounts',
    summary: 'Create (invite) an account',
    description: 'The account is `invited` and gets a welcome e-mail with a link to choose a password (valid INVITATION_TTL).',
    permission: 'accounts.create', stepUp: false,
    body: createAccountBody,
    success: { status: 201, description: 'The new account', schema: createdAccountSchema },
    problems: ['email_taken'],
    handle: createAccount,
  }),
  defineRoute({
    operationId: 'getAccount', method: 'get', path: `${VERSION}/accounts/{id}`, tag: 'accounts',
    summary: 'One account',
    permission: 'accounts.read', stepUp: false, targets: ['id'],
    params: idParams,
    success: { status: 200, description: 'The account', schema: accountSchema },
    handle: getAccount,
  }),
  defineRoute({
    operationId: 'updateAccount', method: 'patch', path: `${VERSION}/accounts/{id}`, tag: 'accounts',
    summary: 'Change name, language, role or status',
    description: 'Only the fields given change. A role change needs `accounts.role`, `status` `disabled` `accounts.disable` '
      + '(and a step-up), `active` `accounts.enable`; none of these on your own account.',
    permission: 'accounts.update',
    also: (input, targets) => accountChanges(input.body, targets[0]),
    stepUp: { when: (input, targets) => accountChanges(input.body, targets[0]).includes('accounts.disable'), description: 'when it disables the account' },
    targets: ['id'],
    params: idParams, body: updateAccountBody,
    success: { status: 200, description: 'The account after the change', schema: accountSchema },
    problems: ['has_links', 'conflict', 'own_account'],
    handle: updateAccount,
  }),
  defineRoute({
    operationId: 'sendWelcome', method: 'post', path: `${VERSION}/accounts/{id}/welcome`, tag: 'accounts',
    summary: 'Send a new welcome e-mail', description: 'Only for an invited account; its previous link stops working.',
    permission: 'accounts.welcome', stepUp: false, targets: ['id'],
    params: idParams,
    success: { status: 200, description: 'Sent', schema: welcomeSchema },
    problems: ['not_invited'],
    handle: sendWelcome,
  }),
  defineRoute({
    operationId: 'listClients', method: 'get', path: `${VERSION}/accounts/{id}/clients`, tag: 'accounts',
    summary: 'A professional\'s clients',
    permission: 'accounts.clients', stepUp: false, targets: ['id'],
    params: idParams, query: pageQuery,
    success: { status: 200, description: 'One page of the clients linked to the professional', schema: accountPageSchema },
    problems: ['not_a_professional'],
    handle: listClients,
  }),
  defineRoute({
    operationId: 'linkProfessional', method: 'put', path: `${VERSION}/accounts/{clientId}/professionals/{professionalId}`, tag: 'accounts',
    summary: 'Link a professional to a client', description: 'No change when linked already.',
    permission: 'accounts.link', stepUp: false, targets: ['clientId', 'professionalId'],
    params: linkParams,
    success: { status: 200, description: 'The client\'s professionals', schema: linksSchema },
    problems: ['not_a_client', 'not_a_professional', 'professional_disabled'],
    handle: link,
  }),
  defineRoute({
    operationId: 'unlinkProfessional', method: 'delete', path: `${VERSION}/accounts/{clientId}/professionals/{professionalId}`, tag: 'accounts',
    summary: 'Unlink a professional from a client', description: 'No change when not linked.',
    permission: 'accounts.link', stepUp: false, targets: ['clientId', 'professionalId'],
    params: linkParams,
    success: { status: 200, description: 'The client\'s professionals', schema: linksSchema },
    problems: ['not_a_client', 'not_a_professional'],
    handle: unlink,
  }),
  defineRoute({
    operationId: 'resetTwoFactor', method: 'post', path: `${VERSION}/accounts/{id}/two-factor/reset`, tag: 'accounts',
    summary: 'Reset the second factor',
    description: 'Removes the factor and recovery codes, clears its throttling and lock, ends every session and refresh '
      + 'token, writes `two_factor.reset` and e-mails the person (naming the actor\'s role).',
    permission: 'accounts.reset_two_factor', stepUp: true, targets: ['id'],
    params: idParams,
    success: { status: 200, description: 'Reset', schema: resetSchema },
    problems: ['own_account'],
    handle: resetTwoFactor,
  }),
  defineRoute({
    operationId: 'revokeSessions', method: 'post', path: `${VERSION}/accounts/{id}/sessions/revoke`, tag: 'accounts',
    summary: 'End every session and refresh token', description: 'The platform\'s sessions end too (back-channel logout). Writes `account.sessions_revoked`.',
    permission: 'accounts.revoke_sessions', stepUp: true, targets: ['id'],
    params: idParams,
    success: { status: 200, description: 'Ended', schema: revokedSchema },
    problems: ['own_account'],
    handle: revokeSessions,
  }),
  defineRoute({
    operationId: 'getPolicy', method: 'get', path: `${VERSION}/organisation/policy`, tag: 'organisation',
    summary: 'The organisation\'s second-factor policy',
    permission: 'organisation.policy.read', stepUp: false,
    success: { status: 200, description: 'The policy', schema: policySchema },
    handle: getPolicy,
  }),
  defineRoute({
    operationId: 'putPolicy', method: 'put', path: `${VERSION}/organisation/policy`, tag: 'organisation',
    summary: 'Replace the organisation\'s second-factor policy',
    description: 'Checked as a whole (the default must be one of the choices); never locks anyone out (docs/two-factor.md).',
    permission: 'organisation.policy.write', stepUp: true,
    body: policyBody,
    success: { status: 200, description: 'The policy now', schema: policySchema },
    problems: ['conflict'],
    handle: putPolicy,
  }),
  defineRoute({
    operationId: 'listAuditEvents', method: 'get', path: `${VERSION}/audit-events`, tag: 'audit',
    summary: 'The organisation\'s audit log', description: 'Newest first.',
    permission: 'audit.list', stepUp: false,
    query: auditQuery,
    success: { status: 200, description: 'One page of events', schema: auditPageSchema },
    handle: listAuditEvents,
  }),
];
