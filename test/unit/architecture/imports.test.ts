/**
 * The direction of imports (DESIGN §3), checked on the sources themselves: every .ts file under config/, src/,
 * interactions/ and scripts/ is read with TypeScript's own pre-processor, so `import type`, re-exports and dynamic
 * `import()` count like any import, and each relative specifier is resolved to the file it names.
 *
 * - No import cycle between files, and none between the top folders (src/accounts, src/auth, src/oidc, src/db,
 *   src/http, src/notify, src/cli, src/admin-api, interactions) — except through the leaf vocabulary modules, which import nothing
 *   and so tie no layer to another.
 * - src/db is imported only by the layers that own persistence (src/accounts, src/auth, src/oidc) and the composition
 *   root; interactions/ and src/admin-api never reach it (they name documents through the services:
 *   src/accounts/accounts.ts, …).
 * - Only config/load.ts reads `process.env` (and the development tooling under scripts/, which runs outside Poort).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCANNED = ['config', 'src', 'interactions', 'scripts'];

/** Modules every layer may use, the database's models included: they import nothing, so they depend on nothing. */
const VOCABULARY = ['src/accounts/vocabulary.ts', 'src/i18n/locales.ts'];

/** The folders whose mutual imports must form no cycle. Any other file stands on its own. */
const TOP_FOLDERS = ['src/accounts', 'src/auth', 'src/oidc', 'src/db', 'src/http', 'src/notify', 'src/cli', 'src/admin-api', 'interactions'];

/**
 * Who may import src/db: itself, the layers that keep their documents there, and the composition root that connects
 * and binds the models. The CLI, the dev seed and scripts/ use the container's services; none needs a model.
 */
const DB_IMPORTERS = ['src/db/', 'src/accounts/', 'src/auth/', 'src/oidc/', 'src/container.ts'];

/** The one reader of the environment, and the tooling that starts Poort's processes with one of its own. */
const ENV_READERS = ['config/load.ts', 'scripts/'];

type Graph = Map<string, string[]>;

const posix = (file: string): string => file.split(path.sep).join('/');

function sourceFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = posix(path.join(dir, entry.name));
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(relative);
      } else if (relative.endsWith('.ts') && !relative.endsWith('.d.ts')) {
        found.push(relative);
      }
    }
  };
  for (const dir of SCANNED) walk(dir);
  return found.sort();
}

const isFile = (relative: string): boolean => {
  const absolute = path.join(ROOT, relative);
  return existsSync(absolute) && statSync(absolute).isFile();
};

/** The file a relative specifier names: as written, `.js` for `.ts`, without its extension, or a folder's index. */
function resolve(from: string, specifier: string): string | undefined {
  const base = posix(path.normalize(path.join(path.dirname(from), specifier)));
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => !candidate.startsWith('..') && isFile(candidate));
}

const specifiersOf = (file: string): string[] =>
  ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true).importedFiles.map((entry) => entry.fileName);

function readGraph(files: string[]): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = resolve(file, specifier);
      if (target) targets.add(target);
      else unresolved.push(`${file} → ${specifier}`);
    }
    graph.set(file, [...targets].sort());
  }
  return { graph, unresolved };
}

/** Every cycle of the graph, one per strongly connected component, as a path that ends where it starts. */
function findCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cycleThrough(graph, new Set(component), component[0]!)).sort();
}

/** A shortest way from `start` back to itself inside one component. */
function cycleThrough(graph: Graph, component: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const way = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = cameFrom.get(at)) way.unshift(at);
        return [start, ...way];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

const groupOf = (file: string): string => TOP_FOLDERS.find((folder) => file.startsWith(`${folder}/`)) ?? file;

/**
 * The graph of groups (a top folder, or a file outside them), leaving out imports of vocabulary; each edge keeps one
 * file import that makes it, to name in a report.
 */
function folderGraph(graph: Graph): { groups: Graph; because: Map<string, string> } {
  const edges = new Map<string, Set<string>>();
  const because = new Map<string, string>();
  for (const [file, targets] of graph) {
    const from = groupOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of targets) {
      const to = groupOf(target);
      if (to === from || VOCABULARY.includes(target)) continue;
      edges.get(from)!.add(to);
      if (!because.has(`${from} → ${to}`)) because.set(`${from} → ${to}`, `${file} → ${target}`);
    }
  }
  return { groups: new Map([...edges].map(([group, targets]) => [group, [...targets].sort()])), because };
}

function folderCycles(graph: Graph): string[] {
  const { groups, because } = folderGraph(graph);
  return findCycles(groups).map((cycle) =>
    cycle.slice(1).map((to, i) => `${cycle[i]} → ${to} (${because.get(`${cycle[i]} → ${to}`)})`).join(', '));
}

/** Where a file reads the environment: `process.env`, `process['env']`, or `env` taken from `process`. */
function environmentReads(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const isProcess = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && node.text === 'process') || (ts.isPropertyAccessExpression(node) && node.name.text === 'process');
  const found: string[] = [];
  const at = (node: ts.Node): string => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const walk = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) found.push(at(node));
    if (ts.isElementAccessExpression(node) && isProcess(node.expression) && ts.isStringLiteral(node.argumentExpression) && node.argumentExpression.text === 'env') found.push(at(node));
    if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)
      && node.name.elements.some((element) => (element.propertyName ?? element.name).getText(source) === 'env')) found.push(at(node));
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && ['process', 'node:process'].includes(node.moduleSpecifier.text)
      && node.importClause?.namedBindings && ts.isNamedImports(node.importClause.namedBindings)
      && node.importClause.namedBindings.elements.some((element) => (element.propertyName ?? element.name).text === 'env')) found.push(at(node));
    ts.forEachChild(node, walk);
  };
  walk(source);
  return found;
}

const files = sourceFiles();
const { graph, unresolved } = readGraph(files);
const imports = [...graph].flatMap(([file, targets]) => targets.map((target) => ({ file, target })));

describe('the import graph', () => {
  it('is read from the sources: every relative import resolves to a file', () => {
    expect(unresolved).toEqual([]);
    // A reader that found nothing would let every rule below pass.
    expect(graph.get('src/container.ts')).toContain('src/db/models/index.ts');
    expect(graph.get('interactions/deps.ts')).toContain('src/accounts/accounts.ts');
  });

  it('has no cycle between files', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('has no cycle between the top folders, vocabulary aside', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('keeps src/db to the layers that own persistence and the composition root', () => {
    const outside = imports.filter(({ file, target }) => target.startsWith('src/db/') && !DB_IMPORTERS.some((allowed) => file.startsWith(allowed)));
    expect(outside.map(({ file, target }) => `${file} → ${target}`)).toEqual([]);
  });

  it('keeps interactions/ and the admin API away from src/db: they name documents through the services', () => {
    const touching = imports.filter(({ file, target }) => (file.startsWith('interactions/') || file.startsWith('src/admin-api/')) && target.startsWith('src/db/'));
    expect(touching.map(({ file, target }) => `${file} → ${target}`)).toEqual([]);
    // A reader that found nothing would let the rule pass.
    expect(graph.get('src/admin-api/router.ts')).toContain('src/admin-api/routes.ts');
  });

  it('leaves the vocabulary modules without any import', () => {
    for (const file of VOCABULARY) expect({ file, imports: specifiersOf(file) }).toEqual({ file, imports: [] });
  });

  it('reads process.env only in config/load.ts (and the tooling under scripts/)', () => {
    const readers = files.filter((file) => !ENV_READERS.some((allowed) => file === allowed || (allowed.endsWith('/') && file.startsWith(allowed))));
    expect(readers.flatMap(environmentReads)).toEqual([]);
    // The rule names the real reader: should it move, this list must follow.
    expect(environmentReads('config/load.ts').length).toBeGreaterThan(0);
  });
});

describe('the checks themselves', () => {
  it('report a cycle as the path that closes it', () => {
    const cyclic: Graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(new Map([['a.ts', ['a.ts']]]))).toEqual([['a.ts', 'a.ts']]);
  });

  it('see a folder cycle made by single files, but not one through vocabulary', () => {
    const across: Graph = new Map([['src/auth/x.ts', ['src/oidc/y.ts']], ['src/oidc/y.ts', ['src/auth/z.ts']], ['src/auth/z.ts', []]]);
    expect(findCycles(folderGraph(across).groups)).toEqual([['src/auth', 'src/oidc', 'src/auth']]);
    const vocabulary: Graph = new Map([['src/db/models/m.ts', ['src/accounts/vocabulary.ts']], ['src/accounts/a.ts', ['src/db/models/m.ts']], ['src/accounts/vocabulary.ts', []]]);
    expect(findCycles(folderGraph(vocabulary).groups)).toEqual([]);
  });
});
