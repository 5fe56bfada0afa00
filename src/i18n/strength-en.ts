/** English messages of the password-strength check (src/auth/password-strength.ts); part of en.ts. */
export const strengthEn = {
  'password.weak': 'This password is too easy to guess. Make it longer, for example with a few words that do not belong together.',
  'password.containsName': 'The password must not contain your name.',
  'password.rules': 'At least {min} characters, including at least one special character (such as a space, ! or #), and not easy to guess.',
  'password.rules.intro': 'Your new password needs:',
  'password.rules.length': 'at least {min} characters',
  'password.rules.special': 'at least one special character, such as a space, ! or #',
  'password.rules.guess': 'to be hard to guess: not a common password, and not your name or e-mail address',
  'password.tips': 'Tips for a strong password',
  'password.meter.label': 'Password strength',
  'password.meter.0': 'Very weak',
  'password.meter.1': 'Weak',
  'password.meter.2': 'Fair',
  'password.meter.3': 'Good',
  'password.meter.4': 'Strong',
  'password.meter.estimate': 'This is an estimate. We check the password when you save it.',
} as const;
