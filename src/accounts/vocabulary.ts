/**
 * The words of Poort's domain that every layer speaks: who a person is to their organisation, where their account
 * stands, what an organisation asks of second factors and what an e-mailed link may do. It imports nothing, so the
 * models in src/db may take their enums from here without depending on the use cases beside it.
 */

export const ROLES = ['client', 'professional', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export const ACCOUNT_STATUSES = ['invited', 'active', 'disabled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** An organisation's second-factor policy (DESIGN §6). */
export const TWO_FACTOR_POLICIES = ['off', 'optional', 'required'] as const;
export type TwoFactorPolicy = (typeof TWO_FACTOR_POLICIES)[number];

/**
 * What an e-mailed one-time link may do: `reset` sets a new password of an active account (forgot password),
 * `welcome` the first password of an invited account (src/accounts/invitations.ts).
 */
export const LINK_KINDS = ['reset', 'welcome'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** Who created an invited account, as its welcome e-mail names them: by role, never by name. */
export const INVITERS = ['operator', 'manager', 'professional'] as const;
export type Inviter = (typeof INVITERS)[number];
