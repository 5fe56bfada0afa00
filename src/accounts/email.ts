/** E-mail addresses are compared in one form: NFKC, trimmed, lower case. */
import { z } from 'zod';

export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export const emailSchema = z
  .string()
  .trim()
  .max(320, 'is too long')
  .transform(normaliseEmail)
  .pipe(z.email({ message: 'must be an e-mail address' }));
