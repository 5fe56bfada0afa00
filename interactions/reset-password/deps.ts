/** What the pages of the reset link use: services only (never models) and the views. */
import type { Context } from 'koa';
import { RESET_PATH, type PasswordResets, type ResetLink } from '../../src/accounts/password-reset.ts';
import { localeFor } from '../../src/http/locale.ts';
import type { Locale } from '../../src/i18n/index.ts';
import type { InteractionDeps } from '../deps.ts';

export interface ResetDeps extends Pick<InteractionDeps, 'views' | 'secondFactors' | 'audit' | 'notices'> {
  passwordResets: PasswordResets;
}

/** The token of the link, from the path. */
export const tokenOf = (ctx: Context): string => String((ctx.params as Record<string, string | undefined>).token ?? '');

export const linkLocale = (ctx: Context, link?: ResetLink): Locale => localeFor(ctx, { account: link?.locale });

/** 303 back to the link's page (which shows what is due, or that the link no longer works). */
export function back(ctx: Context, token: string, query = ''): void {
  ctx.status = 303;
  ctx.redirect(`${RESET_PATH}/${encodeURIComponent(token)}${query}`);
}

/** The link is unknown, expired or used: a friendly page (400) saying how to ask for a new one. */
export function showInvalid(deps: ResetDeps, ctx: Context): void {
  deps.views.render(ctx, 'reset-password/invalid', linkLocale(ctx), {}, 400);
}
