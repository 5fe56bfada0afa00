/** The account page's words for a session: the device from its User-Agent (bowser) and when it was last active. */
import { deviceName, relativeTime } from '../../../interactions/account/sessions.ts';
import { translator } from '../../../src/i18n/index.ts';

const CHROME_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const now = new Date('2026-03-03T12:00:00Z');
const ago = (seconds: number): Date => new Date(now.getTime() - seconds * 1000);

describe('deviceName', () => {
  test('names browser and system in the page\'s language', () => {
    expect([deviceName(CHROME_ON_MAC, translator('en')), deviceName(CHROME_ON_MAC, translator('nl'))]).toEqual(['Chrome on macOS', 'Chrome op macOS']);
  });

  test('without a User-Agent, or with one that names nothing, says it does not know', () => {
    expect([deviceName(undefined, translator('en')), deviceName('', translator('en')), deviceName('curl-ish', translator('nl'))]).toEqual(['Unknown browser', 'Unknown browser', 'Onbekende browser']);
  });
});

describe('relativeTime', () => {
  test('in English: now, minutes, hours, yesterday, days, weeks', () => {
    expect([30, 5 * 60, 3 * 3600, 26 * 3600, 4 * 86_400, 15 * 86_400].map((s) => relativeTime(ago(s), now, 'en')))
      .toEqual(['now', '5 minutes ago', '3 hours ago', 'yesterday', '4 days ago', '2 weeks ago']);
  });

  test('in Dutch', () => {
    expect([30, 5 * 60, 3 * 3600, 26 * 3600].map((s) => relativeTime(ago(s), now, 'nl'))).toEqual(['nu', '5 minuten geleden', '3 uur geleden', 'gisteren']);
  });

  test('a time a little ahead of the clock (another instance\'s) is "now"', () => {
    expect(relativeTime(new Date(now.getTime() + 5000), now, 'en')).toBe('now');
  });
});
