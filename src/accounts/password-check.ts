/**
 * The one check of a new password, on every path that sets one (welcome link, reset link, the account page's change,
 * CLI seeding): the rules of src/auth/password.ts, judged with the person's own words as the strength check's
 * dictionary — their e-mail address, name, organisation and platform — and the strength check's advice when the
 * password is too easy to guess. Pages show exactly what this answers, so the server enforces what the page says.
 */
import type { OrganisationModel } from '../db/models/organisation.ts';
import { passwordFeedback, passwordProblems, type PasswordInputs, type PasswordProblem } from '../auth/password.ts';
import { preparePasswordStrength } from '../auth/password-strength.ts';

export interface PasswordVerdict {
  problems: PasswordProblem[];
  /** The strength check's advice (its feedback keys: src/auth/password-strength.ts `feedbackText`). */
  feedback: string[];
}

export interface PasswordOwner {
  email: string;
  name?: string | undefined;
  organisationId: string;
}

export type PasswordCheck = (owner: PasswordOwner, password: string) => Promise<PasswordVerdict>;

export function createPasswordCheck(deps: {
  organisations: OrganisationModel;
  /** The name of the organisation's platform (its first-party client), where it has one. */
  platformName(organisationId: string): Promise<string | undefined>;
}): PasswordCheck {
  return async (owner, password) => {
    const [organisation, platform] = await Promise.all([
      deps.organisations.findById(owner.organisationId, { name: 1 }).lean().exec(),
      deps.platformName(owner.organisationId),
    ]);
    // The strength check's dictionaries, if not built yet, are built a step per turn of the event loop (≈ 0.3 s in
    // all) rather than in one block inside the check below, so other requests' database work goes on meanwhile.
    await preparePasswordStrength();
    const inputs: PasswordInputs = { email: owner.email, name: owner.name, organisation: organisation?.name, platform };
    return { problems: passwordProblems(password, inputs), feedback: passwordFeedback(password, inputs) };
  };
}
