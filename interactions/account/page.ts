/**
 * GET /account/security: the page for the person logged in at Poort — or, without a session, a note to log in
 * through the platform first; or, when the session's code is due, the code form. It shows the second-factor status
 * and the forms the organisation's policy allows (`off`: no second-factor section; `required`: no "switch off").
 */
import type { Context } from 'koa';
import { shownRefusal, warmUpPasswordCheck } from '../password-refusal.ts';
import { RECOVERY_CODES_LOW } from '../../src/auth/factors/recovery-code.ts';
import { PASSWORD_MIN_LENGTH } from '../../src/auth/password.ts';
import { translator } from '../../src/i18n/index.ts';
import { offeredMethods } from '../enrolment/methods.ts';
import type { AccountDeps } from './deps.ts';
import { BASE, smsPurpose, visit, type Person } from './person.ts';
import { relativeTime, sessionRows } from './sessions.ts';
import type { createAccountCodeStep } from './verify.ts';

/** A duration choice as the page names it: minutes below an hour, else hours. */
export function durationLabel(seconds: number): { key: 'account.duration.minutes' | 'account.duration.hour' | 'account.duration.hours'; count: number } {
  if (seconds < 3600) return { key: 'account.duration.minutes', count: Math.round(seconds / 60) };
  const hours = Math.round((seconds / 3600) * 10) / 10;
  return { key: hours === 1 ? 'account.duration.hour' : 'account.duration.hours', count: hours };
}

/** The name of a method in the account's own language (for its notices). */
export function methodName(deps: Pick<AccountDeps, 'secondFactors'>, person: Person, method: string | undefined): string {
  const key = deps.secondFactors.nameOf(method);
  return key ? translator(person.account.locale ?? 'en')(key) : '';
}

/**
 * Where the page leads: back to the organisation's platform (its initiate_login_uri, which starts a login the
 * session answers at once; no link when the platform has none) and out (RP-initiated logout of Poort's session).
 */
async function wayOut(deps: AccountDeps, organisationId: string): Promise<{ backUrl?: string; backName?: string; logoutUrl: string }> {
  const platform = await deps.platformOf(organisationId);
  const logoutUrl = '/session/end';
  if (!platform?.initiateLoginUri) return { logoutUrl };
  const back = new URL(platform.initiateLoginUri);
  back.searchParams.set('iss', deps.issuer);
  return { backUrl: back.toString(), backName: platform.name ?? '', logoutUrl };
}

export function showPage(deps: AccountDeps, codeStep: ReturnType<typeof createAccountCodeStep>) {
  return async (ctx: Context): Promise<void> => {
    const found = await visit(deps, ctx);
    if (found.state === 'anonymous') return deps.views.render(ctx, 'account/no-session', found.locale);
    if (found.state === 'code') return codeStep.show(ctx, found.person);
    const { person } = found;
    await deps.sessionActivities.touch(person.session);
    warmUpPasswordCheck();
    const taken = await deps.flows.takeFlash(person.uid, person.account._id);
    // A refused new password's advice, in the page's language (interactions/password-refusal.ts).
    const flash = taken && { ...taken, ...shownRefusal(taken.errors ?? [], person.locale) };
    const status = await deps.secondFactors.status(person.account._id);
    const recoveryRemaining = await deps.secondFactors.recoveryRemaining(person.account._id);
    const { twoFactor, codeValidity } = person.context;
    const method = twoFactor === 'off' ? undefined : status.method;
    const sessions = await sessionRows(deps, person);
    const offered = twoFactor === 'off' ? [] : await offeredMethods(deps, person.account._id);
    // A factor that is not typed (a passkey) prepares its answer for the forms that ask a code with a change.
    const prompt = method && status.prompted ? await deps.secondFactors.prompt(person.account._id, smsPurpose(person)) : {};
    const items = method ? status.items : undefined;
    deps.views.render(ctx, 'account/security', person.locale, {
      base: BASE,
      ...(await wayOut(deps, person.account.organisationId)),
      email: person.account.email,
      flash,
      passwordMin: PASSWORD_MIN_LENGTH,
      policy: twoFactor,
      method,
      description: status.description,
      sendsCode: status.sendsCode,
      prompted: Boolean(method && status.prompted),
      ...prompt,
      items: items?.map((item) => ({
        id: item.id,
        name: item.name,
        created: relativeTime(item.createdAt, deps.now(), person.locale),
        lastUsed: item.lastUsedAt ? relativeTime(item.lastUsedAt, deps.now(), person.locale) : undefined,
      })),
      // More of the same method (another passkey), where the organisation still allows it.
      addItem: items ? offered.find((offer) => offer.id === method) : undefined,
      recoveryRemaining,
      recoveryLow: recoveryRemaining <= RECOVERY_CODES_LOW,
      canEnrol: offered.length > 0,
      canDisable: twoFactor === 'optional' && Boolean(method),
      validity: codeValidity,
      validityChoices: person.organisation.codeValidityChoices.map((value) => ({ value, ...durationLabel(value) })),
      sessions,
      otherSessions: sessions.some((session) => !session.current),
    });
  };
}
