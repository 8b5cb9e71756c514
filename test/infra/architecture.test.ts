import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedBundleOptions } from '../../lib/bundling.js';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports (type-only imports too: a cycle of types is still a tangle). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((match) =>
      resolve(dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')),
    );
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle.map((file) => relative(root, file));
  }
  return undefined;
}

/** The layout keeps its promises: no import cycles, and the admin function carries no TwiML code. */
describe('the code layout', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admin-bundle-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the routing core pure: no store, voice, REST, handlers or middleware; no AWS, no twilio package, no environment', () => {
    const routing = sourceFiles(join(root, 'functions', 'routing'));
    const allowed = [
      join(root, 'functions', 'routing'),
      join(root, 'functions', 'commons', 'schemas.ts'),
      join(root, 'functions', 'twilio', 'vocabulary.ts'),
      join(root, 'functions', 'twiml', 'dial-limits.ts'),
    ];
    const graph = importGraph(routing);
    const outside = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => !allowed.some((prefix) => target.startsWith(prefix)))
        .map((target) => `${relative(root, file)} -> ${relative(root, target)}`),
    );
    expect(outside).toEqual([]);
    const impure = routing
      .filter((file) => /from '(?:@aws-sdk|twilio)|process\.env/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(impure).toEqual([]);
  });

  it('has no import cycle under functions/', () => {
    expect(findCycle(importGraph(sourceFiles(join(root, 'functions'))))).toBeUndefined();
  });

  it('finds an import cycle when there is one', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/a.ts']],
    ]);
    expect(findCycle(graph)).toBeDefined();
  });

  it('bundles the admin function without TwiML code: neither the twilio package nor our TwiML rendering', async () => {
    const result = await build({
      ...deployedBundleOptions(join(root, 'functions', 'handlers', 'admin.ts'), join(dir, 'admin.mjs')),
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);

    expect(
      inputs.filter(
        (input) =>
          input.includes('node_modules/twilio/') || input === 'functions/twiml/responses.ts' || input === 'functions/twiml/prompts.ts',
      ),
    ).toEqual([]);
    // It still serves the waiting line when a member comes back from away.
    expect(inputs).toContain('functions/voice/line-dispatch.ts');
  });
});
