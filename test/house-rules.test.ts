/**
 * Two rules of the house that no compiler checks, over every .ts file under packages/<name>/src:
 * no import cycles (type-only imports count: a cycle of types is still two files that cannot be
 * understood apart), and no file over 300 lines without a reason at its top. Each failure names the
 * files, so the fix starts from the message.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGES = join(ROOT, 'packages');

/** Lines a source file may have before it must say at its top why it is not split. */
const MAX_LINES_WITHOUT_REASON = 300;
/** How a long file says why: a line of its leading comment starts with this (after `//` or `*`). */
const LONG_FILE_MARKER = 'Over 300 lines:';

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const FILES: readonly string[] = readdirSync(PACKAGES)
  .map((name) => join(PACKAGES, name, 'src'))
  .filter((src) => existsSync(src))
  .flatMap((src) => sourceFiles(src))
  .sort();

/** `@prov4ml/<name>` → packages/<directory>/src/index.ts, from each package's package.json. */
const PACKAGE_ENTRIES: ReadonlyMap<string, string> = new Map(
  readdirSync(PACKAGES)
    .filter((name) => existsSync(join(PACKAGES, name, 'package.json')))
    .map((name) => [(JSON.parse(readFileSync(join(PACKAGES, name, 'package.json'), 'utf8')) as { name: string }).name, join(PACKAGES, name, 'src/index.ts')]),
);

/** The source file an import names, or null for one outside the workspace (node:, npm packages). */
function resolveImport(from: string, specifier: string): string | null {
  const entry = PACKAGE_ENTRIES.get(specifier);
  if (entry !== undefined) return entry;
  if (specifier.startsWith('@prov4ml/')) throw new Error(`${relative(ROOT, from)}: ${specifier} is not a package's entry point`);
  if (!specifier.startsWith('.')) return null;
  const target = resolve(dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${specifier}`);
}

/** Every workspace file `file` imports: static, type-only, re-exports and dynamic import() alike. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets = info.importedFiles.map((imported) => resolveImport(file, imported.fileName));
  return [...new Set(targets.filter((target): target is string => target !== null))];
}

/** Each strongly connected component of more than one file (or a file importing itself), as one cycle through it. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components.map((component) => cycleThrough(graph, new Set(component)));
}

/** One concrete cycle inside a strongly connected component, from its first file back to it. */
function cycleThrough(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0]!;
  const path: string[] = [start];
  const seen = new Set<string>([start]);
  const walk = (node: string): boolean => {
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return [...path, start];
}

test('no import cycles among the packages’ source files (type-only imports included)', () => {
  const graph = new Map(FILES.map((file) => [file, importsOf(file)] as const));
  assert.ok(graph.size > 100, `only ${graph.size} source files found under packages/*/src`);
  const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(ROOT, file)).join(' → '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test('the cycle finder finds a type-level cycle and names it', () => {
  const graph = new Map([
    ['config', ['endpoint']],
    ['endpoint', ['detect']],
    ['detect', ['config', 'hostlist']],
    ['hostlist', []],
    ['self', ['self']],
  ]);
  assert.deepEqual(findCycles(graph), [['config', 'endpoint', 'detect', 'config'], ['self', 'self']]);
  const typeOnly = ts.preProcessFile("import type { A } from './a.js';\nexport { B } from './b.js';\nconst c = await import('./c.js');", true, true);
  assert.deepEqual(typeOnly.importedFiles.map((imported) => imported.fileName), ['./a.js', './b.js', './c.js']);
});

/** Whether the comment lines that open `source` (before its first line of code) give the marker. */
function statesWhyLong(source: string): boolean {
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!/^(\/\/|\/\*|\*)/.test(trimmed)) return false;
    if (trimmed.replace(/^(\/\/+|\/\*+|\*+)\s*/, '').startsWith(LONG_FILE_MARKER)) return true;
  }
  return false;
}

test(`no source file over ${MAX_LINES_WITHOUT_REASON} lines without "${LONG_FILE_MARKER} <reason>" at its top`, () => {
  const unexplained = FILES.flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
    return lines > MAX_LINES_WITHOUT_REASON && !statesWhyLong(source) ? [`${relative(ROOT, file)} (${lines} lines)`] : [];
  });
  assert.deepEqual(unexplained, [], `split these files by concern, or say why not in a first comment line "${LONG_FILE_MARKER} …":\n${unexplained.join('\n')}`);
});

test('the long-file marker counts only in the comment at the top', () => {
  assert.equal(statesWhyLong(`// ${LONG_FILE_MARKER} one table.\nexport const a = 1;\n`), true);
  assert.equal(statesWhyLong(`/**\n * What this is.\n *\n * ${LONG_FILE_MARKER} one state machine.\n */\nimport x from 'y';\n`), true);
  assert.equal(statesWhyLong(`import x from 'y';\n// ${LONG_FILE_MARKER} too late.\n`), false);
  assert.equal(statesWhyLong('/** What this is. */\nexport const a = 1;\n'), false);
});
