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

/** `account(id)`: the account service's read (once per request, src/db/read-cache.ts). */
export function createFindAccount(accountOf: (id: string) => Promise<Account | undefined>): FindAccount {
  return async (ctx, sub) => {
    const account = await accountOf(sub);
    if (!account || account.status !== 'active') return undefined;
    const organisation = clientOrganisation(ctx);
    if (organisation !== undefined && organisation !== account.organisationId) return undefined;
    return {
      accountId: account._id,
      claims: () => ({
        sub: account._id,
        email: account.email,
        email_verified: account.emailVerified ?? false,
        ...(account.name ? { name: account.name } : {}),
        ...(account.locale ? { locale: account.locale } : {}),
        updated_at: Math.floor(account.updatedAt.getTime() / 1000),
      }),
    };
  };
}
