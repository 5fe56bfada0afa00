/**
 * Accessibility checks in the browser tests: axe-core run inside a playwright page, limited to WCAG 2.1 level A and AA.
 *
 * Poort's pages send `Content-Security-Policy: script-src 'self'`, which blocks an inline `<script>` such as
 * `page.addScriptTag({ content })`. The library is therefore evaluated through the DevTools protocol
 * (`page.evaluate`), which the page's CSP does not govern, while the page itself keeps running under its own policy:
 * no `bypassCSP` context, so the tests' `PageProblems.cspViolations` still catch anything the page does wrong.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const WCAG_21_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** The part of axe-core's result the summary needs (axe.d.ts describes the whole). */
interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

let source: string | undefined;
/** axe-core's browser bundle, read once per test file. */
function axeSource(): string {
  source ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return source;
}

/** One line per element that breaks a rule: the rule, its impact, the element's selector, and what to change. */
function describe(violation: AxeViolation): string[] {
  return violation.nodes.map((node) => {
    const target = node.target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : String(part))).join(' ');
    const fix = (node.failureSummary ?? '').replace(/\s*\n\s*/g, ' ').trim();
    return `${violation.id} [${violation.impact ?? 'unknown'}] at ${target} ${node.html}: ${violation.help}${fix ? ` (${fix})` : ''} <${violation.helpUrl}>`;
  });
}

/**
 * Runs axe-core on the page as it is now (after its own scripts ran) and returns the WCAG 2.1 A/AA violations, one
 * readable line per offending element; an empty list means none. A failing `expect(…).toEqual([])` thus prints what
 * is wrong and where.
 */
export async function wcagViolations(page: Page): Promise<string[]> {
  const injected = await page.evaluate('typeof window.axe === "object"');
  if (!injected) await page.evaluate(axeSource());
  const violations = (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA_TAGS)} }, resultTypes: ['violations'] })
      .then((results) => results.violations.map(({ id, impact, help, helpUrl, nodes }) =>
        ({ id, impact, help, helpUrl, nodes: nodes.map(({ target, html, failureSummary }) => ({ target, html, failureSummary })) })))`,
  )) as AxeViolation[];
  return violations.flatMap(describe);
}
