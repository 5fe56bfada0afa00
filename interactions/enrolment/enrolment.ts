/**
 * The one set-up of two-step login: choose a method (the registry's, as the organisation allows) → its set-up page
 * (QR code and key, or "we sent a code to …") → the first code proves it → the recovery codes, shown once → on.
 * It is mounted during a login (a first factor the organisation requires, or a step-up) and on the account page
 * (enable, or change the method); each place says where its state lives and where the person goes afterwards (an
 * `EnrolmentPlace`). Nothing here names a method.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import type { Views } from '../../src/http/views.ts';
import { translator, type Locale, type MessageKey } from '../../src/i18n/index.ts';
import type { Audit } from '../../src/accounts/audit.ts';
import type { Notices } from '../../src/accounts/notices.ts';
import type { Enrolled as CompletedEnrolment, SecondFactors } from '../../src/auth/second-factors.ts';
import type { InteractionDeps } from '../deps.ts';
import { CODE_FIELD_MAX } from '../code-step/code-step.ts';
import { enrolmentLabels, offeredMethods } from './methods.ts';

const startForm = z.object({ method: z.string().max(40), password: z.string().max(4096).optional() }).loose();
/** A typed code, or a prompted factor's answer (a passkey's registration, JSON). */
const verifyForm = z.object({ code: z.string().max(CODE_FIELD_MAX) });

export interface EnrolmentMessage {
  error?: string;
  info?: string;
}

/** What was just set up. */
export type Enrolled = Omit<CompletedEnrolment, 'ok'>;

export interface EnrolmentPlace<S> {
  /** The state for this request (a POST's CSRF is checked first), or undefined: back to `fallback`. */
  open(ctx: Context): Promise<S | undefined>;
  fallback(ctx: Context): string;
  accountId(state: S): string;
  organisationId(state: S): Promise<string>;
  locale(state: S): Locale;
  /** Prefix of the set-up's URLs: `<action>` (GET, the page) and `<action>/start|verify|done|restart`. */
  action(state: S): string;
  /** Where the page is shown (GET). */
  page(state: S): string;
  /** The choice page's wording; `passwordRequired` asks the password again with the choice (the account page). */
  choice(state: S): Promise<{ title?: MessageKey; intro?: MessageKey; passwordRequired?: boolean; back?: string }>;
  /** Checks what the choice form carries besides the method (the password); false: the message is set. */
  mayStart(ctx: Context, state: S, form: Record<string, string>): Promise<boolean>;
  enrolmentId(state: S): Promise<string | undefined>;
  setEnrolmentId(state: S, enrolmentId: string | undefined): Promise<void>;
  /** The recovery codes waiting to be shown, kept sealed for the state. */
  codes(state: S): Promise<string[] | undefined>;
  keepCodes(state: S, enrolled: Enrolled): Promise<void>;
  takeMessage(state: S): Promise<EnrolmentMessage | undefined>;
  setMessage(state: S, message: EnrolmentMessage): Promise<void>;
  /** A change of method (the account had one) rather than a first set-up: audit event and notice say so. */
  isChange(state: S): Promise<boolean>;
  /** The first code was right. With recovery codes, the codes page follows first; then `finished`. */
  enrolled(ctx: Context, state: S, enrolled: Enrolled): Promise<void>;
  /** "I have stored my recovery codes" (or a change that keeps them): where the person goes now. */
  finished(ctx: Context, state: S): Promise<void>;
}

export type EnrolmentDeps = Pick<InteractionDeps, 'accounts' | 'organisations'> & {
  views: Views;
  secondFactors: SecondFactors;
  audit: Audit;
  notices: Notices;
};

function redirect(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}

export function createEnrolment<S>(deps: EnrolmentDeps, place: EnrolmentPlace<S>) {
  /** A POST: the form (CSRF checked) and the state, or the answer already given. */
  async function begin(ctx: Context): Promise<{ form: Record<string, string>; state: S } | undefined> {
    const form = await readForm(ctx);
    verifyCsrf(ctx, form);
    const state = await place.open(ctx);
    if (state === undefined) {
      redirect(ctx, place.fallback(ctx));
      return undefined;
    }
    return { form, state };
  }

  async function fail(ctx: Context, state: S, error: string): Promise<void> {
    await place.setMessage(state, { error });
    redirect(ctx, place.page(state));
  }

  return {
    /** The page for the state as it is: the choice, the chosen method's set-up, or the new recovery codes. */
    async show(ctx: Context, state: S): Promise<void> {
      const accountId = place.accountId(state);
      const locale = place.locale(state);
      const message = await place.takeMessage(state);
      const common = { error: message?.error, info: message?.info, action: place.action(state) };
      const codes = await place.codes(state);
      if (codes) return deps.views.render(ctx, 'enrolment/recovery-codes', locale, { ...common, codes });
      const enrolmentId = await place.enrolmentId(state);
      const setup = enrolmentId ? await deps.secondFactors.enrolmentPage(accountId, enrolmentId, await enrolmentLabels(deps, accountId)) : undefined;
      if (setup) return deps.views.render(ctx, setup.view, locale, { ...common, ...setup.locals });
      const wording = await place.choice(state);
      deps.views.render(ctx, 'enrolment/choose', locale, {
        ...common,
        methods: await offeredMethods(deps, accountId),
        titleKey: wording.title,
        introKey: wording.intro,
        passwordRequired: wording.passwordRequired,
        back: wording.back,
      });
    },

    /** POST start: the chosen method (and its fields); the set-up begins. */
    start: async (ctx: Context): Promise<void> => {
      const begun = await begin(ctx);
      if (!begun) return;
      const { form, state } = begun;
      const accountId = place.accountId(state);
      const parsed = startForm.safeParse(form);
      const offered = await offeredMethods(deps, accountId);
      if (!parsed.success || !offered.some((method) => method.id === parsed.data.method)) return fail(ctx, state, 'enrol.chooseMethod');
      if (!(await place.mayStart(ctx, state, form))) return redirect(ctx, place.page(state));
      const started = await deps.secondFactors.startEnrolment(accountId, parsed.data.method, form);
      if (!started.ok) return fail(ctx, state, started.error);
      await place.setEnrolmentId(state, started.enrolmentId);
      redirect(ctx, place.page(state));
    },

    /** POST verify: the first code. */
    verify: async (ctx: Context): Promise<void> => {
      const begun = await begin(ctx);
      if (!begun) return;
      const { form, state } = begun;
      const accountId = place.accountId(state);
      const organisationId = await place.organisationId(state);
      const enrolmentId = await place.enrolmentId(state);
      const parsed = verifyForm.safeParse(form);
      const change = await place.isChange(state);
      const result = parsed.success && enrolmentId
        ? await deps.secondFactors.completeEnrolment(accountId, organisationId, enrolmentId, parsed.data.code, ctx.ip)
        : { ok: false as const, reason: 'invalid' as const };
      if (!result.ok) return fail(ctx, state, result.reason === 'throttled' ? 'code.throttled' : 'code.invalid');
      const [type, notice] = result.added ? ['two_factor.item_added', 'twoFactorItemAdded'] as const
        : change ? ['two_factor.changed', 'twoFactorChanged'] as const : ['two_factor.enabled', 'twoFactorEnabled'] as const;
      await deps.audit.record({ type, organisationId, actorId: accountId, targetId: accountId, ip: ctx.ip, data: { method: result.method } });
      // The notice names the method in the person's language, not by its internal name.
      const account = await deps.accounts.get(accountId);
      const name = deps.secondFactors.nameOf(result.method);
      await deps.notices.send(accountId, notice, { method: name ? translator(account?.locale ?? 'en')(name) : result.method });
      const { ok: _ok, ...enrolled } = result;
      if (enrolled.recoveryCodes.length > 0) await place.keepCodes(state, enrolled);
      await place.enrolled(ctx, state, enrolled);
    },

    /** POST done: "I have stored my recovery codes". */
    done: async (ctx: Context): Promise<void> => {
      const begun = await begin(ctx);
      if (!begun) return;
      await place.finished(ctx, begun.state);
    },

    /** POST restart: back to the choice (the SMS did not arrive, the app is not at hand); the set-up is dropped. */
    restart: async (ctx: Context): Promise<void> => {
      const begun = await begin(ctx);
      if (!begun) return;
      await place.setEnrolmentId(begun.state, undefined);
      redirect(ctx, place.page(begun.state));
    },
  };
}

export type Enrolment<S> = ReturnType<typeof createEnrolment<S>>;
