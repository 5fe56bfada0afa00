/** Pages oidc-provider renders itself: RP-initiated logout confirmation and success, and protocol errors. */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../../src/oidc/provider.ts';
import type { Views } from '../../src/http/views.ts';
import { localeFor } from '../../src/http/locale.ts';

function clientName(ctx: KoaContextWithOIDC): string {
  return ctx.oidc.client?.clientName ?? ctx.host;
}

export function createProviderPages(views: Views): ProviderPages {
  return {
    async logoutSource(ctx, form) {
      views.render(ctx, 'logout/confirm', localeFor(ctx), { form, clientName: clientName(ctx) });
    },
    async postLogoutSuccessSource(ctx) {
      views.render(ctx, 'logout/done', localeFor(ctx));
    },
    // A 500 is logged by the provider's `server_error` listener (src/http/errors.ts), which also turns a database
    // outage into a 503 page after this one was rendered.
    async renderError(ctx, out) {
      const status = ctx.status >= 400 && ctx.status < 600 ? ctx.status : 400;
      views.render(ctx, 'errors/error', localeFor(ctx), {
        messageKey: status >= 500 ? 'error.generic' : 'error.badRequest',
        code: out.error,
        description: status >= 500 ? undefined : out.error_description,
      }, status);
    },
  };
}
