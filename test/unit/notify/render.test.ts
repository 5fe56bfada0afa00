import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRenderer } from '../../../src/notify/render.ts';

const viewsDir = fileURLToPath(new URL('../../../views', import.meta.url));
const renderer = createRenderer(viewsDir);

describe('renderEmail', () => {
  test('English and Dutch output differ, each in its own language', () => {
    const en = renderer.renderEmail('test', 'en', {});
    const nl = renderer.renderEmail('test', 'nl', {});
    expect(en.subject).toBe('Poort test message');
    expect(nl.subject).toBe('Testbericht van Poort');
    expect(en.text).toContain('This message confirms that Poort can send e-mail.');
    expect(nl.text).toContain('Dit bericht bevestigt dat Poort e-mail kan versturen.');
    expect(en.html).not.toBe(nl.html);
    expect(en.text).not.toBe(nl.text);
  });

  test('the text part is plain text on separate lines, footer included', () => {
    const { text } = renderer.renderEmail('test', 'en', {});
    expect(text).not.toMatch(/<[a-z/!][^>]*>/i);
    expect(text).not.toMatch(/&(amp|lt|gt|quot);/);
    expect(text.split('\n').length).toBeGreaterThan(2);
    expect(text).toContain('This message was sent by Poort, the login service of your platform.');
    expect(text.endsWith('\n')).toBe(true);
  });

  test('the HTML part uses the layout with the lang attribute and the footer', () => {
    const { html } = renderer.renderEmail('test', 'nl', {});
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<html lang="nl">');
    expect(html).toContain('<title>Testbericht van Poort</title>');
    expect(html).toContain('Dit bericht is verstuurd door Poort, de inlogdienst van je platform.');
  });

  test('vars reach the templates: escaped in HTML, verbatim in text, subject on one line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'poort-views-'));
    mkdirSync(path.join(dir, 'emails', 'sample'), { recursive: true });
    writeFileSync(path.join(dir, 'emails', 'layout.pug'), 'doctype html\nhtml(lang=locale)\n  body\n    block content\n');
    writeFileSync(path.join(dir, 'emails', 'sample', 'subject.pug'), '| Hello\n| !{name}\n');
    writeFileSync(path.join(dir, 'emails', 'sample', 'html.pug'), 'extends ../layout.pug\nblock content\n  a(href=link)= name\n');
    writeFileSync(path.join(dir, 'emails', 'sample', 'text.pug'), '| !{name}\n|\n| !{link}\n');
    const vars = { name: 'Ann & <Bob>', link: 'https://poort.test/reset?a=1&b=2' };

    const email = createRenderer(dir).renderEmail('sample', 'en', vars);
    expect(email.subject).toBe('Hello Ann & <Bob>');
    expect(email.text).toBe('Ann & <Bob>\n\nhttps://poort.test/reset?a=1&b=2\n');
    expect(email.html).toContain('<a href="https://poort.test/reset?a=1&amp;b=2">Ann &amp; &lt;Bob&gt;</a>');
  });

  test('unknown or unsafe template names are refused', () => {
    expect(() => renderer.renderEmail('does-not-exist', 'en', {})).toThrow(/not found/);
    expect(() => renderer.renderEmail('../dev/outbox', 'en', {})).toThrow(/Invalid e-mail template name/);
  });
});
