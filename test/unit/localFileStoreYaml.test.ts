import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseFlatMeta } from '../../src/mlflow/local/fileStoreFiles';

/**
 * The FileStore's fast path for MLflow's flat meta.yaml must give exactly what the YAML parser gives,
 * or step aside: over every meta.yaml of both real file stores, and over values chosen to trip it.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (entry.name.endsWith('.yaml')) out.push(full);
  }
  return out;
}

describe('FileStore meta.yaml fast path', () => {
  it('reads every meta.yaml of the real 2.17.2 and 3.x file stores as the YAML parser does, and takes the run files', () => {
    const files = ['mlflow-2.17.2', 'mlflow-3.x'].flatMap((v) => yamlFiles(path.join(FIXTURES, v, 'file-store', 'mlruns')));
    assert.ok(files.length >= 30, `${files.length} files`);
    let taken = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const fast = parseFlatMeta(source);
      if (fast === undefined) continue;
      taken++;
      assert.deepEqual(fast, parseYaml(source), file);
    }
    const runMetas = files.filter((f) => /mlruns[/\\](?:\.trash[/\\])?\w+[/\\][0-9a-f]{32}[/\\]meta\.yaml$/.test(f));
    for (const file of runMetas) assert.ok(parseFlatMeta(readFileSync(file, 'utf8')), `the fast path takes ${file}`);
    assert.ok(taken >= runMetas.length);
  });

  it('gives the YAML parser\'s answer or none at all for values chosen to trip it', () => {
    const values = [
      'abc', 'adjective-animal-123', 'file:///srv/mlruns/1/abc/artifacts', '/abs/path', 'user@example.com', 'a:b', 'abc:',
      'true', 'True', 'FALSE', 'null', 'Null', '~', 'yes', 'no', 'on', 'off', 'y', 'Infinity', 'NaN',
      '4d594084c3f7441d9037668feae23f3e', '0000e000', '123e4', '1e10abc', '12:30', '1.2.3', '0x1F0g', '0o19', '9abc:',
      '0', '-0', '007', '-12', '+5', '1796550727806', '123456789012345678901234', '0x1F', '0o17', '1e3', '1.5', '.5', '.inf', '-.inf', '.nan',
      "''", "'x'", "'it''s'", "'a # b'", "' spaced '", '"double"', '"esc\\n"', "'unclosed", '[]', '{}', '[1, 2]', '{a: 1}',
      'two words', 'hash #comment', 'a #b', '- item', '&anchor x', '*alias', '!!str x', '|', '>', '%x', '@x', '`x`', 'a\tb', '',
    ];
    for (const value of values) {
      for (const source of [`run_name: ${value}\n`, `a: 1\nrun_name: ${value}\nz: 2\n`]) {
        let expected: unknown;
        try {
          expected = parseYaml(source);
        } catch {
          expected = 'a YAML error';
        }
        const fast = parseFlatMeta(source);
        if (fast !== undefined) assert.deepEqual(fast, expected, JSON.stringify(source));
      }
    }
  });

  it('steps aside for shapes that are not flat key: value lines', () => {
    for (const source of [
      '', '\n', 'a: 1', 'a: 1\n\nb: 2\n', '---\na: 1\n', 'a: 1\na: 2\n', '__proto__: x\n', 'tags:\n  - x\n',
      'a:\n  b: 1\n', 'a: 1 # note\n', ' a: 1\n', 'A: 1\n', 'a : 1\n', 'a:  1\n',
    ]) {
      assert.equal(parseFlatMeta(source), undefined, JSON.stringify(source));
    }
    assert.deepEqual(parseFlatMeta('end_time:\nstatus: 3\n'), { end_time: null, status: 3 });
  });
});
