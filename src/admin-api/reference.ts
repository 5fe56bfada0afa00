/**
 * The tables of docs/admin-api.md, written from the code they describe: the permission matrix, the routes with
 * their permission and step-up, the problem codes. A test checks that the document holds exactly these, so the
 * docs cannot drift from the code either.
 */
import { ADMIN_API } from '../../config/oidc.ts';
import { ACTIONS, ACTOR_KINDS, ruleFor, type Reach, type Rule } from './permissions.ts';
import { PROBLEM_CODES, PROBLEMS } from './problems.ts';
import type { AnyRoute } from './route.ts';
import { ROUTES } from './routes.ts';

const REACH_WORDS: Record<Reach, string> = {
  organisation: 'anyone in the organisation',
  self: 'only themselves',
  'linked-clients': 'only their linked clients',
  'self-and-linked-clients': 'themselves and their linked clients',
};

function cell(rule: Rule | null): string {
  if (!rule) return '–';
  const words = [REACH_WORDS[rule.reach]];
  if (rule.notSelf && rule.reach === 'organisation') words[0] = 'anyone else in the organisation';
  if (rule.roles) words.push(`(roles ${rule.roles.join(', ')})`);
  return words.join(' ');
}

/** The permission matrix as a Markdown table. */
export function renderMatrix(): string {
  const header = `| action | ${ACTOR_KINDS.join(' | ')} |`;
  const rule = `|---|${ACTOR_KINDS.map(() => '---').join('|')}|`;
  const rows = ACTIONS.map((action) => `| \`${action}\` | ${ACTOR_KINDS.map((kind) => cell(ruleFor(action, kind))).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}

/** The routes: method, path, permission, step-up. */
export function renderRoutes(routes: readonly AnyRoute[] = ROUTES): string {
  const stepUp = (route: AnyRoute): string => (route.stepUp === false ? '–' : route.stepUp === true ? 'yes' : route.stepUp.description);
  const rows = routes.map((route) => `| \`${route.method.toUpperCase()} ${ADMIN_API.path}${route.path}\` | ${route.summary} | \`${route.permission}\` | ${stepUp(route)} |`);
  return ['| endpoint | what | permission | step-up |', '|---|---|---|---|', ...rows].join('\n');
}

/** The problem codes: status, code, when. */
export function renderProblems(): string {
  const rows = PROBLEM_CODES.map((code) => `| ${PROBLEMS[code].status} | \`${code}\` | ${PROBLEMS[code].when} |`);
  return ['| status | code | when |', '|---|---|---|', ...rows].join('\n');
}
