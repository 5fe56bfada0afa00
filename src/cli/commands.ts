/**
 * The CLI's command table: one entry per command, with its options (node's parseArgs) and a zod schema that
 * validates them. Each command returns a JSON-serialisable result.
 */
import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { generateJwks } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { emailSchema } from '../accounts/email.ts';
import type { Container } from '../container.ts';
import { ROLES } from '../db/models/account.ts';
import { TWO_FACTOR_POLICIES } from '../db/models/organisation.ts';

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
const need = (deps: { container?: Container }): Container => {
  if (!deps.container) throw new Error('internal: command needs the database');
  return deps.container;
};

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
  'account create': define({
    usage: 'account create --org ID --email EMAIL --role client|professional|manager [--name NAME] [--professional ID] [--locale en|nl] [--password PASSWORD]',
    options: {
      org: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' },
      professional: { type: 'string' }, locale: { type: 'string' }, password: { type: 'string' },
    },
    schema: z.object({
      org: id, email: emailSchema, role: z.enum(ROLES), name: z.string().trim().max(200).optional(),
      professional: id.optional(), locale: z.enum(['en', 'nl']).optional(), password: z.string().optional(),
    }),
    needsDatabase: true,
    async run(deps, args) {
      const account = await need(deps).accounts.create({
        organisationId: args.org, email: args.email, role: args.role, name: args.name,
        professionalId: args.professional, locale: args.locale, password: args.password,
      });
      return { id: account._id, organisationId: account.organisationId, email: account.email, role: account.role, status: account.status };
    },
  }),
  'client create': define({
    usage: 'client create --org ID --redirect-uri URI [--redirect-uri URI…] [--post-logout-redirect-uri URI…] [--name NAME] [--public] [--first-party] [--pkce required|optional] [--auth-method client_secret_basic|client_secret_post] [--client-credentials]',
    options: {
      org: { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true }, 'post-logout-redirect-uri': { type: 'string', multiple: true },
      name: { type: 'string' }, public: { type: 'boolean' }, 'first-party': { type: 'boolean' }, pkce: { type: 'string' },
      'auth-method': { type: 'string' }, 'client-credentials': { type: 'boolean' },
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
    }).refine((a) => !(a.public && a.pkce === 'optional'), { message: 'a public client always requires PKCE', path: ['pkce'] }),
    needsDatabase: true,
    async run(deps, args) {
      const c = need(deps);
      if (!(await c.organisations.get(args.org))) throw new Error('--org: organisation not found');
      const created = await c.clients.create({
        organisationId: args.org, name: args.name, redirectUris: args['redirect-uri'], postLogoutRedirectUris: args['post-logout-redirect-uri'],
        public: args.public, firstParty: args['first-party'], pkce: args.pkce, authMethod: args['auth-method'], clientCredentials: args['client-credentials'],
      });
      return { client_id: created.clientId, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) };
    },
  }),
  'keys generate': define({
    usage: 'keys generate   (prints a new private JWK Set for JWKS / JWKS_FILE: RSA-2048 for RS256 and P-256 for ES256)',
    options: {},
    schema: z.object({}),
    needsDatabase: false,
    async run() {
      return generateJwks();
    },
  }),
  'mail test': define({
    usage: 'mail test --to ADDRESS [--locale en|nl]',
    options: { to: { type: 'string' }, locale: { type: 'string' } },
    schema: z.object({ to: emailSchema, locale: z.enum(['en', 'nl']).default('en') }),
    needsDatabase: false,
    async run(deps, args) {
      const { sendMailTestCommand } = await import('./mail-test.ts');
      return sendMailTestCommand(deps.config, args.to, args.locale);
    },
  }),
};

export type CommandName = keyof typeof COMMANDS;
