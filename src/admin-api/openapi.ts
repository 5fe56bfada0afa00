/**
 * The OpenAPI 3.1 document of the admin API, written from the route table and its zod schemas (zod-openapi), the
 * problem table and the permission matrix: what is served at /api/admin/openapi.json is what the router does.
 */
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { ACR, ADMIN_API, adminResource } from '../../config/oidc.ts';
import type { Account } from '../accounts/accounts.ts';
import { RETRY_AFTER_SECONDS } from '../http/problem.ts';
import { stepUpProblem } from './auth.ts';
import { ACTOR_KINDS, ruleFor } from './permissions.ts';
import { PROBLEMS, problemSchema, type ProblemCode } from './problems.ts';
import { DOCUMENT_PATH, type AnyRoute } from './route.ts';

export { DOCUMENT_PATH };
import { ROUTES } from './routes.ts';

export const SECURITY_SCHEME = 'adminToken';

/** The refusals a route may answer: those of every route, of its parts (parameters, body, targets, step-up), its own. */
export function problemsOf(route: AnyRoute): ProblemCode[] {
  const codes = new Set<ProblemCode>(['authentication_required', 'invalid_token', 'forbidden', 'rate_limited', 'temporarily_unavailable']);
  if (route.params || route.query || route.body) codes.add('invalid_request');
  if (route.body) for (const code of ['invalid_json', 'body_too_large', 'unsupported_media_type'] as const) codes.add(code);
  if (route.targets?.length) codes.add('not_found');
  if (route.stepUp !== false) codes.add('insufficient_user_authentication');
  for (const code of route.problems ?? []) codes.add(code);
  return [...codes];
}

const retryAfter = z.string().meta({ description: 'Seconds to wait', example: String(RETRY_AFTER_SECONDS) });

/** The `WWW-Authenticate` header of a 401, with the configured STEP_UP_MAX_AGE in its example. */
function challengeHeader(stepUpMaxAge: number) {
  const stepUp = stepUpProblem(EXAMPLE_PERSON, { twoFactor: 'required', maxAge: stepUpMaxAge, now: new Date(0) })?.headers['WWW-Authenticate'] ?? '';
  return z.string().meta({
    description: 'RFC 6750 / RFC 9470 challenge: `Bearer` (no token), `Bearer error="invalid_token", error_description="…"`, or for a step-up '
      + `\`${stepUp}\` (without \`acr_values\` when the organisation has 2FA off)`,
    example: stepUp,
  });
}

/** A person whose login is too old for any step-up: what the example challenge is written for. */
const EXAMPLE_PERSON = { kind: 'person', id: '', role: 'manager', organisationId: '', clientId: '', account: {} as Account, acr: ACR.password } as const;

function errorResponses(codes: readonly ProblemCode[], stepUpMaxAge: number): Record<string, ZodOpenApiResponseObject> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = status === 401 ? z.object({ 'WWW-Authenticate': challengeHeader(stepUpMaxAge) })
      : status === 429 || status === 503 ? z.object({ 'Retry-After': retryAfter }) : undefined;
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${PROBLEMS[code].when}`).join('; '),
      ...(headers ? { headers } : {}),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return responses;
}

function stepUpWords(route: AnyRoute): string | false {
  if (route.stepUp === false) return false;
  return route.stepUp === true ? 'always' : route.stepUp.description;
}

/** Who may call the route, in words: each actor kind's rule of its action. */
function whoMay(route: AnyRoute): Record<string, string> {
  return Object.fromEntries(ACTOR_KINDS.map((kind) => {
    const rule = ruleFor(route.permission, kind);
    return [kind, rule ? `${rule.reach}${rule.notSelf ? ' (not self)' : ''}${rule.roles ? ` (roles ${rule.roles.join(', ')})` : ''}` : 'no'];
  }));
}

function operation(route: AnyRoute, stepUpMaxAge: number): ZodOpenApiOperationObject {
  const stepUp = stepUpWords(route);
  const notes = [
    route.description,
    `Permission: \`${route.permission}\` (docs/admin-api.md, the permission matrix).`,
    stepUp ? `Step-up (RFC 9470): ${stepUp} — a login with the second factor (a recent login alone where the organisation has 2FA off) within the last ${stepUpMaxAge} seconds (STEP_UP_MAX_AGE); otherwise 401 \`insufficient_user_authentication\`.` : undefined,
  ].filter(Boolean).join('\n\n');
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: notes,
    security: [{ [SECURITY_SCHEME]: [] }],
    'x-permission': route.permission,
    'x-allowed': whoMay(route),
    'x-step-up': stepUp,
    ...(route.params || route.query ? { requestParams: { ...(route.params ? { path: route.params } : {}), ...(route.query ? { query: route.query } : {}) } } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    responses: {
      [String(route.success.status)]: {
        description: route.success.description,
        content: { 'application/json': { schema: route.success.schema } },
      },
      ...errorResponses(problemsOf(route), stepUpMaxAge),
    },
  };
}

/** The document for an issuer (its server URL and the token's audience depend on it) and STEP_UP_MAX_AGE. */
export function createOpenApiDocument({ issuer, stepUpMaxAge }: { issuer: string; stepUpMaxAge: number }, routes: readonly AnyRoute[] = ROUTES): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = `${ADMIN_API.path}${route.path}`;
    paths[path] = { ...paths[path], [route.method]: operation(route, stepUpMaxAge) };
  }
  paths[`${ADMIN_API.path}${DOCUMENT_PATH}`] = {
    get: {
      operationId: 'getOpenApiDocument', tags: ['meta'], summary: 'This document', security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
    },
  };
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Poort admin API',
      version: '1',
      description: 'Accounts, professional links, second-factor resets, the organisation\'s 2FA policy and the audit log of '
        + 'one organisation: the one the acting person (or machine client) belongs to. Every answer is `Cache-Control: '
        + 'no-store`; errors are RFC 9457 problems (`application/problem+json`) with a stable `code`. See docs/admin-api.md.',
    },
    servers: [{ url: issuer.replace(/\/$/, '') }],
    tags: [
      { name: 'actor', description: 'Who is calling' },
      { name: 'accounts', description: 'Accounts of the organisation' },
      { name: 'organisation', description: 'The organisation\'s second-factor policy' },
      { name: 'audit', description: 'The organisation\'s audit log' },
      { name: 'meta', description: 'About the API' },
    ],
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An RFC 9068 access token (\`typ: at+jwt\`) of this issuer for the resource \`${adminResource(issuer)}\` `
            + `with scope \`${ADMIN_API.scope}\` (${ADMIN_API.accessTokenTTL / 60} minutes): the platform asks for it in its authorization `
            + 'request (`resource`, `scope`) and refreshes it with its refresh token; a machine client gets one with client credentials.',
        },
      },
    },
    paths,
  });
}
