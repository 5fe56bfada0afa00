/**
 * Renders e-mails from `views/emails/<name>/{subject,html,text}.pug`. Templates are compiled once and cached.
 * Locals: the caller's vars plus `t` (translator for the locale) and `locale`; html.pug also gets `subject`.
 *
 * Text and subject templates are plain text written as `| ` lines: use `!{...}` there, since `#{...}` would
 * HTML-escape (`&` in a link would become `&amp;`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as Pug from 'pug';
import { translator, type Locale } from '../i18n/index.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface Renderer {
  renderEmail(name: string, locale: Locale, vars?: Record<string, unknown>): RenderedEmail;
}

/** pug loads with the first mail rendered, not at start (src/http/views.ts does the same for pages). */
const loadPug = (): typeof Pug => createRequire(import.meta.url)('pug') as typeof Pug;

type Part = 'subject' | 'html' | 'text';

const TEMPLATE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function createRenderer(viewsDir: string): Renderer {
  const emailsDir = path.resolve(viewsDir, 'emails');
  const cache = new Map<string, Pug.compileTemplate>();

  function template(name: string, part: Part): Pug.compileTemplate {
    const file = path.join(emailsDir, name, `${part}.pug`);
    let compiled = cache.get(file);
    if (!compiled) {
      if (!existsSync(file)) throw new Error(`E-mail template ${name}/${part}.pug not found in ${emailsDir}`);
      compiled = loadPug().compileFile(file, { basedir: viewsDir });
      cache.set(file, compiled);
    }
    return compiled;
  }

  return {
    renderEmail(name, locale, vars = {}) {
      if (!TEMPLATE_NAME.test(name)) throw new Error(`Invalid e-mail template name: ${JSON.stringify(name)}`);
      const locals = { ...vars, t: translator(locale), locale };
      const subject = oneLine(template(name, 'subject')(locals));
      const text = tidyText(template(name, 'text')(locals));
      const html = template(name, 'html')({ ...locals, subject });
      return { subject, html, text };
    },
  };
}

/** Subjects are a single header line: collapse every run of whitespace (newlines included). */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Unix newlines, no trailing spaces on lines, no blank lines at the start or end, one final newline. */
function tidyText(value: string): string {
  const lines = value.replace(/\r\n?/g, '\n').split('\n').map((line) => line.trimEnd());
  return `${lines.join('\n').replace(/^\n+|\n+$/g, '')}\n`;
}
