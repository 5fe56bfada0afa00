/**
 * Poort's state of one browser interaction (a login in progress): the post/redirect/get message, and the login
 * waiting for its second step. The interface only: src/oidc/interaction-state.ts keeps it inside oidc-provider's own
 * Interaction entry, so it lives and dies with the interaction and costs no reads of its own.
 */
import type { Locale } from '../i18n/locales.ts';
import type { LoginContext } from './due.ts';
import type { FactorStatus } from './second-factors.ts';

/** The password was right (or the session's password stands) and a second step is due: who, and what is done. */
export interface Pending {
  accountId: string;
  /** Methods already passed in this interaction (`pwd`, or empty for a code-only prompt). */
  amr: string[];
  /** When the password was checked (now, or earlier in the session for a code-only prompt). */
  passwordAt: Date;
  /**
   * What the login policy knew of the account when this login began (src/auth/login-context.ts): the login result
   * carries it, so the authorization that follows judges the result by the facts the steps were decided on.
   */
  context?: LoginContext | undefined;
  /**
   * The account's factor as the code page shows it, read with the password. Only a display: every code is checked
   * against the factor as it is then, and a message (a refused code) drops it, so the next page reads it afresh.
   */
  factor?: FactorStatus | undefined;
  /** The account's language, for the pages of the second step. */
  locale?: Locale | undefined;
  /** The code was sent for this interaction (for a factor that sends one). */
  codeSent?: boolean;
  /** A second factor being set up during this login. */
  enrolmentId?: string;
  /** New recovery codes, sealed, shown until the person confirms they stored them. */
  recoveryCodes?: string;
  /** The factor verified (amr value) while recovery codes are being shown. */
  verified?: string;
}

/** The message a page shows once after a redirect, and the e-mail address to fill in again. */
export interface Flash {
  error?: string;
  email?: string;
  info?: string;
}

export interface InteractionStates {
  /** Keeps the message for the next page (and drops the pending login's `factor`, which that page then reads). */
  setFlash(uid: string, flash: Flash): Promise<void>;
  /** Returns the message once and clears it. */
  takeFlash(uid: string): Promise<Flash | undefined>;
  /** The account whose second step is due in this interaction, if any. */
  pending(uid: string): Promise<Pending | undefined>;
  setPending(uid: string, pending: Pending): Promise<void>;
  updatePending(uid: string, changes: Partial<Omit<Pending, 'accountId'>>): Promise<void>;
}
