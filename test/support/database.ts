/** Per-test-file MongoDB databases on the server named by MONGODB_URI (see global-setup.ts). */
import { randomBytes } from 'node:crypto';

/** scheme://[user:pass@]host[:port][,host...] [/database] [?options] */
const MONGODB_URI = /^(mongodb(?:\+srv)?:\/\/[^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

/**
 * A connection string for a database of this test file's own: `poort_test_<tag>_<random hex>` on
 * the MONGODB_URI server, keeping its credentials and options. `fileTag` may be a plain name or the
 * test file's path / `import.meta.url` (only its base name is used).
 */
export function testDatabaseUri(fileTag: string): string {
  const base = process.env.MONGODB_URI;
  if (!base) {
    throw new Error(
      'MONGODB_URI is not set: run Jest with globalSetup test/support/global-setup.ts, or set MONGODB_URI to a MongoDB',
    );
  }
  const match = MONGODB_URI.exec(base.trim());
  const hosts = match?.[1];
  if (!match || !hosts) throw new Error(`MONGODB_URI is not a mongodb:// or mongodb+srv:// connection string: ${base}`);
  const originalDb = match[2] ? decodeURIComponent(match[2]) : '';
  const options = (match[3] ?? '').split('&').filter(Boolean);

  // With credentials, the driver authenticates against the database in the path (default admin) unless
  // authSource says otherwise: keep authenticating where the original URI did. (A mongodb+srv URI
  // without a database may get authSource from DNS TXT records, so leave that one alone.)
  const hasCredentials = hosts.slice(hosts.indexOf('//') + 2).includes('@');
  const srvDefault = hosts.startsWith('mongodb+srv:') && !originalDb;
  if (hasCredentials && !srvDefault && !options.some((o) => /^authsource=/i.test(o))) {
    options.push(`authSource=${encodeURIComponent(originalDb || 'admin')}`);
  }

  const name = `poort_test_${sanitiseTag(fileTag)}_${randomBytes(4).toString('hex')}`;
  return `${hosts}/${name}${options.length > 0 ? `?${options.join('&')}` : ''}`;
}

function sanitiseTag(fileTag: string): string {
  const baseName = fileTag.split(/[/\\]/).pop() ?? fileTag;
  const withoutExtension = baseName.replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/i, '');
  const tag = withoutExtension
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24)
    .replace(/_+$/, '');
  return tag || 'file';
}
