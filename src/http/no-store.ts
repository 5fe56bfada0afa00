/** Pages with personal or one-time content are never stored by browsers or proxies. */
import type { Context, Next } from 'koa';

export async function noStore(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
}
