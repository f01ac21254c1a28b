import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { selectSampledSteps, validateSampleWindow, MAX_SAMPLED_RESULTS_PER_RUN } from '../../src/mlflow/sampling';
import type { Experiment, FileInfo, Metric, Run } from '../../src/mlflow/types';
import { DatasetBuilder, emptyDataset, type Dataset } from './mlflowServer/dataset';
import type { Fault, FaultHook, RequestRecord } from './mlflowServer/server';

/**
 * What a hostile or merely enormous tracking server sends, for the "proof under fire" suites: text that
 * would run if any view treated it as markup or code, artifact names that point outside a download
 * folder, shell metacharacters, and datasets far larger than the views may ever fetch whole.
 * Only `node:` modules and `src/`, so unit, integration and e2e suites all import it.
 */

/**
 * What an executed payload does: set a flag the suites read in every frame, retitle the document, and
 * open a dialog (sandboxed webviews block the dialog silently, hence the other two markers).
 */
export const MARKER = "window.__pwned=1;document.title='PWNED';alert(1)";
export const PWNED_TITLE = 'PWNED';

export const PAYLOADS = {
  img: `<img src=x onerror="${MARKER}">`,
  script: `</script><script>${MARKER}</script>`,
  link: `<a href="javascript:${MARKER}">open</a> [open](javascript:alert(1)) javascript:alert(1)`,
  /** VS Code turns `[text](command:…)` in notifications into a link that runs the command when clicked. */
  commandLink: '[Run me](command:workbench.action.terminal.new)',
  angular: "{{constructor.constructor('window.__pwned=1;alert(1)')()}}",
  template: '${alert(1)}${window.__pwned=1}',
  long: `long:${'0123456789'.repeat(1_000)}`,
  control: 'ctl:\u0000\u0007\u001b[31mred\u001b[0m\r\n\t\u007f\u0085|',
  rtl: 'rtl:\u202Eexe.txt\u202C',
  emoji: 'emoji:🧪🔥👩‍👩‍👧‍👦🏳️‍🌈',
} as const;

export type PayloadName = keyof typeof PAYLOADS;
export const PAYLOAD_NAMES = Object.keys(PAYLOADS) as PayloadName[];

/** Shell metacharacters that must reach a child process as data, one argv element each. */
export const SHELL_METACHARACTERS = [
  '; rm -rf ~',
  '$(touch /tmp/pwned)',
  '`id`',
  'a && b || c',
  '| tee /tmp/pwned',
  '> /tmp/pwned < /etc/passwd',
  `'single' "double" \\back`,
  '*?[a-z]{1,2}~',
  '%PATH% ^& !VAR!',
  'line\nbreak',
  '--help',
  '-P x=1',
  ' leading and trailing ',
  '',
];

/**
 * Artifact names no download may write as given: traversal, absolute paths, Windows separators and
 * drives, invisible characters. Listed by a hostile server inside the folder being downloaded.
 */
export const ESCAPING_ARTIFACT_NAMES = [
  '../escape.txt',
  '../../../../../../tmp/escape.txt',
  '/etc/passwd',
  '/tmp/absolute.txt',
  '..\\escape.txt',
  '..\\..\\windows.txt',
  'C:\\Windows\\evil.txt',
  'c:evil.txt',
  'a/../../up.txt',
  'a/./dot.txt',
  'a//double.txt',
  'nul\u0000.txt',
  '\u202Egnp.exe',
];

export interface HostileIds {
  /** Experiment ids by what their name carries. */
  experiments: Record<'markup' | 'long' | 'mixed', string>;
  /** Runs of the `markup` experiment: each name starts with `<letter> ` so a test can find it. */
  runs: Record<'img' | 'script' | 'template', string>;
  /** The hostile metric keys every run logs (besides `loss`). */
  metricKeys: string[];
  /** Artifact paths of the `img` run. */
  artifacts: string[];
  /** Registered model whose name is the img payload, version 1 from the `img` run's model folder. */
  model: string;
  alias: string;
  /** A second model, named with template payloads. */
  otherModel: string;
}

/**
 * Every user-visible field carrying a payload: experiment names and descriptions, run names, params
 * (keys and values), tags, metric keys, artifact names, model names, aliases, descriptions and tags.
 */
export function hostileDataset(): { dataset: Dataset; ids: HostileIds } {
  const p = PAYLOADS;
  const b = new DatasetBuilder();
  const markup = b.experiment(`x ${p.img}`, { tags: { 'mlflow.note.content': `${p.script} ${p.link} ${p.angular}`, [p.img]: p.template } });
  const long = b.experiment(`y ${p.long}`);
  const mixed = b.experiment(`z ${p.rtl} ${p.emoji} ${p.control}`, { tags: { 'mlflow.note.content': p.long } });
  const params = { [p.img]: p.script, link: p.link, command: p.commandLink, angular: p.angular, template: p.template, long: p.long, control: p.control, rtl: p.rtl, emoji: p.emoji };
  const tags = { [p.script]: p.img, 'mlflow.note.content': `${p.img}\n${p.link}`, 'mlflow.user': p.script, 'mlflow.source.name': p.link, rtl: p.rtl };
  const metricKeys = [`m ${p.img}`, `m ${p.script}`, `m ${p.template}`];
  const runs = {
    img: b.run(markup, { runName: `a ${p.img}`, params, tags, userId: p.img }),
    script: b.run(markup, { runName: `b ${p.script}`, params, tags }),
    template: b.run(markup, { runName: `c ${p.angular} ${p.template} ${p.emoji}`, params, tags }),
  };
  for (const [i, runId] of Object.values(runs).entries()) {
    b.history(runId, 'loss', Array.from({ length: 40 }, (_, step) => 1 / (step + 1) + i / 10));
    for (const key of metricKeys) b.history(runId, key, Array.from({ length: 40 }, (_, step) => Math.sin(step / 5) + i));
  }
  b.run(long, { runName: `d ${p.long}`, params });
  b.run(mixed, { runName: `e ${p.control} ${p.rtl}`, tags });

  // No payload with a `/` here: it would split the name into folders.
  const artifacts = [`${p.img}.txt`, `folder ${p.img}/inner ${p.template}.json`, `${p.rtl}`, `${p.emoji}.png`, 'model/MLmodel'];
  for (const path of artifacts) {
    b.artifact(runs.img, path, path === 'model/MLmodel' ? 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n' : p.script);
  }
  const model = b.registeredModel(p.img, { description: `${p.script}\n${p.link}`, tags: { [p.img]: p.template } });
  b.modelVersion(model, { runId: runs.img, stage: 'Production', description: `${p.img} ${p.angular}`, tags: { [p.script]: p.link } });
  const alias = `al ${p.template}`;
  b.alias(model, alias, '1');
  const otherModel = b.registeredModel(`${p.angular} ${p.template}`, { description: p.long });
  b.modelVersion(otherModel, { runId: runs.script, description: p.control });
  return { dataset: b.build(), ids: { experiments: { markup, long, mixed }, runs, metricKeys, artifacts, model, alias, otherModel } };
}

// Enormous datasets, built directly (no per-object cloning) so 100,000 runs take well under a second.

const BASE_TIME = 1_790_000_000_000;

function experimentOf(experimentId: string, name: string): Experiment {
  return {
    experimentId,
    name,
    artifactLocation: `/srv/mlflow/artifacts/${experimentId}`,
    lifecycleStage: 'active',
    creationTime: BASE_TIME,
    lastUpdateTime: BASE_TIME + Number(experimentId),
    tags: {},
  };
}

/** A deterministic 32-hex run id for index `i`. */
export function loadRunId(i: number): string {
  return i.toString(16).padStart(32, '0');
}

function runOf(experimentId: string, i: number, metrics: Metric[] = []): Run {
  const runId = loadRunId(i);
  return {
    info: {
      runId,
      experimentId,
      runName: `run-${i}`,
      userId: 'load',
      status: 'FINISHED',
      startTime: BASE_TIME + i * 1000,
      endTime: BASE_TIME + i * 1000 + 500,
      artifactUri: `/srv/mlflow/artifacts/${experimentId}/${runId}/artifacts`,
      lifecycleStage: 'active',
    },
    data: { metrics, params: { index: String(i) }, tags: { 'mlflow.runName': `run-${i}` } },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

export function manyExperiments(count: number): Dataset {
  const dataset = emptyDataset();
  for (let i = 0; i < count; i++) dataset.experiments.push(experimentOf(String(i), `experiment-${String(i).padStart(5, '0')}`));
  return dataset;
}

export function manyRuns(count: number): Dataset {
  const dataset = emptyDataset();
  dataset.experiments.push(experimentOf('1', 'hundred-thousand-runs'));
  for (let i = 0; i < count; i++) dataset.runs.push(runOf('1', i));
  return dataset;
}

/** One run with `count` files side by side in `shards/` (and an MLmodel beside them). */
export function manyArtifacts(count: number): { dataset: Dataset; runId: string } {
  const dataset = emptyDataset();
  dataset.experiments.push(experimentOf('1', 'many-artifacts'));
  const run = runOf('1', 1);
  dataset.runs.push(run);
  const bytes = new Uint8Array([0x31]);
  dataset.artifacts[run.info.runId] = Array.from({ length: count }, (_, i) => ({ path: `shards/part-${String(i).padStart(5, '0')}.bin`, bytes }));
  return { dataset, runId: run.info.runId };
}

/** A value every run logs at every step, so answers can be checked without holding the points. */
export function syntheticValue(runIndex: number, step: number): number {
  return Math.round((Math.exp(-step / 20_000) + runIndex / 100 + Math.sin(step / 500) / 50) * 1e6) / 1e6;
}

export interface LongHistories {
  dataset: Dataset;
  runIds: string[];
  metricKey: string;
  /** Serves get-history-bulk-interval for these runs without holding runs × steps points. */
  faults: FaultHook;
  /** Body bytes the hook has answered with so far. */
  readonly sentBytes: number;
}

/**
 * `runs` runs that each logged `metricKey` at steps 0…steps-1. The points exist only as a formula:
 * the hook answers MLflow's sampled endpoint with exactly what the server's route would send for such
 * histories (same step selection, same JSON; test/unit/loadData.test.ts compares them), and leaves every
 * other request (get-history included) to the server, which holds no points for these runs.
 */
export function longHistories(runs: number, steps: number, metricKey = 'loss'): LongHistories {
  const dataset = emptyDataset();
  dataset.experiments.push(experimentOf('1', 'long-histories'));
  const index = new Map<string, number>();
  for (let i = 0; i < runs; i++) {
    const last: Metric = { key: metricKey, value: syntheticValue(i, steps - 1), timestamp: BASE_TIME + (steps - 1) * 1000, step: steps - 1 };
    const run = runOf('1', i, [last]);
    dataset.runs.push(run);
    index.set(run.info.runId, i);
  }
  // One history's steps stand for all: every run has the same ones, so the union is the same too.
  const template: Metric[] = Array.from({ length: steps }, (_, step) => ({ key: metricKey, value: 0, timestamp: 0, step }));
  const hook = { sentBytes: 0 };
  const faults: FaultHook = (request: RequestRecord): Fault | undefined => {
    if (!request.path.endsWith('/metrics/get-history-bulk-interval')) return undefined;
    const runIds = request.query.run_ids ?? [];
    if (request.query.metric_key?.[0] !== metricKey || runIds.length === 0 || !runIds.every((id) => index.has(id))) return undefined;
    const int = (name: string): number | undefined => (request.query[name]?.[0] === undefined ? undefined : Number(request.query[name]?.[0]));
    const window = { maxResults: int('max_results') ?? MAX_SAMPLED_RESULTS_PER_RUN, startStep: int('start_step'), endStep: int('end_step') };
    try {
      validateSampleWindow(window, runIds.length);
    } catch {
      return undefined; // the route answers with the server's validation message
    }
    const chosen = [...selectSampledSteps([template], window)].sort((a, b) => a - b);
    const metrics = runIds.flatMap((runId) =>
      chosen.map((step) => ({ key: metricKey, value: syntheticValue(index.get(runId) ?? 0, step), timestamp: BASE_TIME + step * 1000, step, run_id: runId })),
    );
    const body = JSON.stringify(metrics.length ? { metrics } : {}, null, 2);
    hook.sentBytes += Buffer.byteLength(body);
    return { status: 200, body, contentType: 'application/json' };
  };
  return {
    dataset,
    runIds: [...index.keys()],
    metricKey,
    faults,
    get sentBytes() {
      return hook.sentBytes;
    },
  };
}

/** A hostile `artifacts/list` answer: `files` listed as if inside `folder`, whatever their names. */
export function listingReply(rootUri: string, files: readonly FileInfo[]): Fault {
  return {
    status: 200,
    body: { root_uri: rootUri, files: files.map((f) => (f.isDir ? { path: f.path, is_dir: true } : { path: f.path, is_dir: false, file_size: f.fileSize ?? 0 })) },
  };
}

// A loopback proxy that sees what the client does to its connections.

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query as the client sent them. */
  readonly url: string;
  /** The client closed the connection before the answer was complete (a cancelled request). */
  closedEarly: boolean;
  /** The proxy cut the answer's body short on purpose. */
  cut: boolean;
  finished: boolean;
}

export interface WatchingProxy {
  readonly baseUrl: string;
  readonly requests: ProxiedRequest[];
  /** Return a byte count to forward only that much of a 2xx answer's body, then reset the connection. */
  cutBody: ((url: string) => number | undefined) | undefined;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` (an MlflowServer's base URL) and records, per request, whether the
 * client hung up before the answer was complete: the server side of "closing the panel cancels its
 * request". It can also cut an answer mid-body, which no status or fault of the test server can do.
 */
export async function startWatchingProxy(target: string): Promise<WatchingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: false });
  const proxy: WatchingProxy = { baseUrl: '', requests: [], cutBody: undefined, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', closedEarly: false, cut: false, finished: false };
    proxy.requests.push(record);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        const limit = status >= 200 && status < 300 ? proxy.cutBody?.(record.url) : undefined;
        res.writeHead(status, answer.headers);
        if (limit === undefined) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (record.cut) return;
          const part = chunk.subarray(0, Math.max(0, limit - sent));
          sent += part.length;
          if (part.length) res.write(part);
          if (sent >= limit) {
            record.cut = true;
            res.socket?.resetAndDestroy();
            forward.destroy();
          }
        });
        answer.on('end', () => res.end());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
    res.on('finish', () => (record.finished = true));
    res.on('close', () => {
      if (!record.finished && !record.cut) {
        record.closedEarly = true;
        forward.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  });
}
