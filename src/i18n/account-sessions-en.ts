/** English messages of the account page's list of sessions (interactions/account/sessions.ts); part of en.ts. */
export const accountSessionsEn = {
  'account.sessions.title': 'Where you are logged in',
  'account.sessions.intro': 'The browsers logged in to your account. If you do not recognise one, log it out and change your password.',
  'account.sessions.device': '{browser} on {os}',
  'account.sessions.unknownDevice': 'Unknown browser',
  'account.sessions.current': 'This browser',
  'account.sessions.lastUsed': 'Last active: {when}',
  'account.sessions.end': 'Log out',
  'account.sessions.endLabel': 'Log out {device}',
  'account.sessions.endOthers': 'Log out everywhere else',
  'account.sessions.none': 'You are not logged in anywhere else.',
  'account.sessions.ended': 'That browser was logged out.',
  'account.sessions.endedOthers': 'You were logged out everywhere else.',
  'account.sessions.gone': 'That browser was already logged out.',
  'account.sessions.notHere': 'To log out of this browser, use "Log out" at the top of the page.',
} as const;
