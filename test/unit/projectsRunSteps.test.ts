import assert from 'node:assert/strict';
import type { EntryPoint } from '../../src/mlproject/types';
import type { LaunchSpec } from '../../src/projects/launchSpec';
import { initialValues, RememberedRuns, type StateStore } from '../../src/projects/rememberedRuns';
import { parameterPrompt, planRunSteps, walkSteps, type RunStep, type StepOutcome } from '../../src/projects/runSteps';

const MAIN: EntryPoint = {
  name: 'main',
  implicit: false,
  parameters: [
    { name: 'alpha', type: 'float', default: '0.5' },
    { name: 'epochs', type: 'int' },
    { name: 'data', type: 'path', default: 'data.csv' },
  ],
};

function memento(): StateStore & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string) => values.get(key) as T | undefined,
    update: async (key: string, value: unknown) => void values.set(key, JSON.parse(JSON.stringify(value))),
  };
}

const spec = (overrides: Partial<LaunchSpec> = {}): LaunchSpec => ({
  projectDir: '/ws/p',
  projectLabel: 'p',
  entryPoint: 'main',
  params: { epochs: '3' },
  envManager: 'local',
  ...overrides,
});

describe('projects: quick input step plan', () => {
  const kinds = (steps: RunStep[]) => steps.map((s) => (s.kind === 'parameter' ? `parameter:${s.parameter.name}` : s.kind));

  it('asks for the project only when there are several, and for each parameter once the entry point is known', () => {
    assert.deepEqual(kinds(planRunSteps({ chooseProject: true, chooseEntryPoint: true })), ['project', 'entryPoint', 'experiment', 'runName', 'envManager']);
    assert.deepEqual(kinds(planRunSteps({ chooseProject: false, chooseEntryPoint: true, entryPoint: MAIN })), [
      'entryPoint', 'parameter:alpha', 'parameter:epochs', 'parameter:data', 'experiment', 'runName', 'envManager',
    ]);
    // A CodeLens names project and entry point: only the values are asked.
    assert.deepEqual(kinds(planRunSteps({ chooseProject: false, chooseEntryPoint: false, entryPoint: MAIN })), [
      'parameter:alpha', 'parameter:epochs', 'parameter:data', 'experiment', 'runName', 'envManager',
    ]);
  });

  it('prompts with type and default, or says the value is required', () => {
    assert.equal(parameterPrompt(MAIN.parameters[0]), 'alpha (float, default 0.5)');
    assert.equal(parameterPrompt(MAIN.parameters[1]), 'epochs (int, required)');
    assert.equal(parameterPrompt({ name: 's', type: 'string', default: '' }), "s (string, default '')");
  });

  it('walks forward, goes back a step, stays on the first step on Back, and re-plans after each step', async () => {
    let entryPoint: EntryPoint | undefined;
    const visited: string[] = [];
    const script: StepOutcome[] = ['back', 'next', 'next', 'back', 'next', 'next', 'next', 'next', 'next', 'next', 'next'];
    const done = await walkSteps(
      () => planRunSteps({ chooseProject: false, chooseEntryPoint: true, entryPoint }),
      async (step, index, total) => {
        visited.push(`${index + 1}/${total} ${step.kind === 'parameter' ? step.parameter.name : step.kind}`);
        const outcome = script.shift() ?? 'cancel';
        // As in the wizard: the entry point counts once it was accepted.
        if (step.kind === 'entryPoint' && outcome === 'next') entryPoint = MAIN;
        return outcome;
      },
    );
    assert.equal(done, true);
    assert.deepEqual(visited, [
      '1/4 entryPoint', // Back on the first step: nowhere to go
      '1/4 entryPoint',
      '2/7 alpha',
      '3/7 epochs', // Back
      '2/7 alpha',
      '3/7 epochs',
      '4/7 data',
      '5/7 experiment',
      '6/7 runName',
      '7/7 envManager',
    ]);
  });

  it('stops at once on Escape', async () => {
    const visited: RunStep['kind'][] = [];
    const done = await walkSteps(
      () => planRunSteps({ chooseProject: true, chooseEntryPoint: true }),
      async (step) => {
        visited.push(step.kind);
        return step.kind === 'entryPoint' ? 'cancel' : 'next';
      },
    );
    assert.equal(done, false);
    assert.deepEqual(visited, ['project', 'entryPoint']);
  });
});

describe('projects: remembered values', () => {
  it('prefills the last values for this project and entry point, else the defaults', async () => {
    const state = memento();
    const remembered = new RememberedRuns(state);
    assert.deepEqual(initialValues(MAIN, remembered.get('/ws/p', 'main')), { alpha: '0.5', epochs: '', data: 'data.csv' });
    await remembered.remember(spec({ params: { epochs: '3', alpha: '0.1' }, experimentName: 'sweep', envManager: 'uv' }));
    const last = remembered.get('/ws/p', 'main');
    assert.deepEqual(last, { params: { epochs: '3', alpha: '0.1' }, experimentName: 'sweep', envManager: 'uv' });
    assert.deepEqual(initialValues(MAIN, last), { alpha: '0.1', epochs: '3', data: 'data.csv' });
    assert.equal(remembered.get('/ws/p', 'validate'), undefined);
    assert.equal(remembered.get('/ws/other', 'main'), undefined);
  });

  it('keeps the last launch for Run Again, exactly', async () => {
    const remembered = new RememberedRuns(memento());
    assert.equal(remembered.lastLaunch(), undefined);
    const first = spec({ runName: 'r1' });
    const second = spec({ entryPoint: 'validate', params: { threshold: '0.7' }, experimentName: '$(id)' });
    await remembered.remember(first);
    await remembered.remember(second);
    assert.deepEqual(remembered.lastLaunch(), second);
  });

  it('ignores malformed state and keeps only the 50 most recent entries', async () => {
    const state = memento();
    state.values.set('mlflow.projects.lastLaunch', { projectDir: '/p', entryPoint: 'main', envManager: 'pip' });
    state.values.set('mlflow.projects.lastValues', { [JSON.stringify(['/p', 'main'])]: { params: { a: 1, b: 'x' }, envManager: 'pip', at: 0 } });
    const remembered = new RememberedRuns(state);
    assert.equal(remembered.lastLaunch(), undefined);
    assert.deepEqual(remembered.get('/p', 'main'), { params: { b: 'x' } });
    for (let i = 0; i < 60; i++) await remembered.remember(spec({ projectDir: `/ws/p${i}` }), 1_000 + i);
    const stored = state.values.get('mlflow.projects.lastValues') as Record<string, unknown>;
    assert.equal(Object.keys(stored).length, 50);
    assert.ok(remembered.get('/ws/p59', 'main'));
    assert.equal(remembered.get('/ws/p9', 'main'), undefined);
  });
});
