// The module structure the stream contract relies on (issue 11): no import
// cycles in src/, and the engine and the connectors know no command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/run.js';

const srcRoot = join(repoRoot, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') || name.endsWith('.cts') ? [p] : [];
  });
}

// Static imports and re-exports (type-only ones too: a cycle of types is still a cycle of modules), and import('...').
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * src-relative path → the src-relative paths it imports. `dynamic: false`
 * leaves out import('...'): a module loaded lazily at run time (the completion
 * command reading the registry that lists it) is not a load-time cycle.
 */
function importGraph({ dynamic }: { dynamic: boolean }): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(srcRoot)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.') || (m[3] !== undefined && !dynamic)) continue;
      targets.push(relative(srcRoot, resolve(dirname(file), spec.replace(/\.(c?)js$/, '.$1ts'))));
    }
    graph.set(relative(srcRoot, file), targets);
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

test('every relative import in src/ names a file that exists (the graph below is complete)', () => {
  const graph = importGraph({ dynamic: true });
  assert.ok(graph.size > 50, `only ${graph.size} modules found under src/`);
  const dangling = [...graph].flatMap(([from, tos]) => tos.filter((t) => !graph.has(t)).map((t) => `${from} -> ${t}`));
  assert.deepEqual(dangling, []);
});

test('src/ has no import cycle among its static imports', () => {
  const found = cycles(importGraph({ dynamic: false }));
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => '  ' + c.join(' <-> ')).join('\n')}`);
});

test('src/engine and src/connectors never import src/commands or src/cli', () => {
  const wrong = [...importGraph({ dynamic: true })]
    .filter(([from]) => from.startsWith('engine/') || from.startsWith('connectors/'))
    .flatMap(([from, tos]) => tos.filter((t) => t.startsWith('commands/') || t === 'cli.ts').map((t) => `${from} -> ${t}`));
  assert.deepEqual(wrong, []);
});

test('the cycle finder finds a cycle (so the test above can fail)', () => {
  const g = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['d.ts']],
    ['e.ts', ['a.ts']],
  ]);
  assert.deepEqual(cycles(g), [['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
});
