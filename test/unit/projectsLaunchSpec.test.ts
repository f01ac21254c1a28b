import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMlflowRunArgv } from '../../src/mlproject/runArgv';
import { parseMlproject } from '../../src/mlproject/parse';
import type { EntryPoint, MlProject } from '../../src/mlproject/types';
import { defaultEnvManager, displayCommand, paramsToPass, projectLabel, terminalName } from '../../src/projects/launchSpec';
import { checkTaskDefinition, launchSpecFromTask, taskDefinitionFor, taskProjectDir, type MlflowTaskDefinition } from '../../src/projects/taskDefinition';

const TINY = join(__dirname, '..', 'fixtures', 'mlflow-2.17.2', 'mlproject-tiny');
const tiny = (): MlProject => parseMlproject(readFileSync(join(TINY, 'MLproject'), 'utf8'), { exists: () => true }).project;
const main = (): EntryPoint => {
  const entryPoint = tiny().entryPoints.find((e) => e.name === 'main');
  assert.ok(entryPoint);
  return entryPoint;
};
const task = (overrides: Partial<MlflowTaskDefinition> = {}): MlflowTaskDefinition => ({ type: 'mlflow', project: 'mlproject-tiny', entryPoint: 'main', ...overrides });

describe('projects: launch spec helpers', () => {
  it('passes only values MLflow needs: changed, required and undeclared ones', () => {
    const values = { alpha: '0.5', l1_ratio: '0.2', max_iter: '1000', run_label: '', data_path: 'data.csv', extra: 'x' };
    assert.deepEqual(paramsToPass(main(), values), { l1_ratio: '0.2', run_label: '', extra: 'x' });
    const required: EntryPoint = { name: 'e', implicit: false, parameters: [{ name: 'n', type: 'int' }] };
    assert.deepEqual(paramsToPass(required, { n: '3' }), { n: '3' });
  });

  it("defaults --env-manager to what `mlflow run` picks for the project's environment", () => {
    assert.equal(defaultEnvManager({ kind: 'python_env', file: 'python_env.yaml', declared: true }), 'virtualenv');
    assert.equal(defaultEnvManager({ kind: 'conda_env', file: 'conda.yaml', declared: false }), 'conda');
    assert.equal(defaultEnvManager({ kind: 'none' }), 'virtualenv');
    assert.equal(defaultEnvManager({ kind: 'docker_env', image: 'x', volumes: [] }), 'local');
  });

  it('names the project and its terminal', () => {
    assert.equal(projectLabel(tiny(), TINY), 'tiny-elasticnet');
    assert.equal(projectLabel({ entryPoints: [], environment: { kind: 'none' } }, '/work/my-proj'), 'my-proj');
    assert.equal(terminalName({ projectLabel: 'tiny-elasticnet', entryPoint: 'main' }), 'MLflow run: tiny-elasticnet/main');
  });

  it('displays an argv the way a POSIX shell would need it, without changing it', () => {
    const argv = ['run', '/p', '-P', 'label=; rm -rf ~', '-P', "q=it's", '-P', 'n=a\nb', '--run-name', '$(id)'];
    assert.equal(displayCommand('/usr/bin/mlflow', argv), "/usr/bin/mlflow run /p -P 'label=; rm -rf ~' -P 'q=it'\\''s' -P $'n=a\\nb' --run-name '$(id)'");
  });
});

describe('projects: mlflow task definitions', () => {
  it('checks what a hand-written tasks.json entry can get wrong', () => {
    assert.equal(checkTaskDefinition(task()), undefined);
    assert.equal(checkTaskDefinition(task({ parameters: { alpha: '0.3' }, experimentName: 'x', envManager: 'uv' })), undefined);
    assert.match(checkTaskDefinition({ type: 'mlflow', entryPoint: 'main' }) ?? '', /needs "project"/);
    assert.match(checkTaskDefinition({ type: 'mlflow', project: '.' }) ?? '', /needs "entryPoint"/);
    assert.match(checkTaskDefinition(task({ parameters: ['a'] as unknown as Record<string, string> })) ?? '', /"parameters" must be an object/);
    assert.match(checkTaskDefinition(task({ parameters: { a: {} } as unknown as Record<string, string> })) ?? '', /Parameter "a" must be a string/);
    assert.match(checkTaskDefinition(task({ envManager: 'pip' })) ?? '', /"envManager" must be one of local, virtualenv, conda, uv \(not "pip"\)/);
  });

  it('resolves the project folder against the workspace folder, and lists tasks relative to it', () => {
    assert.equal(taskProjectDir({ project: 'mlproject-tiny' }, '/ws'), '/ws/mlproject-tiny');
    assert.equal(taskProjectDir({ project: '.' }, '/ws'), '/ws');
    assert.equal(taskProjectDir({ project: '/abs/p' }, undefined), '/abs/p');
    assert.equal(taskProjectDir({ project: 'rel' }, undefined), undefined);
    assert.deepEqual(taskDefinitionFor('/ws/a/b', '/ws', 'main'), { type: 'mlflow', project: 'a/b', entryPoint: 'main' });
    assert.deepEqual(taskDefinitionFor('/ws', '/ws', 'main'), { type: 'mlflow', project: '.', entryPoint: 'main' });
    assert.deepEqual(taskDefinitionFor('/elsewhere/p', '/ws', 'main'), { type: 'mlflow', project: '/elsewhere/p', entryPoint: 'main' });
  });

  it('turns a definition into the launch, with the argv MLflow gets', () => {
    const planned = launchSpecFromTask(task({ parameters: { alpha: '0.3', max_iter: 1000 as unknown as string }, experimentName: 'nightly' }), TINY, tiny());
    assert.ok(planned.ok);
    assert.deepEqual(planned.spec, {
      projectDir: TINY,
      projectLabel: 'tiny-elasticnet',
      entryPoint: 'main',
      params: { alpha: '0.3' },
      envManager: 'virtualenv',
      experimentName: 'nightly',
    });
    assert.deepEqual(buildMlflowRunArgv({ ...planned.spec, version: '2.17.2' }), [
      'run', TINY, '-e', 'main', '-P', 'alpha=0.3', '--experiment-name', 'nightly', '--env-manager', 'virtualenv',
    ]);
  });

  it('refuses unknown entry points and values that do not fit their type before anything starts', () => {
    const unknown = launchSpecFromTask(task({ entryPoint: 'train' }), TINY, tiny());
    assert.deepEqual(unknown, { ok: false, message: `The MLproject in ${TINY} has no entry point 'train' (declared: main, validate), and it is not a .py or .sh file.` });
    const bad = launchSpecFromTask(task({ parameters: { alpha: 'abc', max_iter: '1.5' } }), TINY, tiny());
    assert.deepEqual(bad, { ok: false, message: "'abc' is not a number. '1.5' is not an integer." });
    const script = launchSpecFromTask(task({ entryPoint: 'train.py', envManager: 'local' }), TINY, tiny());
    assert.ok(script.ok && script.spec.entryPoint === 'train.py' && script.spec.envManager === 'local');
  });
});
