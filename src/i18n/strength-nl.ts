/** Dutch messages of the password-strength check; every key of strength-en.ts. */
import type { strengthEn } from './strength-en.ts';

export const strengthNl: Record<keyof typeof strengthEn, string> = {
  'password.weak': 'Dit wachtwoord is te makkelijk te raden. Maak het langer, bijvoorbeeld met een paar woorden die niet bij elkaar horen.',
  'password.containsName': 'Het wachtwoord mag je naam niet bevatten.',
  'password.rules': 'Minstens {min} tekens, waarvan minstens één speciaal teken (zoals een spatie, ! of #), en niet makkelijk te raden.',
  'password.rules.intro': 'Je nieuwe wachtwoord moet:',
  'password.rules.length': 'minstens {min} tekens hebben',
  'password.rules.special': 'minstens één speciaal teken bevatten, zoals een spatie, ! of #',
  'password.rules.guess': 'moeilijk te raden zijn: geen veelgebruikt wachtwoord, en niet je naam of e-mailadres',
  'password.tips': 'Tips voor een sterk wachtwoord',
  'password.meter.label': 'Sterkte van het wachtwoord',
  'password.meter.0': 'Heel zwak',
  'password.meter.1': 'Zwak',
  'password.meter.2': 'Redelijk',
  'password.meter.3': 'Goed',
  'password.meter.4': 'Sterk',
  'password.meter.estimate': 'Dit is een schatting. We controleren het wachtwoord als je het opslaat.',
};
