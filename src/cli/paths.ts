/** Written by `npm run dev` so the CLI reaches the development stand-in while the dev server runs. */
export const DEV_MONGODB_URI_FILE = '.data/standin.uri';
