/** What the account security page uses: services only (never models), the provider and the views. */
import type { EndedSessions } from '../../src/accounts/ended-sessions.ts';
import type { PasswordChange } from '../../src/accounts/password-change.ts';
import type { BrowserSession, SessionChoice } from '../../src/oidc/account-sessions.ts';
import type { AccountFlows } from '../../src/auth/account-flow.ts';
import type { InteractionDeps } from '../deps.ts';

export interface AccountDeps extends Pick<InteractionDeps,
  'provider' | 'views' | 'passwordLogin' | 'accounts' | 'organisations' | 'secondFactors' | 'loginContext' | 'sessionActivities'
  | 'notices' | 'audit' | 'now'> {
  flows: AccountFlows;
  passwordChange: PasswordChange;
  /** Seconds after the password check at which a full login is due (the page then asks to log in again). */
  sessionMaxAge: number;
  /** The organisation's platform (its first-party client), for "Back to …". */
  platformOf(organisationId: string): Promise<{ name?: string | undefined; initiateLoginUri?: string | undefined } | undefined>;
  issuer: string;
  /** The person's own browser sessions: the list, and ending them (with their grants and back-channel logouts). */
  sessions: {
    list(accountId: string): Promise<BrowserSession[]>;
    end(accountId: string, which: SessionChoice): Promise<EndedSessions>;
  };
}
