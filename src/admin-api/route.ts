/** The shape of one entry of the route table (src/admin-api/routes.ts). */
import { z } from 'zod';
import type { Account } from '../accounts/accounts.ts';
import type { Actor } from './auth.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Action } from './permissions.ts';
import type { ProblemCode } from './problems.ts';

/** Where the OpenAPI document is served, under the API's path. */
export const DOCUMENT_PATH = '/openapi.json';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** What a handler is given: the checks of its route have all passed. */
export interface Call<P, Q, B> {
  deps: AdminApiDeps;
  actor: Actor;
  input: Input<P, Q, B>;
  /** The accounts named by the route's `targets`, in that order: in the actor's organisation and view. */
  targets: readonly Account[];
  /** The client address (audit). */
  ip: string;
}

/** The step-up (RFC 9470) a route needs: always, never, or for some inputs (described for the document). */
export type StepUp<P, Q, B> = boolean | { when(input: Input<P, Q, B>, targets: readonly Account[]): boolean; description: string };

const NONE = z.strictObject({});
type None = typeof NONE;

export interface RouteSpec<PS extends z.ZodObject, QS extends z.ZodObject, BS extends z.ZodType, RS extends z.ZodType> {
  operationId: string;
  method: Method;
  /** Under /api/admin, with `{name}` parameters: `/v1/accounts/{id}`. */
  path: string;
  tag: 'actor' | 'accounts' | 'organisation' | 'audit';
  summary: string;
  description?: string;
  /** The action of the permission matrix (src/admin-api/permissions.ts) the route needs. */
  permission: Action;
  /** Further actions some inputs need (a role change, a status change): checked like `permission`. */
  also?(input: Input<z.infer<PS>, z.infer<QS>, z.infer<BS>>, targets: readonly Account[]): Action[];
  stepUp: StepUp<z.infer<PS>, z.infer<QS>, z.infer<BS>>;
  /**
   * Path parameters that name accounts acted on: each must be in the actor's organisation and view (else 404), and
   * the rules of the route's actions apply to the first.
   */
  targets?: ReadonlyArray<keyof z.infer<PS> & string>;
  params?: PS;
  query?: QS;
  body?: BS;
  success: { status: 200 | 201; description: string; schema: RS };
  /** The route's own refusals, beyond those every route may answer (src/admin-api/openapi.ts lists both). */
  problems?: readonly ProblemCode[];
  handle(call: Call<z.infer<PS>, z.infer<QS>, z.infer<BS>>): Promise<z.input<RS>>;
}

export type AnyRoute = RouteSpec<any, any, any, any>;

/** One entry of the route table, its types checked against its own schemas. */
export function defineRoute<PS extends z.ZodObject = None, QS extends z.ZodObject = None, BS extends z.ZodType = z.ZodUndefined, RS extends z.ZodType = z.ZodType>(
  route: RouteSpec<PS, QS, BS, RS>,
): AnyRoute {
  return route as AnyRoute;
}

/** `/v1/accounts/{id}` → `/v1/accounts/:id` (the router's syntax). */
export const routerPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/** A matcher of a table path, for 405's `Allow`. */
export function pathPattern(path: string): RegExp {
  const escaped = path.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}/?$`);
}
