/**
 * Reads a request body for one route: an HTML form (application/x-www-form-urlencoded) or, for the admin API, JSON.
 * At most 64 kB, valid UTF-8, otherwise a 4xx. There is no global body parser: oidc-provider parses its own endpoints.
 */
import type { Context } from 'koa';
import { HttpError, badRequest } from './problem.ts';

export const FORM_LIMIT_BYTES = 64 * 1024;

/** The body as UTF-8 text, refused past FORM_LIMIT_BYTES (declared or sent) before more is read. */
async function readText(ctx: Context, what: string): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > FORM_LIMIT_BYTES) throw new HttpError(413, 'body_too_large', 'error.tooLarge');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) throw new HttpError(413, 'body_too_large', 'error.tooLarge');
    chunks.push(chunk);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw badRequest('invalid_encoding', `the ${what} must be UTF-8`);
  }
}

/**
 * A JSON body (`application/json` or a `+json` type): the parsed value, whatever its shape (the route's schema
 * checks it). Not JSON, or not UTF-8 (RFC 8259 §8.1), is a 400 `invalid_json`; another content type a 415.
 */
export async function readJson(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json', '+json')) {
    throw new HttpError(415, 'unsupported_media_type', 'error.badRequest', 'expected a JSON body (Content-Type: application/json)');
  }
  let text: string;
  try {
    text = await readText(ctx, 'JSON body');
  } catch (error) {
    if (error instanceof HttpError && error.code === 'invalid_encoding') throw badRequest('invalid_json', error.message);
    throw error;
  }
  try {
    // JSON.parse makes a "__proto__" key an own property, never the prototype; the schema keeps only known keys.
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('invalid_json', 'the body is not valid JSON');
  }
}

export async function readForm(ctx: Context): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new HttpError(415, 'unsupported_media_type', 'error.badRequest', 'expected a form submission');
  }
  const text = await readText(ctx, 'form');
  // No prototype: a field named "__proto__", "constructor" or "toString" is a field like any other, never an
  // inherited property (`key in {}` is true for those, and assigning "__proto__" would drop the field).
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of parseUrlencoded(text)) {
    // The details name no field: they would echo whatever a client sent.
    if (Object.hasOwn(form, key)) throw badRequest('duplicate_field', 'a field was sent twice');
    if (key.includes('\u0000') || value.includes('\u0000')) throw badRequest('invalid_form', 'a field holds a NUL character');
    form[key] = value;
  }
  return form;
}

/**
 * application/x-www-form-urlencoded, strictly: URLSearchParams silently keeps a bad escape ("%zz") and turns
 * escaped bytes that are not UTF-8 ("%FF") into U+FFFD; a browser never sends either, so both are refused.
 */
function parseUrlencoded(text: string): Array<[string, string]> {
  const decode = (part: string): string => decodeURIComponent(part.replaceAll('+', ' '));
  try {
    return text.split('&').filter((pair) => pair !== '').map((pair) => {
      const index = pair.indexOf('=');
      return index === -1 ? [decode(pair), ''] : [decode(pair.slice(0, index)), decode(pair.slice(index + 1))];
    });
  } catch {
    throw badRequest('invalid_form', 'the form is not validly encoded');
  }
}
