/**
 * Poort's password meter: a rough strength estimate shown while a new password is typed.
 *
 * It judges only what it can see locally: the length (in characters, as the server counts them), whether there is a
 * special character, the kinds of characters used, and repeated or consecutive characters ("aaaa", "1234"), which
 * count for less. It knows no dictionary: zxcvbn's lists are about 2 MB, too much to send to every page that sets a
 * password, so a common password or a keyboard walk can look better here than it is. The server's zxcvbn verdict
 * after submitting is the one that counts; the meter says so in its note.
 *
 * Markup (views/partials/password-rules.pug): an `<input type="password" data-meter id=…>` and, next to it, an element
 * `[data-meter-for=<that id>]` holding a `<meter>` or `<progress>` and a live text (`aria-live="polite"`). The element
 * starts `hidden`; this script shows it. Every text comes from its data attributes, rendered by the server in the
 * page's language (a `data-<name>-<lang>` attribute for `document.documentElement.lang` wins over `data-<name>`),
 * so the script holds no text of its own. Without JavaScript the meter simply stays hidden.
 */

const MAX_SCORE = 4;
/** How long typing must pause before the live text changes, so a screen reader is not told every keystroke. */
const ANNOUNCE_DELAY_MS = 800;

/** The characters of a password as the server counts them (NFKC, code points). */
function charactersOf(password) {
  return [...password.normalize('NFKC')];
}

/**
 * A rough score from 0 to 4 and the rules not yet met ('tooShort', 'noSpecial').
 * The "effective length" counts a character repeating the previous one for 0.1, one continuing a run ("abc",
 * "123", "cba") for 0.3, one already used earlier for 0.75, any other for 1; more kinds of characters help a little.
 */
export function estimate(password, minLength) {
  const characters = charactersOf(password);
  const missing = [];
  if (characters.length < minLength) missing.push('tooShort');
  if (!characters.some((c) => /[^\p{L}\p{N}]/u.test(c))) missing.push('noSpecial');
  if (characters.length === 0) return { score: 0, missing };

  const seen = new Set();
  let effective = 0;
  let previous;
  let step = 0;
  for (const character of characters) {
    const lower = character.toLowerCase();
    const code = lower.codePointAt(0);
    const difference = previous === undefined ? 0 : code - previous;
    if (difference === 0 && previous !== undefined) effective += 0.1;
    else if (Math.abs(difference) === 1 && (step === 0 || step === difference)) effective += 0.3;
    else if (seen.has(lower)) effective += 0.75;
    else effective += 1;
    step = Math.abs(difference) === 1 ? difference : 0;
    seen.add(lower);
    previous = code;
  }
  const kinds = [/\p{Ll}/u, /\p{Lu}/u, /\p{N}/u, /[^\p{L}\p{N}]/u].filter((kind) => kind.test(password)).length;
  effective += Math.max(0, kinds - 2);

  let score;
  if (missing.length > 0) score = characters.length < minLength / 2 ? 0 : 1;
  else if (effective < minLength) score = 1;
  else if (effective < minLength + 4) score = 2;
  else if (effective < minLength + 8) score = 3;
  else score = MAX_SCORE;
  return { score, missing };
}

function camel(name) {
  return name.replace(/-([a-z])/g, (_whole, letter) => letter.toUpperCase());
}

/** The text of a data attribute, in the page's language when the server rendered one for it. */
function textOf(element, name) {
  const lang = (document.documentElement.lang || '').toLowerCase().split('-')[0];
  return (lang && element.dataset[camel(`${name}-${lang}`)]) || element.dataset[camel(name)] || '';
}

function attach(input) {
  const box = [...document.querySelectorAll('[data-meter-for]')].find((element) => element.dataset.meterFor === input.id);
  if (!box) return;
  const bar = box.querySelector('meter, progress');
  const live = box.querySelector('[aria-live]');
  const minLength = Number(box.dataset.minLength) || 12;
  const rules = { tooShort: 'too-short', noSpecial: 'no-special' };
  let timer;

  const describe = ({ score, missing }) => {
    if (input.value === '') return '';
    const parts = [`${textOf(box, 'label')}: ${textOf(box, `score-${score}`)}.`];
    for (const rule of missing) parts.push(textOf(box, rules[rule]));
    return parts.filter(Boolean).join(' ');
  };

  const update = () => {
    const result = estimate(input.value, minLength);
    if (bar) bar.value = result.score;
    box.dataset.score = input.value === '' ? '' : String(result.score);
    clearTimeout(timer);
    if (!live) return;
    timer = setTimeout(() => {
      live.textContent = describe(result);
    }, input.value === '' ? 0 : ANNOUNCE_DELAY_MS);
  };

  input.addEventListener('input', update);
  box.hidden = false;
  update();
}

if (typeof document !== 'undefined') {
  for (const input of document.querySelectorAll('input[type="password"][data-meter]')) attach(input);
}
