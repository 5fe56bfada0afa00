/** What the admin API uses: services only (never models), its configuration and its clocks. */
import type { AccountAdmin } from '../accounts/account-admin.ts';
import type { AccountDirectory } from '../accounts/account-directory.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { Audit } from '../accounts/audit.ts';
import type { Invitations } from '../accounts/invitations.ts';
import type { Organisations } from '../accounts/organisations.ts';
import type { TwoFactorReset } from '../accounts/two-factor-reset.ts';
import type { SecondFactors } from '../auth/second-factors.ts';
import type { Logger } from '../log.ts';
import type { ActorSources } from './auth.ts';

export interface AdminApiDeps {
  issuer: string;
  /** The signing keys (a private JWK Set): the API verifies tokens with their public parts only. */
  jwks: { keys: Record<string, unknown>[] };
  /** STEP_UP_MAX_AGE, seconds. */
  stepUpMaxAge: number;
  /** Poort's clock: whether a token has expired, and how recent its login is (`auth_time`). */
  now(): Date;
  accounts: Pick<Accounts, 'get' | 'create'>;
  directory: AccountDirectory;
  accountAdmin: AccountAdmin;
  invitations: Pick<Invitations, 'send'>;
  resetTwoFactor: TwoFactorReset;
  organisations: Pick<Organisations, 'get' | 'updatePolicy'>;
  secondFactors: Pick<SecondFactors, 'enrolledMethods'>;
  audit: Pick<Audit, 'list'>;
  /** The clients behind tokens, read fresh. */
  clients: ActorSources['clients'];
  logger: Logger;
  /** Requests per token (`sub` + `client_id`) per window; default 120 per 60 s. */
  rateLimit?: { points: number; durationSeconds: number };
}
