/** The operator's "can Poort send mail" check, behind `mail test --to ADDRESS [--locale en|nl]`. */
import type { Locale } from '../i18n/index.ts';
import type { Mailer } from './mailer.ts';
import type { Renderer } from './render.ts';

/** One address, no display name, nothing that could add a recipient or a header. */
const EMAIL_ADDRESS = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+$/;

export function looksLikeEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL_ADDRESS.test(value);
}

export async function sendTestMail(deps: { mailer: Mailer; renderer: Renderer }, to: string, locale: Locale): Promise<void> {
  const address = to.trim();
  if (!looksLikeEmailAddress(address)) throw new Error('--to must be an e-mail address');
  const email = deps.renderer.renderEmail('test', locale, {});
  await deps.mailer.send({ to: address, ...email, purpose: 'test' });
}
