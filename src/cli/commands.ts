/**
 * The CLI's command table: one entry per command, with its options (node's parseArgs) and a zod schema that
 * validates them. Each command returns a JSON-serialisable result.
 */
import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { generateJwks } from '../../config/load.ts';
import { duration, type Config } from '../../config/schema.ts';
import { AccountAdminError, type AccountAdminErrorCode } from '../accounts/account-admin.ts';
import { AccountError } from '../accounts/accounts.ts';
import { emailSchema } from '../accounts/email.ts';
import { InvitationError, type SentInvitation } from '../accounts/invitations.ts';
import { POLICY_LIMITS, PolicyError, policyOf, type PolicyChange } from '../accounts/organisations.ts';
import { ROLES, TWO_FACTOR_POLICIES } from '../accounts/vocabulary.ts';
import { METHOD_IDS } from '../auth/factors/index.ts';
import { resealAll } from '../auth/reseal.ts';
import type { Container } from '../container.ts';
import { LOCALES } from '../i18n/index.ts';
import { isClientEndpointUri } from '../oidc/client-store.ts';
import { describeKeys, promoteKey, readJwksFile, retireKey, writeJwksFile } from './jwks-file.ts';

export interface Command<S extends z.ZodType> {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  schema: S;
  /** Commands that need no database get the configuration only. */
  needsDatabase: boolean;
  run(deps: { config: Config; container?: Container }, args: z.infer<S>): Promise<unknown>;
}

const define = <S extends z.ZodType>(command: Command<S>): Command<S> => command;
const id = z.string().trim().min(1, 'is required').max(100);
const redirectUri = z.url({ message: 'must be an absolute URL' }).refine((u) => !u.includes('#'), 'must not contain a fragment');
/** An endpoint of the client itself: `--initiate-login-uri`, `--backchannel-logout-uri`. */
const clientEndpointUri = z.url({ message: 'must be an absolute URL' })
  .refine(isClientEndpointUri, 'must be an https URL (http only on localhost or 127.0.0.1), without a fragment');
const need = (deps: { container?: Container }): Container => {
  if (!deps.container) throw new Error('internal: command needs the database');
  return deps.container;
};
/** A comma-separated option: `totp,sms`, `1h,4h`. */
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z.string().transform((value) => value.split(',').map((v) => v.trim()).filter(Boolean)).pipe(z.array(item).min(1, 'give at least one value'));
/** Seconds within limits, written like the configuration's durations (`300`, `5m`, `1h`). */
const limited = (limits: { min: number; max: number }) => duration.pipe(z.number()
  .min(limits.min, `must be at least ${limits.min / 60} minutes`).max(limits.max, `must be at most ${limits.max / 3600} hours`));
/** The CLI option that sets each policy field (the use case names fields; the operator typed options). */
const POLICY_OPTIONS: Record<PolicyError['field'], string> = {
  organisation: 'org', twoFactor: 'two-factor', allowedMethods: 'methods', codeValidityChoices: 'code-validity-choices',
  codeValidityDefault: 'code-validity-default', inactivityTimeout: 'inactivity',
};

/** The CLI option each refusal of the account administration is about. */
const ADMIN_OPTIONS: Record<AccountAdminErrorCode, string> = {
  account_not_found: 'id', client_not_found: 'client', not_a_client: 'client', professional_not_found: 'professional',
  not_a_professional: 'professional', professional_disabled: 'professional', other_organisation: 'professional',
};

/** Runs an account administration step, naming the option a refusal is about. */
async function administer<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AccountAdminError) throw new Error(`--${ADMIN_OPTIONS[error.code]}: ${error.message}`);
    throw error;
  }
}

/** The welcome link is the person's alone: it is printed only to a developer's own terminal. */
function printLinkAllowed(config: Config): void {
  if (config.env !== 'development') {
    throw new Error(`--print-link: only in development (NODE_ENV=development, now ${config.env}); elsewhere the link travels only in the e-mail`);
  }
}

/** E-mails a welcome link to an invited account, as the operator. */
async function sendWelcome(c: Container, accountId: string): Promise<SentInvitation> {
  try {
    return await c.invitations.send(accountId, { role: 'operator' });
  } catch (error) {
    if (!(error instanceof InvitationError)) throw error;
    if (error.code === 'not_found') throw new Error('--id: account not found');
    const account = await c.accounts.get(accountId);
    throw new Error(`--id: the account is not waiting for its first password (status: ${account?.status ?? 'unknown'})`);
  }
}

/** What the CLI prints of a welcome just sent: its expiry, and its link when asked for (development). */
const welcomeSent = (sent: SentInvitation, printLink: boolean) =>
  ({ invitationExpiresAt: sent.expiresAt.toISOString(), ...(printLink ? { link: sent.link } : {}) });

export const COMMANDS = {
  'org create': define({
    usage: 'org create --name NAME [--two-factor off|optional|required]',
    options: { name: { type: 'string' }, 'two-factor': { type: 'string' } },
    schema: z.object({ name: z.string().trim().min(1, 'is required').max(200), 'two-factor': z.enum(TWO_FACTOR_POLICIES).default('optional') }),
    needsDatabase: true,
    async run(deps, args) {
      const org = await need(deps).organisations.create({ name: args.name, twoFactor: args['two-factor'] });
      return { id: org._id, name: org.name, twoFactor: org.twoFactor };
    },
  }),
  'org show': define({
    usage: 'org show --org ID   (the organisation and its second-factor policy; durations in seconds)',
    options: { org: { type: 'string' } },
    schema: z.object({ org: id }),
    needsDatabase: true,
    async run(deps, args) {
      const org = await need(deps).organisations.get(args.org);
      if (!org) throw new Error('--org: organisation not found');
      return policyOf(org);
    },
  }),
  'org policy': define({
    usage: `org policy --org ID [--two-factor off|optional|required] [--methods ${METHOD_IDS.join(',')}] [--code-validity-choices 1h,4h,8h,12h] [--code-validity-default 1h] [--inactivity 1h]`,
    options: {
      org: { type: 'string' }, 'two-factor': { type: 'string' }, methods: { type: 'string' },
      'code-validity-choices': { type: 'string' }, 'code-validity-default': { type: 'string' }, inactivity: { type: 'string' },
    },
    schema: z.object({
      org: id,
      'two-factor': z.enum(TWO_FACTOR_POLICIES).optional(),
      methods: list(z.enum(METHOD_IDS)).optional(),
      'code-validity-choices': list(limited(POLICY_LIMITS.codeValidity)).optional(),
      'code-validity-default': limited(POLICY_LIMITS.codeValidity).optional(),
      inactivity: limited(POLICY_LIMITS.inactivityTimeout).optional(),
    }).refine((a) => !a['code-validity-choices'] || a['code-validity-default'] === undefined || a['code-validity-choices'].includes(a['code-validity-default']), {
      message: 'must be one of --code-validity-choices', path: ['code-validity-default'],
    }),
    needsDatabase: true,
    async run(deps, args) {
      const change: PolicyChange = {
        twoFactor: args['two-factor'], allowedMethods: args.methods, codeValidityChoices: args['code-validity-choices'],
        codeValidityDefault: args['code-validity-default'], inactivityTimeout: args.inactivity,
      };
      try {
        return await need(deps).organisations.updatePolicy(args.org, change);
      } catch (error) {
        if (error instanceof PolicyError) throw new Error(`--${POLICY_OPTIONS[error.field]}: ${error.message}`);
        throw error;
      }
    },
  }),
  'account create': define({
    usage: 'account create --org ID --email EMAIL --role client|professional|manager [--name NAME] [--professional ID] [--locale en|nl] [--print-link | --password PASSWORD]   '
      + '(the account is invited and gets a welcome e-mail to choose its password; --print-link also prints the link, development only; '
      + '--password is for seeding: the account is active at once and no e-mail is sent)',
    options: {
      org: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' },
      professional: { type: 'string' }, locale: { type: 'string' }, password: { type: 'string' }, 'print-link': { type: 'boolean' },
    },
    schema: z.object({
      org: id, email: emailSchema, role: z.enum(ROLES), name: z.string().trim().max(200).optional(),
      professional: id.optional(), locale: z.enum(LOCALES).optional(), password: z.string().optional(),
      'print-link': z.boolean().default(false),
    }).refine((a) => !(a['print-link'] && a.password !== undefined), {
      message: 'an account seeded with --password gets no welcome e-mail, so there is no link to print', path: ['print-link'],
    }),
    needsDatabase: true,
    async run(deps, args) {
      if (args['print-link']) printLinkAllowed(deps.config);
      const c = need(deps);
      const account = await c.accounts.create({
        organisationId: args.org, email: args.email, role: args.role, name: args.name,
        professionalId: args.professional, locale: args.locale, password: args.password,
      });
      const created = { id: account._id, organisationId: account.organisationId, email: account.email, role: account.role, status: account.status };
      if (args.password !== undefined) return created;
      let sent: SentInvitation;
      try {
        sent = await sendWelcome(c, account._id);
      } catch (error) {
        throw new Error(`account ${account._id} was created, but its welcome e-mail was not sent (${(error as Error).message}); `
          + `send it with: account resend-welcome --id ${account._id}`);
      }
      return { ...created, ...welcomeSent(sent, args['print-link']) };
    },
  }),
  'account resend-welcome': define({
    usage: 'account resend-welcome --id ACCOUNT_ID [--print-link]   (a new welcome e-mail for an invited account; its previous link stops working; --print-link: development only)',
    options: { id: { type: 'string' }, 'print-link': { type: 'boolean' } },
    schema: z.object({ id, 'print-link': z.boolean().default(false) }),
    needsDatabase: true,
    async run(deps, args) {
      if (args['print-link']) printLinkAllowed(deps.config);
      const sent = await sendWelcome(need(deps), args.id);
      return { id: args.id, ...welcomeSent(sent, args['print-link']) };
    },
  }),
  'account disable': define({
    usage: 'account disable --id ACCOUNT_ID   (the person can no longer log in; every session and refresh token ends)',
    options: { id: { type: 'string' } },
    schema: z.object({ id }),
    needsDatabase: true,
    async run(deps, args) {
      return administer(() => need(deps).accountAdmin.disable(args.id));
    },
  }),
  'account enable': define({
    usage: 'account enable --id ACCOUNT_ID   (a disabled account is active again; one that never had a password is invited again and needs account resend-welcome)',
    options: { id: { type: 'string' } },
    schema: z.object({ id }),
    needsDatabase: true,
    async run(deps, args) {
      return administer(() => need(deps).accountAdmin.enable(args.id));
    },
  }),
  'account link': define({
    usage: 'account link --client ACCOUNT_ID --professional ACCOUNT_ID   (the professional treats the client; same organisation)',
    options: { client: { type: 'string' }, professional: { type: 'string' } },
    schema: z.object({ client: id, professional: id }),
    needsDatabase: true,
    async run(deps, args) {
      return administer(() => need(deps).accountAdmin.link(args.client, args.professional));
    },
  }),
  'account unlink': define({
    usage: 'account unlink --client ACCOUNT_ID --professional ACCOUNT_ID   (the professional no longer treats the client)',
    options: { client: { type: 'string' }, professional: { type: 'string' } },
    schema: z.object({ client: id, professional: id }),
    needsDatabase: true,
    async run(deps, args) {
      return administer(() => need(deps).accountAdmin.unlink(args.client, args.professional));
    },
  }),
  'account update': define({
    usage: 'account update --id ACCOUNT_ID [--name NAME] [--locale en|nl] [--role client|professional|manager]   '
      + '(only the options given change; a client or professional with links keeps its role until they are unlinked)',
    options: { id: { type: 'string' }, name: { type: 'string' }, locale: { type: 'string' }, role: { type: 'string' } },
    schema: z.object({
      id, name: z.string().trim().min(1, 'must not be empty').max(200).optional(), locale: z.enum(LOCALES).optional(), role: z.enum(ROLES).optional(),
    }).refine((a) => a.name !== undefined || a.locale !== undefined || a.role !== undefined, { message: 'give --name, --locale or --role', path: ['id'] }),
    needsDatabase: true,
    async run(deps, args) {
      try {
        const { account, changed } = await need(deps).accountDirectory.update(args.id, { name: args.name, locale: args.locale, role: args.role });
        return { id: account._id, name: account.name, locale: account.locale, role: account.role, changed };
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        throw new Error(`${error.code === 'account_not_found' ? '--id' : '--role'}: ${error.message}`);
      }
    },
  }),
  'account reset-2fa': define({
    usage: 'account reset-2fa --id ACCOUNT_ID   (removes the second factor and recovery codes, ends all sessions and refresh tokens, e-mails the person)',
    options: { id: { type: 'string' } },
    schema: z.object({ id }),
    needsDatabase: true,
    async run(deps, args) {
      return need(deps).resetTwoFactor(args.id, { kind: 'operator' });
    },
  }),
  'client create': define({
    usage: 'client create --org ID --redirect-uri URI [--redirect-uri URI…] [--post-logout-redirect-uri URI…] [--name NAME] [--public] [--first-party] [--pkce required|optional] [--auth-method client_secret_basic|client_secret_post] [--client-credentials] [--initiate-login-uri URI] [--backchannel-logout-uri URI]',
    options: {
      org: { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true }, 'post-logout-redirect-uri': { type: 'string', multiple: true },
      name: { type: 'string' }, public: { type: 'boolean' }, 'first-party': { type: 'boolean' }, pkce: { type: 'string' },
      'auth-method': { type: 'string' }, 'client-credentials': { type: 'boolean' }, 'initiate-login-uri': { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
    },
    schema: z.object({
      org: id,
      'redirect-uri': z.array(redirectUri).min(1, 'at least one is required'),
      'post-logout-redirect-uri': z.array(redirectUri).default([]),
      name: z.string().trim().max(200).optional(),
      public: z.boolean().default(false),
      'first-party': z.boolean().default(false),
      pkce: z.enum(['required', 'optional']).default('required'),
      'auth-method': z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
      'client-credentials': z.boolean().default(false),
      'initiate-login-uri': clientEndpointUri.optional(),
      'backchannel-logout-uri': clientEndpointUri.optional(),
    }).refine((a) => !(a.public && a.pkce === 'optional'), { message: 'a public client always requires PKCE', path: ['pkce'] }),
    needsDatabase: true,
    async run(deps, args) {
      const c = need(deps);
      if (!(await c.organisations.get(args.org))) throw new Error('--org: organisation not found');
      const created = await c.clients.create({
        organisationId: args.org, name: args.name, redirectUris: args['redirect-uri'], postLogoutRedirectUris: args['post-logout-redirect-uri'],
        public: args.public, firstParty: args['first-party'], pkce: args.pkce, authMethod: args['auth-method'], clientCredentials: args['client-credentials'],
        initiateLoginUri: args['initiate-login-uri'], backchannelLogoutUri: args['backchannel-logout-uri'],
      });
      return { client_id: created.clientId, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) };
    },
  }),
  'keys generate': define({
    usage: 'keys generate [--add-to JWKS_FILE [--standby]]   (a new RSA-2048 (RS256) and P-256 (ES256) key: printed as a private JWK Set, or put first in the file, which keeps its keys; --standby puts them last: published, not yet signing)',
    options: { 'add-to': { type: 'string' }, standby: { type: 'boolean' } },
    schema: z.object({ 'add-to': z.string().trim().min(1, 'is required').optional(), standby: z.boolean().default(false) })
      .refine((a) => !a.standby || a['add-to'] !== undefined, { message: 'goes with --add-to', path: ['standby'] }),
    needsDatabase: false,
    async run(_deps, args) {
      const file = args['add-to'];
      if (file === undefined) return generateJwks();
      const existing = readJwksFile(file, '--add-to');
      const added = generateJwks().keys;
      const keys = args.standby ? [...existing, ...added] : [...added, ...existing];
      writeJwksFile(file, keys);
      return { file, added: added.map((k) => String(k.kid)), keys: describeKeys(keys) };
    },
  }),
  'keys promote': define({
    usage: 'keys promote --kid KID --in JWKS_FILE   (moves the key first: it signs for its alg from the next start)',
    options: { kid: { type: 'string' }, in: { type: 'string' } },
    schema: z.object({ kid: id, in: z.string().trim().min(1, 'is required') }),
    needsDatabase: false,
    async run(_deps, args) {
      const keys = promoteKey(readJwksFile(args.in, '--in'), args.kid);
      writeJwksFile(args.in, keys);
      return { file: args.in, promoted: args.kid, keys: describeKeys(keys) };
    },
  }),
  'keys retire': define({
    usage: 'keys retire --kid KID --from JWKS_FILE [--force]   (removes a key no longer signing, after the longest token lifetime: docs/operations.md#key-rotation)',
    options: { kid: { type: 'string' }, from: { type: 'string' }, force: { type: 'boolean' } },
    schema: z.object({ kid: id, from: z.string().trim().min(1, 'is required'), force: z.boolean().default(false) }),
    needsDatabase: false,
    async run(_deps, args) {
      const keys = retireKey(readJwksFile(args.from, '--from'), args.kid, args.force);
      writeJwksFile(args.from, keys);
      return { file: args.from, retired: args.kid, keys: describeKeys(keys) };
    },
  }),
  'secrets reseal': define({
    usage: 'secrets reseal   (re-seals every stored secret not under the first ENCRYPTION_KEYS key; prints counts per collection)',
    options: {},
    schema: z.object({}),
    needsDatabase: true,
    async run(deps) {
      const c = need(deps);
      return { sealingKey: c.config.encryptionKeys[0]?.kid, collections: await resealAll(c.db, c.box) };
    },
  }),
  'mail test': define({
    usage: 'mail test --to ADDRESS [--locale en|nl]',
    options: { to: { type: 'string' }, locale: { type: 'string' } },
    schema: z.object({ to: emailSchema, locale: z.enum(LOCALES).default('en') }),
    needsDatabase: false,
    async run(deps, args) {
      const { sendMailTestCommand } = await import('./mail-test.ts');
      return sendMailTestCommand(deps.config, args.to, args.locale);
    },
  }),
};

export type CommandName = keyof typeof COMMANDS;
