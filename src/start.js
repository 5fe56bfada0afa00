// Poort's start command (package.json "start", the Dockerfile's CMD): turns on V8's compile cache, then runs
// src/main.ts. Plain JavaScript on purpose: Node reads it without its TypeScript type stripper, so once the cache holds
// Poort's modules (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; keyed by file content) no module is parsed or
// stripped again and the stripper itself (≈ 18 MB) is never loaded (docs/benchmarks.md).
// NODE_DISABLE_COMPILE_CACHE=1 turns the cache off.
//
// `node src/start.js --fill-compile-cache` fills the cache and exits (the image build runs it, so that every container
// starts warm): everything a start loads, and what pages, mails, set-ups and the admin API load on first use.
import module from 'node:module';

module.enableCompileCache();
if (process.argv[2] === '--fill-compile-cache') {
  const { createRequire } = module;
  const require = createRequire(import.meta.url);
  await import('./server.ts');
  await Promise.all([
    import('./metrics/metrics.ts'),
    import('./admin-api/openapi.ts'),
    import('./auth/factors/qr.ts').then(({ qrDataUrl }) => qrDataUrl('otpauth://totp/fill')),
    import('nodemailer'),
  ]);
  const lazy = ['pug', 'bowser', 'libphonenumber-js/max', '@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en', '@zxcvbn-ts/language-nl-be'];
  for (const name of lazy) require(name);
  module.flushCompileCache();
  process.exit(0);
}
await import('./main.ts');
