/**
 * How a refused new password travels from the POST to the page it redirects to: the broken rules as catalogue keys,
 * the strength check's advice as its feedback keys (marked), and back into texts in the page's language.
 */
import type { PasswordVerdict } from '../src/accounts/password-check.ts';
import { feedbackText, preparePasswordStrength } from '../src/auth/password-strength.ts';
import type { Locale } from '../src/i18n/index.ts';

const ADVICE = 'strength:';

/**
 * A page with a new-password form is being shown: the strength check's dictionaries (≈ 60 MB, ≈ 0.3 s to build) load
 * in the background now, a step per turn of the event loop, so the form's POST finds them ready — and a Poort that
 * never shows such a page never loads them. A failure shows again, and is reported, where a password is checked.
 */
export function warmUpPasswordCheck(): void {
  preparePasswordStrength().catch(() => undefined);
}

/** The message list a page's flash keeps for a refused password. */
export function refusalMessages(verdict: PasswordVerdict): string[] {
  return [...verdict.problems.map((problem) => `password.${problem}`), ...verdict.feedback.map((key) => `${ADVICE}${key}`)];
}

/** A flash's messages split for the page: catalogue keys to translate there, and the advice already in words. */
export function shownRefusal(messages: readonly string[], locale: Locale): { errors: string[]; feedback: string[] } {
  return {
    errors: messages.filter((m) => !m.startsWith(ADVICE)),
    feedback: messages.filter((m) => m.startsWith(ADVICE)).map((m) => feedbackText(m.slice(ADVICE.length), locale)),
  };
}
