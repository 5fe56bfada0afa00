/**
 * The route table, the OpenAPI document and the docs say the same thing: every route is in the document with its
 * schemas, permission, step-up and refusals; every documented operation is a route the router serves; the document
 * is valid OpenAPI 3.1; docs/admin-api.md holds the tables the code writes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_API } from '../../../config/oidc.ts';
import { createOpenApiDocument, DOCUMENT_PATH, problemsOf } from '../../../src/admin-api/openapi.ts';
import { ACTIONS } from '../../../src/admin-api/permissions.ts';
import { PROBLEM_CODES, PROBLEMS } from '../../../src/admin-api/problems.ts';
import { renderMatrix, renderProblems, renderRoutes } from '../../../src/admin-api/reference.ts';
import { routerPath } from '../../../src/admin-api/route.ts';
import { createAdminApiRouter, type AdminApiDeps } from '../../../src/admin-api/router.ts';
import { ROUTES } from '../../../src/admin-api/routes.ts';

const ISSUER = 'https://poort.example.org';
const document = createOpenApiDocument({ issuer: ISSUER, stepUpMaxAge: 600 }) as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
  servers: Array<{ url: string }>;
};

interface Operation {
  operationId: string;
  security: Array<Record<string, unknown>>;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
  'x-permission'?: string;
  'x-step-up'?: string | false;
}

const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ method, path, operation })));

describe('the route table and the document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(document) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.servers).toEqual([{ url: ISSUER }]);
  });

  it('documents every route, and routes every documented operation', () => {
    const routed = [...ROUTES.map((route) => `${route.method} ${ADMIN_API.path}${route.path}`), `get ${ADMIN_API.path}${DOCUMENT_PATH}`].sort();
    expect(operations.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(routed);
    expect(new Set(ROUTES.map((route) => route.operationId)).size).toBe(ROUTES.length);
  });

  it('registers exactly the table on the router (and the document, and the fallback for the rest)', () => {
    const router = createAdminApiRouter({ issuer: ISSUER, jwks: { keys: [] }, stepUpMaxAge: 600 } as unknown as AdminApiDeps);
    const registered = router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${String(layer.path)}`));
    for (const route of ROUTES) expect(registered).toContain(`${route.method} ${ADMIN_API.path}${routerPath(route.path)}`);
    expect(registered).toContain(`get ${ADMIN_API.path}${DOCUMENT_PATH}`);
  });

  it.each(ROUTES.map((route) => [route.operationId, route] as const))('%s: parameters, body, answer, permission, step-up and refusals', (_id, route) => {
    const operation = document.paths[`${ADMIN_API.path}${route.path}`]?.[route.method];
    expect(operation?.operationId).toBe(route.operationId);
    if (!operation) return;
    expect(operation.security).toEqual([{ adminToken: [] }]);
    expect(operation['x-permission']).toBe(route.permission);
    expect(ACTIONS).toContain(route.permission);
    expect(Boolean(operation['x-step-up'])).toBe(route.stepUp !== false);
    const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    expect((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(pathNames.sort());
    expect((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort())
      .toEqual(Object.keys(route.query?.shape ?? {}).sort());
    expect(Boolean(operation.requestBody?.content['application/json'])).toBe(Boolean(route.body));
    expect(operation.responses[String(route.success.status)]?.content?.['application/json']).toBeDefined();
    // Every refusal the route can answer is documented under its status, as a problem.
    const codes = problemsOf(route);
    for (const code of codes) {
      const response = operation.responses[String(PROBLEMS[code].status)];
      expect({ code, described: response?.description }).toEqual({ code, described: expect.stringContaining(`\`${code}\``) });
      expect(response?.content?.['application/problem+json']?.schema).toEqual({ $ref: '#/components/schemas/Problem' });
    }
    expect(operation.responses['401']?.headers?.['WWW-Authenticate']).toBeDefined();
    if (route.stepUp !== false) expect(JSON.stringify(operation.responses['401'])).toContain('acr_values=\\"urn:poort:acr:mfa\\", max_age=\\"600\\"');
  });

  it('names the bearer scheme, the problem shape with every code, and the configured step-up age', () => {
    expect(document.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(JSON.stringify(document.components.securitySchemes.adminToken)).toContain(`${ISSUER}${ADMIN_API.path}`);
    const problem = document.components.schemas.Problem as { properties: { code: { enum: string[] } }; required: string[] };
    expect(problem.properties.code.enum.sort()).toEqual([...PROBLEM_CODES].sort());
    expect(problem.required.sort()).toEqual(['code', 'status', 'title', 'type']);
    const other = createOpenApiDocument({ issuer: ISSUER, stepUpMaxAge: 300 });
    expect(JSON.stringify(other)).toContain('max_age=\\"300\\"');
  });
});

describe('docs/admin-api.md', () => {
  const docs = readFileSync(new URL('../../../docs/admin-api.md', import.meta.url), 'utf8');

  it('holds the permission matrix, the endpoints and the error codes exactly as the code writes them', () => {
    expect(docs).toContain(renderMatrix());
    expect(docs).toContain(renderRoutes());
    expect(docs).toContain(renderProblems());
  });
});
