/**
 * No runtime import cycle in src/: each module's value imports (type-only imports and `export type`
 * erase at compile time and are left out) form a graph, and a depth-first search looks for a back edge.
 * TypeScript's own parser reads the imports, so the test needs no extra dependency.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const SRC = resolve(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** The src/ modules a file imports at run time. */
function runtimeImports(file: string, known: ReadonlySet<string>): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  const add = (spec: string): void => {
    if (!spec.startsWith('.')) return;
    const base = resolve(dirname(file), spec);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
    if (hit) out.push(hit);
  };
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      if (clause?.isTypeOnly) continue;
      // `import { type A, type B } from` erases too; a bare `import './x'` does not.
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) add((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) {
      const named = s.exportClause;
      if (
        named &&
        ts.isNamedExports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly)
      )
        continue;
      add((s.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  // Dynamic import() loads at run time too (the CLI loads the proxy on demand).
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    )
      add(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** One cycle per back edge found, each as a list of paths relative to src/. */
function findCycles(graph: ReadonlyMap<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const walk = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) walk(node);
  return cycles.map((c) => c.map((f) => relative(SRC, f)));
}

test('the search finds a planted cycle', () => {
  const graph = new Map([
    [join(SRC, 'a.ts'), [join(SRC, 'b.ts')]],
    [join(SRC, 'b.ts'), [join(SRC, 'a.ts')]],
  ]);
  expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'a.ts']]);
});

test('src/ has no runtime import cycle', () => {
  const all = files(SRC);
  const known = new Set(all);
  const graph = new Map(all.map((f) => [f, runtimeImports(f, known)]));
  expect(findCycles(graph)).toEqual([]);
});
