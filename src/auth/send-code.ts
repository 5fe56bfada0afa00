/** Issues an SMS code and sends it in the person's language. The code never leaves this function but in the SMS. */
import type { AccountModel } from '../db/models/account.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import type { SmsSender } from '../notify/sms.ts';
import type { SendCode } from './second-factors.ts';
import { SMS_CODE, type SmsCodes } from './sms-code.ts';

export function createSendCode(deps: { smsCodes: SmsCodes; sender: SmsSender; accounts: AccountModel; appName: string; logger: Logger }): SendCode {
  return async (accountId, phone, purpose) => {
    const issued = await deps.smsCodes.issue(accountId, phone, purpose);
    if (issued === 'throttled') return 'throttled';
    const account = await deps.accounts.findById(accountId, { locale: 1 }).lean().exec();
    const t = translator(account?.locale ?? 'en');
    const body = t('sms.code', { code: issued.code, minutes: SMS_CODE.ttlSeconds / 60, app: deps.appName });
    try {
      await deps.sender.send({ to: phone, body, purpose: purpose.split(':')[0] ?? purpose });
    } catch (error) {
      deps.logger.error({ err: error }, 'sms not sent');
      return 'failed';
    }
    return 'sent';
  };
}
