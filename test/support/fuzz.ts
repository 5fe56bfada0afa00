/**
 * Helpers for the fuzz tests: a fingerprint of the whole database (to prove a refused request changed nothing),
 * raw HTTP requests as an attacker can send them (bytes, not strings; any header a client can put on the wire), and
 * a readable description of a request for the failure message, so that it can be sent again by hand.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mongo } from 'mongoose';

/** Every document of every collection, as canonical Extended JSON (types kept), and a hash of it all. */
export interface Snapshot {
  hash: string;
  collections: Map<string, string[]>;
}

/** JSON text with the keys of every object sorted: the same data in another key order is the same text. */
function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedJson((value as Record<string, unknown>)[key])]));
}

/**
 * oidc-provider writes its session back at the end of every request that read it — refused ones too: its payload
 * (JSON text) may come back with the keys in another order, and the adapter recomputes `expiresAt` from the payload's
 * whole-second `exp` plus the current millisecond. Both are compared as what they mean: the payload with sorted keys,
 * and the expiry through the payload's `exp` (so a session whose expiry moved still shows, see onlySessionExpiryMoved).
 */
function canonical(collection: string, document: mongo.Document): mongo.Document {
  if (!collection.startsWith('oidc_')) return document;
  const { expiresAt: _derived, ...rest } = document;
  if (typeof rest.payload !== 'string') return rest;
  try {
    return { ...rest, payload: JSON.stringify(sortedJson(JSON.parse(rest.payload))) };
  } catch {
    return rest;
  }
}

export async function snapshot(db: mongo.Db): Promise<Snapshot> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const dumps = await Promise.all(names.map(async (name): Promise<[string, string[]]> => {
    const documents = await db.collection(name).find({}).toArray();
    // Sorted: the same documents in another natural order are the same database.
    return [name, documents.map((document) => mongo.BSON.EJSON.stringify(canonical(name, document), { relaxed: false })).sort()];
  }));
  const hash = createHash('sha256');
  for (const [name, documents] of dumps) {
    hash.update(`${name}\u0000${documents.length}\u0000`);
    for (const document of documents) hash.update(`${document}\u0000`);
  }
  return { hash: hash.digest('hex'), collections: new Map(dumps) };
}

/** What changed between two snapshots: per collection, the documents added, removed, or changed (where they differ). */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  const idOf = (document: string): string => document.slice(0, document.indexOf(',"') + 1 || 80);
  const names = new Set([...before.collections.keys(), ...after.collections.keys()]);
  for (const name of [...names].sort()) {
    if (!before.collections.has(name)) lines.push(`${name}: collection created`);
    const now = new Set(after.collections.get(name) ?? []);
    const old = new Set(before.collections.get(name) ?? []);
    const gone = [...old].filter((document) => !now.has(document));
    const added = [...now].filter((document) => !old.has(document));
    for (const document of gone) {
      const changed = added.find((candidate) => idOf(candidate) === idOf(document));
      if (!changed) {
        lines.push(`${name}: removed ${document.slice(0, 300)}`);
        continue;
      }
      added.splice(added.indexOf(changed), 1);
      let start = 0;
      while (start < document.length && document[start] === changed[start]) start += 1;
      let end = 0;
      while (end < document.length - start && document[document.length - 1 - end] === changed[changed.length - 1 - end]) end += 1;
      const context = Math.max(0, start - 80);
      lines.push(`${name}: changed ${idOf(document)} …${document.slice(context, document.length - end)}… → …${changed.slice(context, changed.length - end)}…`);
    }
    for (const document of added) lines.push(`${name}: added ${document.slice(0, 300)}`);
  }
  return lines;
}

/** A session document without its `exp`, and that `exp` (undefined when the document is not one). */
function splitExpiry(document: string): { rest: string; exp?: number } {
  try {
    const parsed = mongo.BSON.EJSON.parse(document) as { payload?: unknown };
    if (typeof parsed.payload !== 'string') return { rest: document };
    const { exp, ...payload } = JSON.parse(parsed.payload) as { exp?: unknown };
    if (typeof exp !== 'number') return { rest: document };
    return { rest: mongo.BSON.EJSON.stringify({ ...parsed, payload: JSON.stringify(payload) }, { relaxed: false }), exp };
  } catch {
    return { rest: document };
  }
}

/**
 * True when all that differs is the `exp` of sessions (oidc-provider writes a session back at the end of every
 * request that read it, see `canonical`) and each move is one `allowed(from, to)` accepts (epoch seconds). Any other
 * difference — another collection, another field of a session — still counts.
 */
export function onlySessionExpiryMoved(before: Snapshot, after: Snapshot, allowed: (from: number, to: number) => boolean): boolean {
  const names = new Set([...before.collections.keys(), ...after.collections.keys()]);
  for (const name of names) {
    const old = before.collections.get(name) ?? [];
    const now = after.collections.get(name) ?? [];
    const gone = old.filter((document) => !now.includes(document));
    const added = now.filter((document) => !old.includes(document)).map(splitExpiry);
    if (gone.length === 0 && added.length === 0) continue;
    if (name !== 'oidc_session' || gone.length !== added.length) return false;
    for (const document of gone.map(splitExpiry)) {
      const index = added.findIndex((candidate) => candidate.rest === document.rest
        && document.exp !== undefined && candidate.exp !== undefined && allowed(document.exp, candidate.exp));
      if (index === -1) return false;
      added.splice(index, 1);
    }
  }
  return true;
}

/** A request exactly as it goes on the wire: header values are byte strings (one character per byte). */
export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  location?: string;
  type: string;
  body: string;
}

/** One connection per request: an answer sent before a huge body was read leaves no half-used connection behind. */
const connections = new http.Agent({ keepAlive: false });

/**
 * Sends `request` as given: no redirect followed, no header added but Host and Content-Length (node:http rather than
 * fetch, whose header limits are a browser's, not a server's: an answer with a huge header is still read).
 */
export function send(request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(request.url, {
      method: request.method,
      headers: request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(request.body.length) },
      agent: connections,
      maxHeaderSize: 1024 * 1024,
      timeout: timeoutMs,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const location = response.headers.location;
        resolve({
          status: response.statusCode ?? 0,
          location: location ? new URL(location, request.url).toString() : undefined,
          type: response.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Ends any connection of `send` still open (after the last request of a test file). */
export function closeConnections(): void {
  connections.destroy();
}

/** The UTF-8 bytes of `text` as a byte string, for a header value that carries multibyte characters. */
export const utf8Header = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** application/x-www-form-urlencoded escaping of arbitrary text (lone surrogates become U+FFFD, as in a browser). */
export function percentEncode(text: string, spaceAsPlus = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9*\-._]/.test(char)) out += char;
    else if (byte === 0x20 && spaceAsPlus) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One line per part of a request, secrets and all (it is a test server): enough to send it again with curl. */
export function describeRequest(request: RawRequest, response?: RawResponse): string {
  const lines = [`${request.method} ${request.url.length > 300 ? `${request.url.slice(0, 300)}… (${request.url.length} characters)` : request.url}`];
  for (const [name, value] of Object.entries(request.headers)) {
    lines.push(`${name}: ${value.length > 200 ? `${JSON.stringify(value.slice(0, 200))}… (${value.length} bytes)` : JSON.stringify(value)}`);
  }
  if (request.body !== undefined) {
    const body = request.body;
    const text = body.toString('latin1');
    lines.push(`body (${body.length} bytes, as latin1): ${JSON.stringify(text.length > 600 ? `${text.slice(0, 600)}…` : text)}`);
  }
  if (response) lines.push(`→ ${response.status} ${response.type} ${response.location ?? ''}`, response.body.slice(0, 600));
  return lines.join('\n');
}
