/**
 * The login waiting for its second step: the password was right and the code, or the set-up of a first factor, is
 * due. Both of those steps (./route.ts, ../enrolment/route.ts) start from here.
 */
import type { Pending } from '../../src/auth/interaction-state.ts';
import { HttpError } from '../../src/http/problem.ts';
import type { InteractionDeps } from '../deps.ts';

export async function requirePending(deps: InteractionDeps, uid: string): Promise<Pending> {
  const pending = await deps.states.pending(uid);
  if (!pending) throw new HttpError(400, 'no_pending_login', 'error.sessionExpired');
  return pending;
}
