/**
 * oidc-provider's findAccount: the claims of an account, and the tenant rule — an account is only ever known to
 * clients of its own organisation, so a token or session cannot cross organisations.
 */
import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { Account } from '../db/models/account.ts';

export function clientOrganisation(ctx: KoaContextWithOIDC): string | undefined {
  const metadata = ctx.oidc.client?.metadata() as { organisation_id?: string } | undefined;
  return metadata?.organisation_id;
}

const claimsOf = (account: Account) => ({
  sub: account._id,
  email: account.email,
  email_verified: account.emailVerified ?? false,
  ...(account.name ? { name: account.name } : {}),
  ...(account.locale ? { locale: account.locale } : {}),
  updated_at: Math.floor(account.updatedAt.getTime() / 1000),
});

/**
 * `account(id)`: the account service's read (once per request, src/db/read-cache.ts).
 *
 * The authorization that takes a login result just made (oidc-provider's resume) is not a place to re-check the
 * account: the steps that made the result checked it (the password of an active account of the client's
 * organisation), and what the resume issues is an authorization code, which the token endpoint redeems only after
 * this function has checked the account again. So there the account is read only if claims are asked of it (never
 * in the code flow, the only one Poort serves). An account disabled in the moments between its last step and the
 * resume thus gets a code the token endpoint refuses, and a browser session that every later use refuses too.
 */
export function createFindAccount(accountOf: (id: string) => Promise<Account | undefined>): FindAccount {
  return async (ctx, sub) => {
    const result = ctx.oidc.route === 'resume' ? ctx.oidc.result : undefined;
    if (result?.login?.accountId === sub) {
      return {
        accountId: sub,
        claims: async () => {
          const account = await accountOf(sub);
          return account ? claimsOf(account) : { sub };
        },
      };
    }
    const account = await accountOf(sub);
    if (!account || account.status !== 'active') return undefined;
    const organisation = clientOrganisation(ctx);
    if (organisation !== undefined && organisation !== account.organisationId) return undefined;
    return { accountId: account._id, claims: () => claimsOf(account) };
  };
}
