/** Written by `npm run dev` so the CLI reaches the development stand-in while the dev server runs. */
export const DEV_MONGODB_URI_FILE = '.data/standin.uri';
/** The development outbox shared by `npm run dev` and the CLI (mails the CLI sends show at /dev/outbox). */
export const DEV_OUTBOX_FILE = '.data/outbox.json';
