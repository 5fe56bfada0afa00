/** What the interaction routes use: services only (never models), the provider and the views. */
import type Provider from 'oidc-provider';
import type { Accounts } from '../src/accounts/accounts.ts';
import type { Audit } from '../src/accounts/audit.ts';
import type { Notices } from '../src/accounts/notices.ts';
import type { Organisations } from '../src/accounts/organisations.ts';
import type { PasswordLogin } from '../src/accounts/password-login.ts';
import type { PasswordResets } from '../src/accounts/password-reset.ts';
import type { LoginContext } from '../src/auth/due.ts';
import type { InteractionStates } from '../src/auth/interaction-state.ts';
import type { SecondFactors } from '../src/auth/second-factors.ts';
import type { SecretBox } from '../src/auth/secret-box.ts';
import type { SessionActivities } from '../src/auth/session-activity.ts';
import type { Views } from '../src/http/views.ts';

export interface InteractionDeps {
  provider: Provider;
  views: Views;
  passwordLogin: PasswordLogin;
  states: InteractionStates;
  accounts: Accounts;
  organisations: Organisations;
  secondFactors: SecondFactors;
  loginContext(accountId: string): Promise<LoginContext | undefined>;
  sessionActivities: SessionActivities;
  notices: Notices;
  audit: Audit;
  box: SecretBox;
  /** Forgot password: the e-mailed link (src/accounts/password-reset.ts). */
  passwordResets: PasswordResets;
  now(): Date;
}
