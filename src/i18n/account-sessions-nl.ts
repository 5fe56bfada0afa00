/** Dutch messages of the account page's list of sessions; every key of account-sessions-en.ts. */
import type { accountSessionsEn } from './account-sessions-en.ts';

export const accountSessionsNl: Record<keyof typeof accountSessionsEn, string> = {
  'account.sessions.title': 'Waar je bent ingelogd',
  'account.sessions.intro': 'De browsers die op je account zijn ingelogd. Herken je er een niet, log die dan uit en wijzig je wachtwoord.',
  'account.sessions.device': '{browser} op {os}',
  'account.sessions.unknownDevice': 'Onbekende browser',
  'account.sessions.current': 'Deze browser',
  'account.sessions.lastUsed': 'Laatst actief: {when}',
  'account.sessions.end': 'Uitloggen',
  'account.sessions.endLabel': '{device} uitloggen',
  'account.sessions.endOthers': 'Overal anders uitloggen',
  'account.sessions.none': 'Je bent nergens anders ingelogd.',
  'account.sessions.ended': 'Die browser is uitgelogd.',
  'account.sessions.endedOthers': 'Je bent overal anders uitgelogd.',
  'account.sessions.gone': 'Die browser was al uitgelogd.',
  'account.sessions.notHere': 'Gebruik "Uitloggen" bovenaan de pagina om in deze browser uit te loggen.',
};
