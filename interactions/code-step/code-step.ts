/**
 * The one code step: the page that asks the second factor's code (or a recovery code, `?use=recovery`), its form
 * and "send a new code". It is mounted wherever a code is asked — the login, the account page, the reset link — and
 * each place says where the state lives, what a right code proves and where the person goes then (a `CodePlace`).
 * Which method the account has is the factor registry's business: the page shows what the factor describes, and
 * offers "send a new code" only for a factor that sends one.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Purpose } from '../../src/auth/factors/index.ts';
import type { CodeKind, FactorStatus, SecondFactors, VerifyResult } from '../../src/auth/second-factors.ts';
import type { Audit } from '../../src/accounts/audit.ts';
import type { Notices } from '../../src/accounts/notices.ts';
import { readForm } from '../../src/http/body.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import type { Views } from '../../src/http/views.ts';
import type { Locale, MessageKey } from '../../src/i18n/index.ts';

/** The longest code field: a typed code, or a prompted factor's answer (a passkey's signed assertion, JSON). */
export const CODE_FIELD_MAX = 16 * 1024;

const codeForm = z.object({ kind: z.enum(['code', 'recovery']).default('code'), code: z.string().trim().max(CODE_FIELD_MAX).default('') });

/** The post/redirect/get message (catalogue keys). */
export interface CodeMessage {
  error?: string;
  info?: string;
}

/** One place where a code is asked, for its state `S`. */
export interface CodePlace<S> {
  /** The state for this request, or undefined: the person is sent to `fallback` (the place shows what to do). */
  open(ctx: Context): Promise<S | undefined>;
  fallback(ctx: Context): string;
  accountId(state: S): string;
  /** The account's organisation, for the audit events of this place. */
  organisationId(state: S): string | undefined;
  /** The place a sent code is bound to. */
  purpose(state: S): Purpose;
  locale(ctx: Context, state: S): Locale;
  /** URLs: the page (GET), where the code is posted, and where "send a new code" is posted. */
  page(state: S): string;
  submit(state: S): string;
  resend(state: S): string;
  /** Page wording: the title (in the code and the recovery mode), an optional intro, an optional "cancel" form. */
  wording: { title: MessageKey; recoveryTitle: MessageKey; intro?: MessageKey; cancel?: (state: S) => string };
  /** The post/redirect/get message. */
  takeMessage(state: S): Promise<CodeMessage | undefined>;
  setMessage(state: S, message: CodeMessage): Promise<void>;
  /** True once per state: the first view of the page sends the code (where the factor sends one). */
  claimFirstSend(state: S): Promise<boolean>;
  /** A send that failed is tried again on the next view. */
  releaseFirstSend(state: S): Promise<void>;
  /** Audit event prefix: `<prefix>.second_factor`, `<prefix>.second_factor_failed|throttled|locked`. */
  auditPrefix: string;
  /** The code was right: what it proves, and the answer (a redirect). */
  proven(ctx: Context, state: S, result: Extract<VerifyResult, { ok: true }>): Promise<void>;
}

export interface CodeStepDeps {
  views: Views;
  secondFactors: SecondFactors;
  audit: Audit;
  notices: Notices;
}

const SEND_MESSAGES: Record<'sent' | 'throttled' | 'failed' | 'none', CodeMessage> = {
  sent: { info: 'code.resent' }, throttled: { error: 'code.resendThrottled' }, failed: { error: 'code.sendFailed' }, none: {},
};

function redirect(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}

export function createCodeStep<S>(deps: CodeStepDeps, place: CodePlace<S>) {
  const recoveryUrl = (state: S): string => `${place.page(state)}?use=recovery`;

  async function audit(ctx: Context, state: S, result: VerifyResult): Promise<void> {
    const accountId = place.accountId(state);
    const organisationId = place.organisationId(state);
    if (result.ok) {
      await deps.audit.record({ type: `${place.auditPrefix}.second_factor`, organisationId, actorId: accountId, targetId: accountId, ip: ctx.ip, data: { method: result.amr } });
      return;
    }
    await deps.audit.record({ type: `${place.auditPrefix}.second_factor_${result.reason === 'invalid' ? 'failed' : result.reason}`, organisationId, actorId: accountId, targetId: accountId, ip: ctx.ip });
  }

  return {
    /**
     * The page, for a state the place has opened (the login's GET is routed by the interaction's prompt); `known` is
     * the account's factor status when the caller has just read it.
     */
    async show(ctx: Context, state: S, known?: FactorStatus): Promise<void> {
      const accountId = place.accountId(state);
      const status = known ?? await deps.secondFactors.status(accountId);
      const recovery = ctx.query.use === 'recovery';
      let problem: string | undefined;
      if (status.sendsCode && !recovery && (await place.claimFirstSend(state))) {
        const sent = await deps.secondFactors.challenge(accountId, place.purpose(state));
        if (sent === 'failed') await place.releaseFirstSend(state);
        problem = SEND_MESSAGES[sent].error;
      }
      const message = await place.takeMessage(state);
      // A factor that is not a typed code prepares its own page (a passkey: a new single-use challenge).
      const prompt = status.prompted && !recovery ? await deps.secondFactors.prompt(accountId, place.purpose(state)) : {};
      deps.views.render(ctx, (!recovery && status.description?.codeView) || 'code-step/code', place.locale(ctx, state), {
        ...prompt,
        recovery,
        title: recovery ? place.wording.recoveryTitle : place.wording.title,
        intro: place.wording.intro,
        description: status.description,
        sendsCode: status.sendsCode,
        submit: place.submit(state),
        resend: place.resend(state),
        codeUrl: place.page(state),
        recoveryUrl: recoveryUrl(state),
        cancel: place.wording.cancel?.(state),
        error: message?.error ?? problem,
        info: message?.info,
      });
    },

    /** POST: the code (or recovery code). */
    submit: async (ctx: Context): Promise<void> => {
      const form = await readForm(ctx);
      verifyCsrf(ctx, form);
      const state = await place.open(ctx);
      if (!state) return redirect(ctx, place.fallback(ctx));
      const parsed = codeForm.safeParse(form);
      const kind: CodeKind = parsed.success ? parsed.data.kind : 'code';
      const back = kind === 'recovery' ? recoveryUrl(state) : place.page(state);
      const accountId = place.accountId(state);
      const result: VerifyResult = parsed.success && parsed.data.code
        ? await deps.secondFactors.verify(accountId, kind, parsed.data.code, ctx.ip, place.purpose(state))
        : { ok: false, reason: 'invalid' };
      await audit(ctx, state, result);
      if (!result.ok) {
        // A locked factor answers exactly like a wrong code: it tells an attacker nothing.
        await place.setMessage(state, { error: result.reason === 'throttled' ? 'code.throttled' : 'code.invalid' });
        return redirect(ctx, back);
      }
      if (result.recoveryRemaining !== undefined) await deps.notices.send(accountId, 'recoveryCodeUsed', { remaining: result.recoveryRemaining });
      await place.proven(ctx, state, result);
    },

    /** POST: "send a new code". */
    resend: async (ctx: Context): Promise<void> => {
      verifyCsrf(ctx, await readForm(ctx));
      const state = await place.open(ctx);
      if (!state) return redirect(ctx, place.fallback(ctx));
      const sent = await deps.secondFactors.challenge(place.accountId(state), place.purpose(state));
      await place.setMessage(state, SEND_MESSAGES[sent]);
      redirect(ctx, place.page(state));
    },
  };
}

export type CodeStep<S> = ReturnType<typeof createCodeStep<S>>;
