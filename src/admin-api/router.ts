/**
 * The admin API under /api/admin: the routes of the table (src/admin-api/routes.ts), their OpenAPI document, and a
 * JSON answer for everything else under the prefix (404, 405 with `Allow`). Every answer is `no-store`; every refusal
 * a problem (src/admin-api/problems.ts), never an HTML page, a stack trace or a bare 500.
 *
 * Each route runs the same steps, in this order:
 *   1. the bearer token (401)                         5. the accounts it names: in the actor's organisation and
 *   2. the token's rate limit (429)                      view, else 404
 *   3. the actor, read fresh (401)                    6. the rules of its actions on them (403)
 *   4. may this kind of actor do this at all? (403)   7. step-up (401 with the RFC 9470 challenge)
 *      then the parameters and body (400/413/415)    8. the handler; its answer shaped by the route's schema
 * so nobody steps up only to be refused, and nobody learns from a 403 whether another organisation's id exists.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { ADMIN_API } from '../../config/oidc.ts';
import { readJson } from '../http/body.ts';
import { requestLogger } from '../http/request-log.ts';
import { describeUnavailable } from '../unavailable.ts';
import type { Account } from '../accounts/accounts.ts';
import { actorKind, bearerToken, createTokenVerifier, missingToken, resolveActor, stepUpProblem, type Actor } from './auth.ts';
import type { AdminApiDeps } from './deps.ts';
import { reaches, ruleFor, type Action, type Subject } from './permissions.ts';
import { ApiProblem, invalidRequest, problemBody, problemFor } from './problems.ts';
import { createTokenRateLimit } from './rate-limit.ts';
import { DOCUMENT_PATH, pathPattern, routerPath, type AnyRoute, type Input } from './route.ts';
import { ROUTES } from './routes.ts';

export type { AdminApiDeps };

function answerProblem(ctx: Context, refusal: ApiProblem): void {
  ctx.status = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) ctx.set(name, value);
  ctx.type = 'application/problem+json';
  ctx.body = problemBody(refusal);
}

/** Around every answer under /api/admin: no-store, and each error as a problem. */
function frame(deps: AdminApiDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    try {
      await next();
    } catch (error) {
      const log = requestLogger(ctx, deps.logger);
      const refusal = problemFor(error);
      if (!refusal) {
        log.error({ err: error }, 'admin API request failed');
        answerProblem(ctx, new ApiProblem('server_error'));
        return;
      }
      // `problem`, not `code`: the logger redacts every `code` field.
      if (refusal.code === 'temporarily_unavailable') log.warn({ problem: refusal.code, cause: describeUnavailable(error) }, 'database unavailable');
      else log.info({ problem: refusal.code, status: refusal.status }, 'request refused');
      answerProblem(ctx, refusal);
    }
  };
}

const NO_INPUT = {};
/** A route without query parameters takes none: an unknown one is a 400, never silently ignored. */
const EMPTY_QUERY = z.strictObject({});

const subject = (account: Account): Subject => ({ id: account._id, role: account.role, professionalIds: account.professionalIds ?? [] });

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T | undefined {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error.issues, where);
  return parsed.data;
}

const forbidden = (detail?: string): ApiProblem => new ApiProblem('forbidden', detail);

export function createAdminApiRouter(deps: AdminApiDeps): Router {
  const router = new Router({ prefix: ADMIN_API.path });
  const verify = createTokenVerifier(deps);
  const rateLimit = createTokenRateLimit(deps.rateLimit);
  const sources = { accounts: deps.accounts, clients: deps.clients };
  // The OpenAPI document (zod-openapi) is written when first asked for, not at start: most nodes never serve it.
  let document: Promise<unknown> | undefined;

  async function authenticate(ctx: Context): Promise<Actor> {
    const token = bearerToken(ctx.get('authorization') || undefined);
    if (!token) throw missingToken();
    const claims = await verify(token);
    await rateLimit(claims.sub, claims.clientId);
    return resolveActor(claims, sources);
  }

  /** The accounts a route names: each in the actor's organisation and view, else "not found" like a missing id. */
  async function targetsOf(route: AnyRoute, actor: Actor, params: Record<string, string>): Promise<Account[]> {
    const view = ruleFor('accounts.read', actorKind(actor));
    const found: Account[] = [];
    for (const name of route.targets ?? []) {
      const id = params[name];
      const account = id === undefined ? undefined : await deps.accounts.get(id);
      const visible = account !== undefined && account.organisationId === actor.organisationId && view !== null && reaches(view, actor.id, subject(account));
      if (!account || !visible) throw new ApiProblem('not_found');
      found.push(account);
    }
    return found;
  }

  /** The rules of the route's actions on its first target (and on a role it gives). */
  function checkRules(actions: readonly Action[], actor: Actor, input: Input<unknown, unknown, unknown>, target: Account | undefined): void {
    for (const action of actions) {
      const rule = ruleFor(action, actorKind(actor));
      if (!rule) throw forbidden();
      if (target && rule.notSelf && target._id === actor.id) throw new ApiProblem('own_account');
      if (target && !reaches(rule, actor.id, subject(target))) throw forbidden();
      const role = (input.body as { role?: unknown } | undefined)?.role;
      if (rule.roles && typeof role === 'string' && !(rule.roles as readonly string[]).includes(role)) {
        throw forbidden(`this actor may give the roles ${rule.roles.join(', ')} only`);
      }
    }
  }

  async function stepUp(route: AnyRoute, actor: Actor, input: Input<unknown, unknown, unknown>, targets: readonly Account[]): Promise<void> {
    const needed = route.stepUp === true || (typeof route.stepUp === 'object' && route.stepUp.when(input, targets));
    if (!needed) return;
    // The acting person's organisation's policy, read fresh: with 2FA off a recent login is enough.
    const organisation = await deps.organisations.get(actor.organisationId);
    const refusal = stepUpProblem(actor, { twoFactor: organisation?.twoFactor ?? 'required', maxAge: deps.stepUpMaxAge, now: deps.now() });
    if (refusal) throw refusal;
  }

  function handler(route: AnyRoute) {
    return async (ctx: Context): Promise<void> => {
      const actor = await authenticate(ctx);
      if (!ruleFor(route.permission, actorKind(actor))) throw forbidden();
      const params = (ctx.params ?? {}) as Record<string, string>;
      const input: Input<unknown, unknown, unknown> = {
        params: parse(route.params, params, 'path') ?? NO_INPUT,
        query: parse(route.query ?? EMPTY_QUERY, { ...ctx.query }, 'query') ?? NO_INPUT,
        body: route.body ? parse(route.body, await readJson(ctx), 'body') : undefined,
      };
      const targets = await targetsOf(route, actor, input.params as Record<string, string>);
      checkRules([route.permission, ...(route.also?.(input, targets) ?? [])], actor, input, targets[0]);
      await stepUp(route, actor, input, targets);
      const result: unknown = await route.handle({ deps, actor, input, targets, ip: ctx.ip });
      // Only the fields of the answer's schema leave: whatever else a handler held stays here.
      const shaped = route.success.schema.parse(result) as unknown;
      ctx.status = route.success.status;
      const id = (shaped as { id?: unknown }).id;
      if (route.success.status === 201 && typeof id === 'string') ctx.set('Location', `${deps.issuer}${ctx.path}/${encodeURIComponent(id)}`);
      ctx.body = shaped;
    };
  }

  const framed = frame(deps);
  router.get(DOCUMENT_PATH, framed, async (ctx) => {
    document ??= import('./openapi.ts').then(({ createOpenApiDocument }) => createOpenApiDocument(deps));
    ctx.body = await document;
  });
  for (const route of ROUTES) router[route.method](routerPath(route.path), framed, handler(route));

  // Anything else under the prefix: 405 (with Allow) for a path of the table, 404 otherwise — as problems.
  const known = [{ method: 'get', pattern: pathPattern(DOCUMENT_PATH) }, ...ROUTES.map((route) => ({ method: route.method, pattern: pathPattern(route.path) }))];
  router.all(['/', '/{*rest}'], framed, (ctx) => {
    const rest = ctx.path.slice(ADMIN_API.path.length) || '/';
    const methods = known.filter((entry) => entry.pattern.test(rest)).map((entry) => entry.method.toUpperCase());
    if (methods.length === 0) throw new ApiProblem('not_found');
    const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : [])])].join(', ');
    throw new ApiProblem('method_not_allowed', `${ctx.method} is not allowed here; allowed: ${allow}`, { headers: { Allow: allow } });
  });
  return router;
}

