/**
 * Jest globalTeardown: stops the stand-in started by global-setup.ts, if it started one.
 * (`globalThis.__poortMongoStandin` is declared in global-setup.ts.)
 */

export default async function globalTeardown(): Promise<void> {
  const standin = globalThis.__poortMongoStandin;
  if (!standin) return;
  globalThis.__poortMongoStandin = undefined;
  await standin.stop();
  // Only unset what global-setup set, so a later run in this process starts afresh.
  if (process.env.MONGODB_URI === standin.uri) delete process.env.MONGODB_URI;
}
