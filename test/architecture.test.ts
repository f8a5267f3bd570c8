/**
 * The layers of src/ import downward only — domain ← schemas ← adapters/activities/tools/crypto ←
 * workflows/client ← api/local ← composition roots — and no module imports itself back through
 * others (type-only imports count: a circle of types is a circle of ideas). The engine and the
 * workflow code stay free of Node built-ins and I/O libraries.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/fixtures';

const SRC = join(ROOT, 'src');
const files: string[] = [];
const walk = (dir: string) => readdirSync(dir).forEach((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : name.endsWith('.ts') && files.push(join(dir, name))));
walk(SRC);

/** Every import or re-export of each file: relative ones resolved to files, packages by name. */
const imports = new Map<string, { local: string[]; packages: string[] }>();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
  const local = specifiers.filter((s) => s.startsWith('.')).map((s) => {
    const base = resolve(dirname(file), s);
    return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => files.includes(candidate)) ?? base;
  });
  imports.set(file, { local, packages: specifiers.filter((s) => !s.startsWith('.')) });
}

const LAYERS: [RegExp, number, string][] = [
  [/^domain\//, 0, 'domain'],
  [/^schemas\//, 1, 'schemas'],
  [/^(adapters|activities|tools|crypto)\//, 2, 'adapters/activities'],
  [/^(workflows|client)\/|^temporal-connection\.ts$/, 3, 'workflows/client'],
  [/^(api|local)\//, 4, 'api/local'],
  [/./, 5, 'composition roots'],
];
const layerOf = (file: string) => LAYERS.find(([pattern]) => pattern.test(relative(SRC, file)))!;

describe('the architecture', () => {
  it(`reads ${files.length} source files`, () => assert.ok(files.length > 50));

  it('imports go down the layers, never up', () => {
    const upward: string[] = [];
    for (const [file, { local }] of imports)
      for (const target of local) if (layerOf(target)[1] > layerOf(file)[1]) upward.push(`${relative(SRC, file)} (${layerOf(file)[2]}) imports ${relative(SRC, target)} (${layerOf(target)[2]})`);
    assert.deepEqual(upward, []);
  });

  it('no module imports itself back through others', () => {
    const cycles = new Set<string>();
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const next of imports.get(file)?.local ?? []) {
        if (state.get(next) === 'open') cycles.add(path.slice(path.indexOf(next)).concat(next).map((f) => relative(SRC, f)).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    assert.deepEqual([...cycles], []);
  });

  it('the domain and the workflows import no I/O: no Node built-ins, no pg, nodemailer, twilio or zod', () => {
    const forbidden = /^(node:|pg$|nodemailer|twilio|zod|fs$|path$|crypto$|http$)/;
    const offenders: string[] = [];
    for (const [file, { packages }] of imports) {
      const layer = relative(SRC, file);
      if (!layer.startsWith('domain/') && !layer.startsWith('workflows/')) continue;
      for (const name of packages) if (forbidden.test(name) || (layer.startsWith('domain/') && name.startsWith('@temporalio/'))) offenders.push(`${layer} imports ${name}`);
    }
    assert.deepEqual(offenders, []);
  });
});
