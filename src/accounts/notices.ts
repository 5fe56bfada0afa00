/**
 * Security notices by e-mail (DESIGN §7): password changed, 2FA enabled/changed/disabled, new recovery codes, 2FA
 * reset by someone (named by role), a recovery code used (with how many remain), an item of a factor (a passkey)
 * added or removed. One template, one catalogue entry per kind. A notice that cannot be sent is logged; it never
 * undoes or fails the change it reports.
 */
import type { AccountModel } from '../db/models/account.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from '../notify/mailer.ts';
import type { Renderer } from '../notify/render.ts';

export const NOTICE_KINDS = [
  'passwordChanged', 'twoFactorEnabled', 'twoFactorChanged', 'twoFactorDisabled', 'recoveryCodesRenewed', 'twoFactorReset', 'recoveryCodeUsed',
  'twoFactorItemAdded', 'twoFactorItemRemoved',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Notices {
  send(accountId: string, kind: NoticeKind, vars?: Record<string, string | number>): Promise<void>;
}

export function createNotices(deps: { accounts: AccountModel; mailer: Mailer; renderer: Renderer; logger: Logger; now: () => Date }): Notices {
  return {
    async send(accountId, kind, vars = {}) {
      try {
        const account = await deps.accounts.findById(accountId, { email: 1, locale: 1, name: 1 }).lean().exec();
        if (!account) return;
        const rendered = deps.renderer.renderEmail('security-notice', account.locale ?? 'en', { kind, vars, name: account.name, at: deps.now().toISOString() });
        await deps.mailer.send({ to: account.email, ...rendered, purpose: `notice.${kind}` });
      } catch (error) {
        deps.logger.error({ err: error, kind }, 'security notice not sent');
      }
    },
  };
}
