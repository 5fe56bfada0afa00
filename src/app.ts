/**
 * Builds the HTTP application. The oidc-provider instance is itself the Koa app: Poort's middleware and routers
 * run before its own routes.
 */
import type Provider from 'oidc-provider';
import { createAccountRouter } from '../interactions/account/router.ts';
import { createInteractionsRouter } from '../interactions/router.ts';
import { createResetPasswordRouter } from '../interactions/reset-password/router.ts';
import { createWelcomeRouter } from '../interactions/welcome/router.ts';
import { createProviderPages } from '../interactions/logout/pages.ts';
import { accountKey } from './accounts/accounts.ts';
import { createAdminApiRouter } from './admin-api/router.ts';
import { ASSETS_DIR, VIEWS_DIR, type Container } from './container.ts';
import { createDemoRpRouter } from './dev/demo-rp.ts';
import { createOutboxRouter } from './dev/outbox-router.ts';
import { createAssetsRouter } from './http/assets.ts';
import { errorHandler, providerServerErrors } from './http/errors.ts';
import { createHealthRouter } from './http/health.ts';
import { httpsOnly } from './http/https-only.ts';
import { postAsGet } from './http/post-as-get.ts';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import { unauthorizedClientErrors } from './oidc/grant-errors.ts';
import { recordActivity } from './oidc/activity.ts';
import { createInteractionStates } from './oidc/interaction-state.ts';
import { httpMetrics } from './metrics/http.ts';
import { recordProviderEvents } from './metrics/provider.ts';
import { createProvider } from './oidc/provider.ts';

export function createApp(c: Container): Provider {
  const provider = createProvider({
    config: c.config,
    db: c.db,
    readCache: c.readCache,
    clients: c.clients,
    account: (id) => c.accounts.get(id),
    grantAccount: { collection: c.models.Account.collection.collectionName, cacheKey: accountKey },
    pages: createProviderPages(c.views),
    policy: {
      loginContext: c.loginContext,
      activity: (uid) => c.sessionActivities.get(uid),
      now: c.now,
      sessionMaxAge: c.config.sessionMaxAge,
    },
    backchannelLogout: c.backchannelLogout,
  });
  // A database outage inside one of its endpoints becomes a 503 in errorHandler; anything else is logged as a bug.
  provider.on('server_error', providerServerErrors(c.logger));
  // Tokens issued by grant type, token refusals and server errors (src/metrics/provider.ts), when metrics are on.
  if (c.metrics) recordProviderEvents(provider, c.metrics);

  const routers = [
    createHealthRouter(c.db),
    createAssetsRouter(ASSETS_DIR),
    createInteractionsRouter({
      provider,
      views: c.views,
      passwordLogin: c.passwordLogin,
      states: createInteractionStates(provider),
      accounts: c.accounts,
      organisations: c.organisations,
      secondFactors: c.secondFactors,
      loginContext: c.loginContext,
      sessionActivities: c.sessionActivities,
      notices: c.notices,
      audit: c.audit,
      box: c.box,
      passwordResets: c.passwordResets,
      now: c.now,
    }),
    createAccountRouter({
      provider, views: c.views, passwordLogin: c.passwordLogin, accounts: c.accounts, organisations: c.organisations, secondFactors: c.secondFactors,
      loginContext: c.loginContext, sessionActivities: c.sessionActivities, notices: c.notices, audit: c.audit,
      now: c.now, flows: c.accountFlows, passwordChange: c.passwordChange, sessionMaxAge: c.config.sessionMaxAge,
      platformOf: (id) => c.clients.platformOf(id), issuer: c.config.issuer,
      sessions: { list: c.browserSessions, end: c.endSessions },
    }),
    createWelcomeRouter({
      provider, views: c.views, invitations: c.invitations, passwordResets: c.passwordResets, platformOf: (id) => c.clients.platformOf(id),
      issuer: c.config.issuer, sessionMaxAge: c.config.sessionMaxAge, now: c.now,
    }),
    createResetPasswordRouter({
      views: c.views, passwordResets: c.passwordResets, secondFactors: c.secondFactors, audit: c.audit, notices: c.notices,
    }),
    createAdminApiRouter({
      issuer: c.config.issuer, jwks: c.config.jwks, stepUpMaxAge: c.config.stepUpMaxAge, now: c.now,
      accounts: c.accounts, directory: c.accountDirectory, accountAdmin: c.accountAdmin, invitations: c.invitations, resetTwoFactor: c.resetTwoFactor,
      organisations: c.organisations, secondFactors: c.secondFactors, audit: c.audit, clients: c.apiClients, logger: c.logger,
    }),
  ];
  if (c.config.env !== 'production') routers.push(createDemoRpRouter({ issuer: c.config.issuer, views: c.views }));
  if (c.outbox) routers.push(createOutboxRouter(c.outbox, VIEWS_DIR));

  // The request duration histogram, outermost so it times everything below (labelled by route template).
  if (c.metrics) provider.use(httpMetrics(c.metrics));
  // Each request reads a document once (src/db/read-cache.ts): the cache lives for the request, around everything.
  // It also carries the request's User-Agent, which the adapter keeps beside a session it saves (the account page).
  provider.use((ctx, next) => c.readCache.run(next, { userAgent: ctx.get('user-agent') || undefined }));
  provider.use(requestLog(c.logger, c.config.trustProxy));
  provider.use((ctx, next) => c.requestContext.run({ requestId: String(ctx.state.requestId) }, next));
  provider.use(securityHeaders);
  provider.use(errorHandler(c.views, c.logger));
  provider.use(httpsOnly(c.config.issuer, ['/healthz', '/readyz']));
  provider.use(unauthorizedClientErrors(provider.pathFor('token')));
  provider.use(recordActivity(provider, c.sessionActivities));
  provider.use(postAsGet([provider.pathFor('authorization'), provider.pathFor('end_session')]));
  for (const router of routers) provider.use(router.routes()).use(router.allowedMethods());
  return provider;
}
