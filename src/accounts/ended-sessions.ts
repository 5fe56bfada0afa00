/**
 * What the use cases that end a person's sessions (a password change or reset, a second-factor reset) ask for and
 * get back. They are handed the ending itself (src/oidc/account-sessions.ts does it in oidc-provider's storage), so
 * the use cases stay free of the provider and the provider's glue implements what they ask.
 */

export interface EndedSessions {
  /** Uids of the sessions that ended (Poort's timers of those sessions can go too). */
  sessionUids: string[];
  grantsRevoked: number;
}

/** What stays: the current browser session (by its id, the cookie value) and the grants it holds. */
export interface KeepSessions {
  sessionId?: string;
  grantIds?: string[];
}

/** Two rounds of ending, as one (a change that ends sessions before and after its write). */
export function bothEnded(first: EndedSessions, second: EndedSessions): EndedSessions {
  return { sessionUids: [...first.sessionUids, ...second.sessionUids], grantsRevoked: first.grantsRevoked + second.grantsRevoked };
}
