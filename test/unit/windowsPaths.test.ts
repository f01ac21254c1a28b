import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { mlflowCandidates, pathCandidates } from '../../src/environment/core/mlflowLookup';
import { parseTrackingUri, resolveTrackingUri } from '../../src/mlflow/connection';
import { fileUriToPath, isAbsoluteOn, pathToFileUri } from '../../src/mlflow/platformPaths';
import { backendStoreUri, defaultArtifactRoot, localStoreFromTrackingUri } from '../../src/trackingServer/localStore';
import { windowsTreeKill } from '../../src/trackingServer/processGroup';
import { parseMlproject } from '../../src/mlproject/parse';
import { parseMlmodel } from '../../src/serving/mlmodel';

const fixtures = path.join(__dirname, '../fixtures');

/**
 * No Windows machine runs these tests: the Windows forms of store paths and URIs are decided by the same
 * code with `platform: 'win32'`, which uses Node's path.win32 and its Windows file-URL rules.
 */

const only = (...paths: string[]) => (p: string): boolean => paths.includes(p);

describe('Windows paths and URIs of local stores (path.win32, tested on Linux)', () => {
  it('finds mlflow.db and mlruns in a C:\\ workspace and writes the URIs MLflow writes there', () => {
    const ws = 'C:\\Users\\ana\\proj';
    assert.equal(
      resolveTrackingUri({ env: {}, workspaceFolders: [ws], exists: only('C:\\Users\\ana\\proj\\mlflow.db'), platform: 'win32' }),
      'sqlite:///C:/Users/ana/proj/mlflow.db',
    );
    assert.equal(
      resolveTrackingUri({ env: {}, workspaceFolders: [ws], exists: only('C:\\Users\\ana\\proj\\mlruns'), platform: 'win32' }),
      'file:///C:/Users/ana/proj/mlruns',
    );
  });

  it('reads sqlite:/// and file:/// URIs of C:\\ stores back as Windows paths, relative ones against the workspace', () => {
    const options = { baseDir: 'C:\\Users\\ana\\proj', platform: 'win32' as const };
    assert.deepEqual(parseTrackingUri('sqlite:///C:/data/mlflow.db', options), { kind: 'sqlite', path: 'C:\\data\\mlflow.db' });
    assert.deepEqual(parseTrackingUri('sqlite:///mlflow.db', options), { kind: 'sqlite', path: 'C:\\Users\\ana\\proj\\mlflow.db' });
    assert.deepEqual(parseTrackingUri('file:///C:/Users/ana/My%20Runs/mlruns', options), { kind: 'file', path: 'C:\\Users\\ana\\My Runs\\mlruns' });
    assert.deepEqual(parseTrackingUri('C:\\data\\mlruns', options), { kind: 'file', path: 'C:\\data\\mlruns' });
    assert.deepEqual(parseTrackingUri('.\\mlruns', options), { kind: 'file', path: 'C:\\Users\\ana\\proj\\mlruns' });
  });

  it('gives `mlflow server` the store and artifact root of a C:\\ store in the forms MLflow takes', () => {
    const sqlite = localStoreFromTrackingUri('sqlite:///C:/Users/ana/proj/mlflow.db', 'C:\\Users\\ana\\proj', 'win32');
    assert.deepEqual(sqlite, { kind: 'sqlite', location: 'C:\\Users\\ana\\proj\\mlflow.db' });
    assert.equal(backendStoreUri(sqlite!, 'win32'), 'sqlite:///C:/Users/ana/proj/mlflow.db');
    assert.equal(defaultArtifactRoot(sqlite!, 'win32'), 'C:\\Users\\ana\\proj\\mlruns');

    const file = localStoreFromTrackingUri('file:///C:/Users/ana/proj/mlruns', 'C:\\Users\\ana\\proj', 'win32');
    assert.deepEqual(file, { kind: 'file', location: 'C:\\Users\\ana\\proj\\mlruns' });
    assert.equal(backendStoreUri(file!, 'win32'), 'file:///C:/Users/ana/proj/mlruns');

    // MLflow 3 writes a plain relative path as its default; a drive letter is not a URI scheme.
    assert.deepEqual(localStoreFromTrackingUri('mlflow.db', 'D:\\w', 'win32'), { kind: 'sqlite', location: 'D:\\w\\mlflow.db' });
    assert.deepEqual(localStoreFromTrackingUri('D:\\w\\mlruns', 'C:\\x', 'win32'), { kind: 'file', location: 'D:\\w\\mlruns' });
    assert.equal(localStoreFromTrackingUri('http://127.0.0.1:5000', 'C:\\x', 'win32'), undefined);
  });

  it('converts between file URIs and paths per platform, percent-encoding what a URI cannot carry', () => {
    assert.equal(pathToFileUri('C:\\a b\\#1\\mlruns', 'win32'), 'file:///C:/a%20b/%231/mlruns');
    assert.equal(fileUriToPath('file:///C:/a%20b/%231/mlruns', 'win32'), 'C:\\a b\\#1\\mlruns');
    assert.equal(pathToFileUri('/a b/#1/mlruns', 'posix'), 'file:///a%20b/%231/mlruns');
    assert.equal(fileUriToPath('file:///a%20b/mlruns', 'posix'), '/a b/mlruns');
    assert.throws(() => fileUriToPath('file://server/share/mlruns', 'posix'));
    assert.equal(isAbsoluteOn('C:\\x', 'win32'), true);
    assert.equal(isAbsoluteOn('C:/x', 'posix'), true);
    assert.equal(isAbsoluteOn('x\\y', 'win32'), false);
  });

  it('stops a server\'s whole process tree on Windows with taskkill /T /F, as an argv', () => {
    assert.deepEqual(windowsTreeKill(4242), ['taskkill', ['/pid', '4242', '/T', '/F']]);
    assert.throws(() => windowsTreeKill(0), /not a process id/);
    assert.throws(() => windowsTreeKill(Number.NaN), /not a process id/);
  });
});

describe('CRLF line endings (files saved on Windows) read as the LF originals', () => {
  const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

  it('an MLproject: same entry points, parameters and commands, no \\r in a command', () => {
    const text = readFileSync(path.join(fixtures, 'mlflow-2.17.2/mlproject-tiny/MLproject'), 'utf8');
    const multiLine = `${text}\n  multi:\n    command: |\n      python train.py\n      --alpha 1\n`;
    for (const source of [text, multiLine]) {
      const lf = parseMlproject(source);
      const windows = parseMlproject(crlf(source));
      assert.deepEqual(windows.project, lf.project);
      assert.equal(windows.diagnostics.length, lf.diagnostics.length);
      assert.doesNotMatch(JSON.stringify(windows.project), /\\r/);
    }
  });

  it('an MLmodel: same flavors, signature and input example', () => {
    const text = readFileSync(path.join(fixtures, 'mlflow-2.17.2/file-store/mlruns/182273013215512486/70e2bcd4ba364ee190dacfcb0b67c517/artifacts/model/MLmodel'), 'utf8');
    const lf = parseMlmodel(text);
    assert.ok(lf.model?.signature, 'the fixture has a signature');
    assert.deepEqual(parseMlmodel(crlf(text)), lf);
  });
});

describe('finding mlflow on Windows and POSIX (the same lookup, platform as an argument)', () => {
  it("looks in the selected interpreter's Scripts\\mlflow.exe on Windows, bin/mlflow elsewhere", () => {
    assert.deepEqual(mlflowCandidates('C:\\Users\\ana\\proj\\.venv\\Scripts\\python.exe', undefined, 'win32').slice(0, 2), [
      'C:\\Users\\ana\\proj\\.venv\\Scripts\\Scripts\\mlflow.exe',
      'C:\\Users\\ana\\proj\\.venv\\Scripts\\mlflow.exe',
    ]);
    // A conda base interpreter sits in the prefix: <prefix>\Scripts\mlflow.exe.
    assert.ok(mlflowCandidates('C:\\conda\\python.exe', 'C:\\conda', 'win32').includes('C:\\conda\\Scripts\\mlflow.exe'));
    assert.deepEqual(mlflowCandidates('/w/.venv/bin/python', undefined, 'linux').slice(0, 2), ['/w/.venv/bin/mlflow', '/w/.venv/bin/bin/mlflow']);
    assert.ok(mlflowCandidates('/opt/conda/envs/x', '/opt/conda/envs/x', 'darwin').includes('/opt/conda/envs/x/bin/mlflow'));
  });

  it('on PATH takes only mlflow.exe on Windows (no .cmd through a shell) and never a relative folder', () => {
    assert.deepEqual(pathCandidates('mlflow', 'C:\\Python\\Scripts;;.\\tools;D:\\bin', 'win32'), ['C:\\Python\\Scripts\\mlflow.exe', 'D:\\bin\\mlflow.exe']);
    assert.deepEqual(pathCandidates('mlflow', '/usr/bin::./bin:/opt/x', 'linux'), ['/usr/bin/mlflow', '/opt/x/mlflow']);
  });
});
