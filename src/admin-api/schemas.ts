/**
 * The admin API's shapes, as zod schemas: the same objects validate requests (src/admin-api/router.ts), shape answers
 * (every answer is parsed through its schema, which keeps only the fields listed here — nothing else of a document
 * can leak) and write the OpenAPI document (src/admin-api/openapi.ts).
 */
import { z } from 'zod';
import { emailSchema } from '../accounts/email.ts';
import { LIST_LIMIT_MAX } from '../accounts/account-directory.ts';
import { POLICY_LIMITS } from '../accounts/organisations.ts';
import { ACCOUNT_STATUSES, ROLES, TWO_FACTOR_POLICIES } from '../accounts/vocabulary.ts';
import { METHOD_IDS } from '../auth/factors/index.ts';
import { LOCALES } from '../i18n/locales.ts';

const timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC', example: '2026-11-02T09:30:00.000Z' });

export const accountIdSchema = z.string().min(1).max(100).meta({ description: 'An account id', example: '0b6f1d2e-6d9b-4c4e-9a51-2f1f7c0e9a11' });

const role = z.enum(ROLES).meta({ id: 'Role', description: 'The person\'s role in the organisation' });
const locale = z.enum(LOCALES).meta({ id: 'Locale', description: 'Language of the e-mails and pages' });
const twoFactorPolicy = z.enum(TWO_FACTOR_POLICIES).meta({ id: 'TwoFactorPolicy', description: '`off`: no second factor; `optional`: each person chooses; `required`' });
const accountStatus = z.enum(ACCOUNT_STATUSES).meta({ id: 'AccountStatus' });
const name = z.string().trim().min(1, 'must not be empty').max(200, 'is too long');
const limit = z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(LIST_LIMIT_MAX, `must be at most ${LIST_LIMIT_MAX}`).default(50)
  .meta({ description: `Page size (at most ${LIST_LIMIT_MAX})` });
const cursor = z.string().min(1).max(200).meta({ description: 'Opaque: `nextCursor` of the previous page' });

// ── Parameters ──────────────────────────────────────────────────────────────────────────────────────────────────
export const idParams = z.object({ id: accountIdSchema });
export const linkParams = z.object({
  clientId: accountIdSchema.meta({ description: 'The client account' }),
  professionalId: accountIdSchema.meta({ description: 'The professional account' }),
});

export const accountListQuery = z.strictObject({
  q: z.string().trim().min(1).max(100).optional().meta({ description: 'Part of the e-mail address or the name, any case' }),
  role: role.optional(),
  status: accountStatus.optional(),
  limit,
  cursor: cursor.optional(),
});

export const pageQuery = z.strictObject({ limit, cursor: cursor.optional() });

export const auditQuery = z.strictObject({
  accountId: accountIdSchema.optional().meta({ description: 'Events this account did or that concern it' }),
  type: z.string().min(1).max(100).optional().meta({ description: 'An event type, e.g. `two_factor.reset`', example: 'two_factor.reset' }),
  from: z.iso.datetime().optional().meta({ description: 'From this time on (inclusive)' }),
  to: z.iso.datetime().optional().meta({ description: 'Before this time (exclusive)' }),
  limit,
  cursor: cursor.optional(),
});

// ── Bodies ──────────────────────────────────────────────────────────────────────────────────────────────────────
export const createAccountBody = z.strictObject({
  email: emailSchema.meta({ description: 'Unique within the organisation', example: 'j.jansen@example.org' }),
  role,
  name: name.optional(),
  locale: locale.optional(),
  professionalId: accountIdSchema.optional().meta({ description: 'For a client: a professional of the organisation who treats them' }),
}).meta({ id: 'NewAccount' });

export const updateAccountBody = z.strictObject({
  name: name.optional(),
  locale: locale.optional(),
  role: role.optional().meta({ description: 'Managers only, never their own; a client or professional with links must be unlinked first' }),
  status: z.enum(['active', 'disabled']).optional()
    .meta({ description: '`disabled` ends every session and refresh token (step-up); `active` enables a disabled account (`invited` again if it never set a password)' }),
}).refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'give at least one field to change' })
  .meta({ id: 'AccountChange' });

const codeValidity = z.int().min(POLICY_LIMITS.codeValidity.min).max(POLICY_LIMITS.codeValidity.max);
export const policyBody = z.strictObject({
  twoFactor: twoFactorPolicy,
  allowedMethods: z.array(z.enum(METHOD_IDS)).min(1).max(METHOD_IDS.length).meta({ description: 'Second-factor methods people may set up' }),
  codeValidityChoices: z.array(codeValidity).min(1).max(12).meta({ description: 'Seconds a verified code stays valid: the choices people have' }),
  codeValidityDefault: codeValidity.meta({ description: 'Seconds; one of the choices' }),
  inactivityTimeout: z.int().min(POLICY_LIMITS.inactivityTimeout.min).max(POLICY_LIMITS.inactivityTimeout.max).meta({ description: 'Seconds without activity after which the code is asked again' }),
}).meta({ id: 'PolicyChange', description: 'The whole policy (PUT replaces it; GET it first)' });

// ── Answers ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const accountSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  email: z.string(),
  name: z.string().optional(),
  role,
  status: accountStatus,
  locale: locale.optional(),
  professionalIds: z.array(z.string()).optional().meta({ description: 'Clients only: the professionals who treat them' }),
  twoFactor: z.object({
    enrolled: z.boolean(),
    method: z.string().optional().meta({ description: 'The enrolled method (`totp`, `sms`)' }),
  }).meta({ description: 'Whether the person has a second factor (what "reset two-factor authentication" would remove)' }),
  invitationExpiresAt: timestamp.optional().meta({ description: 'Invited accounts: when the current welcome link stops working' }),
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'Account' });

export const createdAccountSchema = accountSchema.extend({
  welcomeSent: z.boolean().meta({ description: 'False when the welcome e-mail could not be sent: send it with POST …/welcome' }),
}).meta({ id: 'CreatedAccount' });

export const accountPageSchema = z.object({
  items: z.array(accountSchema),
  nextCursor: z.string().optional().meta({ description: 'Present when there may be more: pass it as `cursor`' }),
}).meta({ id: 'AccountPage' });

export const meSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('person'),
    accountId: z.string(),
    role,
    organisationId: z.string(),
    email: z.string(),
    name: z.string().optional(),
    clientId: z.string().meta({ description: 'The client the token was issued to' }),
    acr: z.string().optional(),
    amr: z.array(z.string()).optional(),
    authTime: z.int().optional().meta({ description: 'Epoch seconds of the login' }),
  }),
  z.object({ kind: z.literal('machine'), clientId: z.string(), organisationId: z.string() }),
]).meta({ id: 'Actor' });

export const welcomeSchema = z.object({ accountId: z.string(), invitationExpiresAt: timestamp }).meta({ id: 'WelcomeSent' });

export const linksSchema = z.object({ clientId: z.string(), professionalIds: z.array(z.string()) }).meta({ id: 'Links' });

export const resetSchema = z.object({
  accountId: z.string(),
  hadSecondFactor: z.boolean(),
  sessionsEnded: z.int().min(0),
  grantsRevoked: z.int().min(0),
}).meta({ id: 'TwoFactorReset' });

export const revokedSchema = z.object({ accountId: z.string(), sessionsEnded: z.int().min(0), grantsRevoked: z.int().min(0) }).meta({ id: 'SessionsRevoked' });

export const policySchema = z.object({
  id: z.string(),
  name: z.string(),
  twoFactor: twoFactorPolicy,
  allowedMethods: z.array(z.string()),
  codeValidityChoices: z.array(z.int()),
  codeValidityDefault: z.int(),
  inactivityTimeout: z.int(),
}).meta({ id: 'Policy', description: 'The organisation\'s second-factor policy; durations in seconds' });

export const auditEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  at: timestamp,
  actorId: z.string().optional().meta({ description: 'An account id, or `client:<client_id>` for a machine client; absent for the operator' }),
  targetId: z.string().optional(),
  ip: z.string().optional(),
  requestId: z.string().optional(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
}).meta({ id: 'AuditEvent' });

export const auditPageSchema = z.object({
  items: z.array(auditEventSchema),
  nextCursor: z.string().optional(),
}).meta({ id: 'AuditEventPage' });
