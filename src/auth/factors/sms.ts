/**
 * The SMS code as a second factor (one registry entry, see ./index.ts): a 6-digit code sent to the account's
 * mobile number when the code page is shown or on "send a new code", in the person's language; the code never
 * leaves this file but in the SMS. Codes are stored and throttled by ./sms-codes.ts, bound to where they were asked.
 */
import { AMR } from '../../../config/oidc.ts';
import type { AccountModel } from '../../db/models/account.ts';
import { translator } from '../../i18n/index.ts';
import type { Logger } from '../../log.ts';
import type { SmsSender } from '../../notify/sms.ts';
import { maskPhone, normalisePhone } from './phone.ts';
import { SMS_CODE, type SmsCodes } from './sms-codes.ts';
import { purposeKey, type MethodFactor, type Purpose, type SendOutcome } from './types.ts';

export interface SmsFactorDeps {
  codes: SmsCodes;
  sender: SmsSender;
  accounts: AccountModel;
  /** A gateway (or the dev outbox) exists. */
  available: boolean;
  appName: string;
  logger: Logger;
}

/** Its place in the registry (./index.ts). */
export const SMS = { id: 'sms', amr: AMR.sms } as const;

export function createSmsFactor(deps: SmsFactorDeps): MethodFactor {
  async function send(accountId: string, phone: string, purpose: Purpose): Promise<SendOutcome> {
    const issued = await deps.codes.issue(accountId, phone, purposeKey(purpose));
    if (issued === 'throttled') return 'throttled';
    const account = await deps.accounts.findById(accountId, { locale: 1 }).lean().exec();
    const t = translator(account?.locale ?? 'en');
    const body = t('sms.code', { code: issued.code, minutes: SMS_CODE.ttlSeconds / 60, app: deps.appName });
    try {
      await deps.sender.send({ to: phone, body, purpose: purpose.kind });
    } catch (error) {
      deps.logger.error({ err: error }, 'sms not sent');
      return 'failed';
    }
    return 'sent';
  }

  return {
    ...SMS,
    name: 'method.sms',
    choice: 'enrol.method.sms',
    available: deps.available,
    describe: (factor) => ({ codeIntro: 'code.intro.sms', status: 'account.twoFactor.onSms', codeHint: 'account.code.hint.sms', vars: { phone: factor.phone ? maskPhone(factor.phone) : '' } }),
    challenge: (accountId, factor, purpose) => (factor.phone ? send(accountId, factor.phone, purpose) : Promise.resolve('failed')),
    verify: (accountId, _factor, code, purpose) => deps.codes.verify(accountId, purposeKey(purpose), code),
    enrol: {
      fields: [{ name: 'phone', label: 'enrol.phone', hint: 'enrol.phone.hint', type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxlength: 40 }],
      async start(accountId, enrolmentId, input) {
        const phone = normalisePhone(input.phone ?? '');
        if (phone === null) return { ok: false, error: 'enrol.phoneInvalid' };
        const sent = await send(accountId, phone, { kind: 'enrol', id: enrolmentId });
        return sent === 'sent' ? { ok: true, data: { phone } } : { ok: false, error: sent };
      },
      async page(_accountId, data) {
        return { view: 'factors/sms/enrol', locals: { phone: data.phone ? maskPhone(data.phone) : '' } };
      },
      async complete(accountId, enrolmentId, data, code) {
        return (await deps.codes.verify(accountId, purposeKey({ kind: 'enrol', id: enrolmentId }), code)) ? { phone: data.phone } : null;
      },
    },
  };
}
