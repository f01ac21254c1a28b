import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { parseFlatMetaBytes, parseMetricLine } from '../../src/mlflow/local/fileStoreFiles';
import { SlicedIo } from '../../src/mlflow/local/fileStoreIo';
import { runInfoFrom } from '../../src/mlflow/local/fileStoreTracking';
import { MetricColumns, appendMetricLines, sampleColumns } from '../../src/mlflow/local/metricFile';
import { createPageToken, pageOf, pageOfOrdered } from '../../src/mlflow/local/paging';
import { sampleHistories } from '../../src/mlflow/sampling';
import type { Metric } from '../../src/mlflow/types';

/**
 * The file store's fast paths give exactly what the general paths give: the byte-level meta.yaml
 * reader (odd but real meta.yaml files: quotes, other scripts, spaces, CRLF, missing and MLflow 3
 * fields), the in-place metric line scanner, sampling over columns, the partial ordering of a first
 * page, and the sliced synchronous reads (against the asynchronous ones).
 */

const SOURCE = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/file-store/mlruns');
const EXP = '182273013215512486';
const HOUR_AGO = new Date(Date.now() - 3600_000);

/** A seeded generator, so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function runMeta(lines: string[], eol = '\n'): string {
  return lines.join(eol) + eol;
}

const BASE = [
  'artifact_uri: file:///srv/mlruns/1/RUN/artifacts',
  'end_time: 1796550733722',
  "entry_point_name: ''",
  "experiment_id: '1'",
  'lifecycle_stage: active',
  'run_id: RUN',
  'run_name: fs3-run-2',
  "source_name: ''",
  'source_type: 4',
  "source_version: ''",
  'start_time: 1796550733600',
  'status: 3',
  'tags: []',
  'user_id: root',
];

const withLine = (key: string, line: string | undefined): string[] =>
  line === undefined ? BASE.filter((l) => !l.startsWith(`${key}:`)) : BASE.map((l) => (l.startsWith(`${key}:`) ? line : l));

/** Odd meta.yaml files MLflow (or a person) may leave, and whether the fast path must take them. */
const ODD_METAS: { name: string; text: string; fast: boolean }[] = [
  { name: 'CJK run name', text: runMeta(withLine('run_name', 'run_name: 训练模型-第3次')), fast: true },
  { name: 'accented words with spaces', text: runMeta(withLine('run_name', 'run_name: café au lait run')), fast: true },
  { name: 'user name with spaces', text: runMeta(withLine('user_id', 'user_id: Jane Doe')), fast: true },
  { name: 'CRLF line ends', text: runMeta(BASE, '\r\n'), fast: true },
  { name: 'quoted name', text: runMeta(withLine('run_name', "run_name: 'yes'")), fast: true },
  { name: 'quoted name with a quote', text: runMeta(withLine('run_name', "run_name: 'it''s'")), fast: false },
  { name: 'double-quoted escapes', text: runMeta(withLine('run_name', 'run_name: "tab\\there \\u00e9"')), fast: false },
  { name: 'a name YAML reads as a number', text: runMeta(withLine('run_name', 'run_name: 1e3')), fast: false },
  { name: 'a name YAML reads as a boolean', text: runMeta(withLine('run_name', 'run_name: true')), fast: false },
  { name: 'a name with a comment', text: runMeta(withLine('run_name', 'run_name: a #note')), fast: false },
  { name: 'a name with ": "', text: runMeta(withLine('run_name', "run_name: 'a: b'")), fast: true },
  { name: 'no run_name (MLflow ≤ 1.29)', text: runMeta(withLine('run_name', undefined)), fast: true },
  { name: 'no end_time', text: runMeta(withLine('end_time', undefined)), fast: true },
  { name: 'end_time null, running', text: runMeta(withLine('end_time', 'end_time: null').map((l) => (l === 'status: 3' ? 'status: 1' : l))), fast: true },
  { name: 'status as a name', text: runMeta(withLine('status', 'status: FAILED')), fast: true },
  { name: 'deleted', text: runMeta(withLine('lifecycle_stage', 'lifecycle_stage: deleted').concat('deleted_time: 1796550799999')), fast: true },
  { name: 'MLflow 3 fields', text: runMeta([...BASE, 'workspace: default', 'trace_location: null'].sort()), fast: true },
  { name: 'tags as a list of mappings', text: runMeta(withLine('tags', 'tags:\n- key: a\n  value: b')), fast: false },
  { name: 'a byte-order mark', text: `\ufeff${runMeta(BASE)}`, fast: false },
  { name: 'emoji in the name', text: runMeta(withLine('run_name', 'run_name: 🚀 launch')), fast: false },
  { name: 'right-to-left override in the name', text: runMeta(withLine('run_name', "run_name: 'a\u202eb'")), fast: true },
];

function backdate(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) backdate(full);
    utimesSync(full, HOUR_AGO, HOUR_AGO);
  }
}

describe('FileStore fast paths: same answers as the general paths', () => {
  describe('run meta.yaml read from its bytes', () => {
    it('parses odd but valid meta.yaml files as the YAML parser does, and takes the ones of the flat kind', () => {
      for (const { name, text, fast } of ODD_METAS) {
        const bytes = Buffer.from(text, 'utf8');
        const parsed = parseFlatMetaBytes(bytes);
        if (fast) assert.ok(parsed, `the fast path takes: ${name}`);
        else assert.equal(parsed, undefined, `the fast path leaves to YAML: ${name}`);
        if (parsed) assert.deepEqual(parsed, parseYaml(text), name);
      }
    });

    it('gives every odd run the RunInfo the YAML parser gives, through a fresh store and a warm one', async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'mlflow-filestore-odd-'));
      try {
        mkdirSync(path.join(root, '1'));
        writeFileSync(path.join(root, '1', 'meta.yaml'), 'artifact_location: file:///srv/mlruns/1\nexperiment_id: \'1\'\nlifecycle_stage: active\nname: odd\n');
        const expected = new Map<string, unknown>();
        ODD_METAS.forEach(({ text }, i) => {
          const runId = `${i.toString(16).padStart(2, '0')}${'a'.repeat(30)}`;
          mkdirSync(path.join(root, '1', runId, 'tags'), { recursive: true });
          writeFileSync(path.join(root, '1', runId, 'tags', 'mlflow.runName'), `tag-name-${i}`);
          const runText = text.replaceAll('RUN', runId);
          writeFileSync(path.join(root, '1', runId, 'meta.yaml'), runText);
          const info = runInfoFrom(parseYaml(runText.replace(/^\ufeff/, '')) as Record<string, unknown>, runId, '1');
          expected.set(runId, { ...info, runName: info.runName || `tag-name-${i}` });
        });
        backdate(root);
        const store = new FileStore(root);
        for (let pass = 0; pass < 2; pass++) {
          const page = await store.searchRuns({ experimentIds: ['1'], runViewType: 'ALL', maxResults: 1000 });
          assert.equal(page.items.length, ODD_METAS.length);
          for (const run of page.items) assert.deepEqual(run.info, expected.get(run.info.runId), `${ODD_METAS[parseInt(run.info.runId.slice(0, 2), 16)].name} (pass ${pass})`);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe('metric lines scanned in place', () => {
    const LINES = [
      '1000 0.5 3', '  1001\t0.25   4  ', '1002 nan 5', '1003 NaN', '1004 inf 6', '1005 -Infinity 7', '1006 1e5 8', '1007 1E-3 9',
      '1008 1e 10', '1009 abc 11', '1010.5 2 12', '1011 2 13.0', '-5 -0.5 -2', '-0 0 -0', '1234567890123456789 1 2', '123456789012345 1 2',
      '1012 2 14 3b2f1c dataset-digest', 'é 1 2', '1013 1 2\r', '', ' ', '1014', '1015 2 x', '1016 \uff12 3', '1017\u00a02 3', '00012 3 0007',
      '1018 +1.5 15', '1019 .5 16', '1020 5. 17', '1021 0x10 18', '1022 Infinity 19', '1023 +inf 20', '1024 2 -', '1025 - 1', '1026 --1 2',
    ];

    it('reads every line as parseMetricLine does, keeps MLflow\'s latest point, and leaves an unfinished line', () => {
      const text = `${LINES.join('\n')}\n1030 9 99`;
      const columns = new MetricColumns();
      const { latest, consumed } = appendMetricLines(Buffer.from(text, 'utf8'), 'm', undefined, columns);
      const expected = LINES.map((line) => parseMetricLine(line, 'm')).filter((m): m is Metric => m !== undefined);
      assert.deepEqual(columns.toMetrics('m'), expected);
      assert.equal(consumed, Buffer.byteLength(`${LINES.join('\n')}\n`));
      const best = expected.reduce((a, b) => (b.step > a.step || (b.step === a.step && (b.timestamp > a.timestamp || (b.timestamp === a.timestamp && b.value > a.value))) ? b : a));
      assert.deepEqual(latest, best);
    });

    it('reads values of every spelling and precision to the same double as Number()', () => {
      const random = seeded(3);
      const values: string[] = ['0.0', '-0.0', '1e22', '1e23', '9007199254740991', '9007199254740993', '0.1', '1.7976931348623157e308', '5e-324', '1e-22', '1e-23'];
      for (let i = 0; i < 3000; i++) {
        const x = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
        values.push(String(x), x.toFixed(Math.floor(random() * 12)), x.toExponential(Math.floor(random() * 17)), x.toPrecision(1 + Math.floor(random() * 21)));
      }
      const text = values.map((v, i) => `${1000 + i} ${v} ${i}\n`).join('');
      const columns = new MetricColumns();
      appendMetricLines(Buffer.from(text), 'm', undefined, columns);
      assert.equal(columns.length, values.length);
      values.forEach((v, i) => assert.ok(Object.is(columns.values[i], Number(v)), `${v}: ${columns.values[i]} is Number()'s ${Number(v)}`));
    });

    it('continues from a kept latest point and knows whether steps only increase', () => {
      const columns = new MetricColumns();
      let scan = appendMetricLines(Buffer.from('1 0.5 1\n2 0.4 2\n'), 'm', undefined, columns);
      assert.equal(columns.stepsIncreasing, true);
      scan = appendMetricLines(Buffer.from('3 0.3 2\n'), 'm', scan.latest, columns);
      assert.deepEqual(scan.latest, { key: 'm', value: 0.3, timestamp: 3, step: 2 });
      assert.equal(columns.stepsIncreasing, false);
      assert.equal(columns.stepsAscending, true);
      appendMetricLines(Buffer.from('4 0.2 0\n'), 'm', scan.latest, columns);
      assert.equal(columns.stepsAscending, false);
      assert.deepEqual([...columns.distinctSteps()], [0, 1, 2]);
    });
  });

  describe('sampling over columns', () => {
    function history(random: () => number, kind: 'increasing' | 'repeats' | 'shuffled', length: number, offset: number): Metric[] {
      const points: Metric[] = [];
      for (let i = 0; i < length; i++) {
        const step = kind === 'increasing' ? offset + i * 2 : kind === 'repeats' ? offset + Math.floor(i / 3) : Math.floor(random() * length) - 5;
        const roll = random();
        const value = roll < 0.05 ? Number.NaN : roll < 0.08 ? Number.POSITIVE_INFINITY : roll < 0.1 ? Number.NEGATIVE_INFINITY : Math.round(random() * 100) / 10;
        points.push({ key: 'loss', value, timestamp: 1000 + Math.floor(random() * 50), step });
      }
      return points;
    }

    it('chooses the same points as sampleHistories for runs of every shape and any window', () => {
      const random = seeded(15);
      for (let round = 0; round < 60; round++) {
        const histories = new Map<string, Metric[]>();
        const columns = new Map<string, MetricColumns | undefined>();
        const runs = 1 + Math.floor(random() * 4);
        for (let r = 0; r < runs; r++) {
          const kinds = ['increasing', 'repeats', 'shuffled'] as const;
          const points = r === 2 && round % 5 === 0 ? [] : history(random, kinds[Math.floor(random() * 3)], 1 + Math.floor(random() * 400), Math.floor(random() * 20));
          histories.set(`run${r}`, points);
          const c = new MetricColumns();
          for (const m of points) c.push(m.timestamp, m.value, m.step);
          columns.set(`run${r}`, c);
        }
        columns.set('missing', undefined);
        histories.set('missing', []);
        const windowed = random() < 0.5;
        const start = Math.floor(random() * 100) - 10;
        const window = { maxResults: 1 + Math.floor(random() * 60), ...(windowed ? { startStep: start, endStep: start + Math.floor(random() * 300) } : {}) };
        assert.deepEqual(sampleColumns(columns, 'loss', window), sampleHistories(histories, window), `round ${round}`);
      }
    });
  });

  describe('first pages ordered partially', () => {
    it('gives the page and the token a full stable sort gives, ties included', () => {
      const random = seeded(7);
      for (let round = 0; round < 40; round++) {
        const items = Array.from({ length: 50 + Math.floor(random() * 3000) }, (_, id) => ({ id, key: Math.floor(random() * 40) }));
        const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
        const maxResults = [0, 1, 7, 100][round % 4];
        const offset = [0, 0, 20, 300, 1500][round % 5];
        const token = offset ? createPageToken(offset) : undefined;
        const expected = pageOf([...items].sort(compare), token, maxResults);
        assert.deepEqual(pageOfOrdered([...items], compare, token, maxResults), expected, `round ${round}`);
      }
    });
  });

  describe('sliced synchronous reads', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), 'mlflow-filestore-io-'));
      cpSync(SOURCE, root, { recursive: true });
      backdate(root);
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('answers as the asynchronous reads do, first pass and kept', async () => {
      const sliced = new FileStore(root);
      const asynchronous = new FileStore(root, { cache: { io: { async: true } } });
      for (const query of [
        { experimentIds: [EXP], runViewType: 'ALL' as const },
        { experimentIds: [EXP], filter: 'metrics.loss < 1', orderBy: ['metrics.loss DESC'] },
      ]) {
        for (let pass = 0; pass < 2; pass++) assert.deepEqual(await sliced.searchRuns(query), await asynchronous.searchRuns(query));
      }
    });

    it('yields to the event loop once a slice is used up, and not before', async () => {
      const file = path.join(root, EXP, 'meta.yaml');
      for (const [sliceMs, yields] of [[1e9, false], [0, true]] as const) {
        const io = new SlicedIo({ sliceMs });
        let ranMeanwhile = false;
        setImmediate(() => {
          ranMeanwhile = true;
        });
        for (let i = 0; i < 20; i++) await io.stat(file);
        assert.equal(ranMeanwhile, yields, `slices of ${sliceMs} ms`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });

    it('goes asynchronous for good after slow calls in a row, not after one', async () => {
      const io = new SlicedIo({ slowMs: -1 });
      const file = path.join(root, EXP, 'meta.yaml');
      await io.stat(file);
      await io.read(file);
      assert.equal(io.asynchronous, false);
      await io.stat(file);
      assert.equal(io.asynchronous, true);
      assert.ok((await io.read(file))?.bytes.toString('utf8').includes('name:'));
      assert.equal(await io.stat(path.join(root, 'no-such-file')), undefined);
    });
  });
});
