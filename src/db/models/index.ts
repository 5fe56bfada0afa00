/** All models bound to one connection. */
import type { Connection } from 'mongoose';
import { accountModel } from './account.ts';
import { accountFlowModel } from './account-flow.ts';
import { auditEventModel } from './audit-event.ts';
import { oidcClientModel } from './client.ts';
import { organisationModel } from './organisation.ts';
import { passwordResetModel } from './password-reset.ts';
import { enrolmentModel } from './enrolment.ts';
import { recoveryCodeModel } from './recovery-code.ts';
import { secondFactorModel } from './second-factor.ts';
import { sessionActivityModel } from './session-activity.ts';
import { smsCodeModel } from './sms-code.ts';
import { webauthnChallengeModel } from './webauthn-challenge.ts';

export function bindModels(db: Connection) {
  return {
    Organisation: organisationModel(db),
    Account: accountModel(db),
    OidcClient: oidcClientModel(db),
    AuditEvent: auditEventModel(db),
    SecondFactor: secondFactorModel(db),
    RecoveryCode: recoveryCodeModel(db),
    SmsCode: smsCodeModel(db),
    Enrolment: enrolmentModel(db),
    SessionActivity: sessionActivityModel(db),
    AccountFlow: accountFlowModel(db),
    PasswordReset: passwordResetModel(db),
    WebauthnChallenge: webauthnChallengeModel(db),
  };
}

export type Models = ReturnType<typeof bindModels>;

/** Creates the declared indexes (unique ones matter for correctness; the rest for speed on real MongoDB). */
export async function createIndexes(models: Models): Promise<void> {
  // All collections at once (each: its collection, then its indexes).
  await Promise.all(Object.values(models).map(async (model) => {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }));
}
