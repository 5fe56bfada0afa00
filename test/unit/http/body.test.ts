/**
 * The form reader, as a client sees it: what a browser sends is read field by field; anything a browser never sends
 * (bad escapes, bytes that are not UTF-8, NUL, a field twice, another content type, more than 64 kB) is a 4xx, and a
 * field named like a property of every object is just a field.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import { FORM_LIMIT_BYTES, readForm } from '../../../src/http/body.ts';
import { HttpError } from '../../../src/http/problem.ts';

let server: Server;
let url: string;

beforeAll(async () => {
  const app = new Koa();
  app.use(async (ctx) => {
    try {
      const form = await readForm(ctx);
      ctx.body = { prototype: Object.getPrototypeOf(form) === null ? 'none' : 'some', fields: Object.entries(form) };
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      ctx.status = error.status;
      ctx.body = { code: error.code, detail: error.message };
    }
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const FORM = 'application/x-www-form-urlencoded';

async function post(body: string | Buffer, contentType: string | null = FORM): Promise<{ status: number; json: { code?: string; detail?: string; prototype?: string; fields?: Array<[string, string]> } }> {
  const response = await fetch(url, { method: 'POST', body: new Uint8Array(Buffer.from(body)), headers: contentType ? { 'content-type': contentType } : {} });
  return { status: response.status, json: await response.json() as Awaited<ReturnType<typeof post>>['json'] };
}

test('a browser form is read field by field, escapes and "+" decoded, in the order sent', async () => {
  const { status, json } = await post('email=a%40example.org&password=p%C3%A4ss+w%C3%B6rd&empty=&flag');
  expect(status).toBe(200);
  expect(json.fields).toEqual([['email', 'a@example.org'], ['password', 'päss wörd'], ['empty', ''], ['flag', '']]);
});

test('fields named __proto__, constructor or toString are fields like any other, on a form without a prototype', async () => {
  const { status, json } = await post('__proto__=a&constructor=b&toString=c&hasOwnProperty=d&csrf=e');
  expect(status).toBe(200);
  expect(json.prototype).toBe('none');
  expect(json.fields).toEqual([['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c'], ['hasOwnProperty', 'd'], ['csrf', 'e']]);
});

test('bracketed names are plain names: no arrays or objects come out of a form', async () => {
  const { json } = await post('a[]=1&a[b]=2&a=3');
  expect(json.fields).toEqual([['a[]', '1'], ['a[b]', '2'], ['a', '3']]);
});

test.each([
  ['a field sent twice', 'note=1&note=2', 'duplicate_field'],
  ['the CSRF field sent twice', 'csrf=x&csrf=x', 'duplicate_field'],
  ['__proto__ sent twice', '__proto__=a&__proto__=b', 'duplicate_field'],
  ['a NUL in a value', 'note=x%00y', 'invalid_form'],
  ['a NUL in a name', 'note%00=x', 'invalid_form'],
  ['a bad escape', 'note=%zz', 'invalid_form'],
  ['a truncated escape', 'note=%E9%A', 'invalid_form'],
  ['a lone "%"', 'note=%', 'invalid_form'],
  ['escaped bytes that are not UTF-8', 'note=%E9', 'invalid_form'],
  ['an escaped surrogate', 'note=%ED%A0%80', 'invalid_form'],
])('%s is a 400', async (_name, body, code) => {
  const { status, json } = await post(body);
  expect([status, json.code]).toEqual([400, code]);
  // The answer names no field: it would echo what the client sent.
  expect(json.detail).not.toMatch(/__proto__|csrf|note/);
});

test.each([
  ['a stray continuation byte', [0x80]],
  ['an overlong encoding', [0xc0, 0xaf]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a truncated sequence', [0xe2, 0x82]],
  ['0xFF', [0xff]],
])('raw bytes that are not UTF-8 (%s) are a 400', async (_name, bytes) => {
  const { status, json } = await post(Buffer.concat([Buffer.from('a='), Buffer.from(bytes)]));
  expect([status, json.code]).toEqual([400, 'invalid_encoding']);
});

test.each([
  ['JSON', 'application/json'],
  ['text/plain', 'text/plain'],
  ['multipart', 'multipart/form-data; boundary=x'],
  ['no content type', null],
])('%s is a 415', async (_name, contentType) => {
  const { status, json } = await post('a=1', contentType);
  expect([status, json.code]).toEqual([415, 'unsupported_media_type']);
});

test('a charset parameter or another spelling of the form type is still a form', async () => {
  for (const type of [`${FORM}; charset=UTF-8`, FORM.toUpperCase()]) expect((await post('a=1', type)).status).toBe(200);
});

test('64 kB is read; one byte more is a 413', async () => {
  const exactly = `a=${'x'.repeat(FORM_LIMIT_BYTES - 2)}`;
  expect((await post(exactly)).status).toBe(200);
  const over = await post(`${exactly}x`);
  expect([over.status, over.json.code]).toEqual([413, 'body_too_large']);
});
