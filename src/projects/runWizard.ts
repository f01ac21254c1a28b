import * as path from 'node:path';
import * as vscode from 'vscode';
import { implicitEntryPoint, resolveEntryPoint } from '../mlproject/entryPoints';
import type { EnvManager } from '../mlproject/mlflowCli';
import { checkParamValue } from '../mlproject/paramValues';
import type { EntryPoint, ParameterSpec } from '../mlproject/types';
import { defaultEnvManager, paramsToPass, type LaunchSpec } from './launchSpec';
import type { ProjectFile } from './projectFiles';
import { showInputStep, showPickStep, type StepButton, type StepFrame } from './quickInputSteps';
import { initialValues, rememberKey, type RememberedRuns } from './rememberedRuns';
import { parameterPrompt, planRunSteps, walkSteps, type RunStep, type StepOutcome } from './runSteps';

export interface RunWizardInput {
  /** The MLprojects to choose from (one: no project step). */
  projects: readonly ProjectFile[];
  /** Given by a CodeLens: skips the entry point step. */
  entryPoint?: string;
  /** What `mlflow run --env-manager` accepts in the installed version. */
  envManagers: readonly EnvManager[];
  /** Which Python environment `local` means: the one the mlflow executable belongs to, named in the step. */
  localEnvironment: string;
  remembered: RememberedRuns;
  /** Names of the connected store's experiments; undefined when no store is connected. */
  experiments: (() => Promise<readonly ExperimentChoice[]>) | undefined;
  /** `.py` / `.sh` files of a project, offered as implicit entry points. */
  scripts: (project: ProjectFile) => Promise<readonly string[]>;
  /** Says why a chosen project's MLproject can't be run (the wizard ends there). */
  unreadable: (project: ProjectFile) => void;
}

export interface ExperimentChoice {
  name: string;
  experimentId: string;
}

interface WizardState {
  project: ProjectFile | undefined;
  entryPoint: EntryPoint | undefined;
  /** Which project and entry point `values` were filled for, so Back and the same choice keep edits. */
  valuesFor: string | undefined;
  values: Record<string, string>;
  experimentName: string | undefined;
  runName: string;
  envManager: EnvManager | undefined;
}

type EntryItem = vscode.QuickPickItem & { entryPoint?: EntryPoint };
type ExperimentItem = vscode.QuickPickItem & { experimentName: string | undefined };
type EnvItem = vscode.QuickPickItem & { envManager: EnvManager };

const BROWSE: StepButton = { id: 'browse', iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: 'Browse…' };
const ENV_DESCRIPTIONS: Record<EnvManager, string> = {
  local: 'nothing is installed',
  virtualenv: "a virtualenv built from the project's python_env (needs pyenv)",
  uv: "an environment built with uv from the project's python_env",
  conda: "a conda environment built from the project's conda.yaml",
};

/**
 * "Run MLproject…": project, entry point, one step per parameter (prefilled with the last values used,
 * typed values checked as they are typed), experiment, run name, environment manager. Escape cancels
 * at any step, Back returns to the previous one. Resolves with the launch, or undefined on cancel.
 */
export async function askRunSpec(input: RunWizardInput): Promise<LaunchSpec | undefined> {
  const single = input.projects.length === 1 ? input.projects[0] : undefined;
  const state: WizardState = { project: single, entryPoint: undefined, valuesFor: undefined, values: {}, experimentName: undefined, runName: '', envManager: undefined };
  if (single && input.entryPoint !== undefined) selectEntryPoint(state, resolveEntryPoint(single.project, input.entryPoint), input.remembered);

  const plan = (): RunStep[] =>
    planRunSteps({ chooseProject: !single, chooseEntryPoint: !(single && input.entryPoint !== undefined), entryPoint: state.entryPoint });
  const finished = await walkSteps(plan, (step, index, total) => {
    const frame: StepFrame = { title: `Run MLproject${state.project ? `: ${state.project.label}` : ''}`, step: index + 1, totalSteps: total };
    return runStep(step, frame, state, input);
  });
  const { project, entryPoint, envManager } = state;
  if (!finished || !project || !entryPoint || !envManager) return undefined;
  const spec: LaunchSpec = {
    projectDir: project.dir,
    projectLabel: project.label,
    entryPoint: entryPoint.name,
    params: paramsToPass(entryPoint, state.values),
    envManager,
  };
  if (state.experimentName !== undefined) spec.experimentName = state.experimentName;
  if (state.runName.trim() !== '') spec.runName = state.runName.trim();
  return spec;
}

async function runStep(step: RunStep, frame: StepFrame, state: WizardState, input: RunWizardInput): Promise<StepOutcome> {
  switch (step.kind) {
    case 'project': {
      const result = await showPickStep(frame, {
        placeholder: 'Which MLproject?',
        items: input.projects.map((project) => ({
          label: project.label,
          description: vscode.workspace.asRelativePath(project.dir),
          ...(project.problem ? { detail: '$(error) Its MLproject cannot be read: choose it to see why' } : {}),
          project,
        })),
        active: (item) => item.project === state.project,
      });
      if (result.kind !== 'accept') return result.kind;
      if (state.project !== result.item.project) state.entryPoint = undefined;
      state.project = result.item.project;
      return 'next';
    }
    case 'entryPoint':
      return pickEntryPoint(frame, state, input);
    case 'parameter':
      return askParameter(frame, step.parameter, state);
    case 'experiment':
      return pickExperiment(frame, state, input);
    case 'runName': {
      const result = await showInputStep(frame, { prompt: 'Run name (optional)', value: state.runName, placeholder: 'Empty: MLflow picks a name' });
      if (result.kind === 'back' || result.kind === 'cancel') return result.kind;
      state.runName = result.value;
      return 'next';
    }
    case 'envManager':
      return pickEnvManager(frame, state, input);
  }
}

async function pickEntryPoint(frame: StepFrame, state: WizardState, input: RunWizardInput): Promise<StepOutcome> {
  const project = state.project;
  if (!project) return 'back';
  if (project.problem) {
    // MLflow can't load the file, so neither a declared entry point nor a script of the project runs.
    input.unreadable(project);
    return 'cancel';
  }
  const declared: EntryItem[] = project.project.entryPoints.map((entryPoint) => ({
    label: entryPoint.name,
    description: entryPoint.parameters.map((p) => p.name).join(', ') || 'no parameters',
    detail: entryPoint.command,
    entryPoint,
  }));
  const items = input.scripts(project).then((scripts): EntryItem[] => {
    const implicit = scripts.flatMap((file) => {
      const entryPoint = implicitEntryPoint(file);
      return entryPoint ? [{ label: file, description: entryPoint.command, entryPoint }] : [];
    });
    const separator: EntryItem = { label: 'Scripts, run without an MLproject entry', kind: vscode.QuickPickItemKind.Separator };
    return implicit.length ? [...declared, separator, ...implicit] : declared;
  });
  const result = await showPickStep(frame, {
    placeholder: `Entry point of ${project.label}`,
    items,
    active: (item) => state.entryPoint !== undefined && item.entryPoint?.name === state.entryPoint.name,
  });
  if (result.kind !== 'accept') return result.kind;
  selectEntryPoint(state, result.item.entryPoint, input.remembered);
  return 'next';
}

function selectEntryPoint(state: WizardState, entryPoint: EntryPoint | undefined, remembered: RememberedRuns): void {
  state.entryPoint = entryPoint;
  if (!state.project || !entryPoint) return;
  const key = rememberKey(state.project.dir, entryPoint.name);
  if (state.valuesFor === key) return;
  const last = remembered.get(state.project.dir, entryPoint.name);
  state.valuesFor = key;
  state.values = initialValues(entryPoint, last);
  state.experimentName = last?.experimentName;
  state.envManager = last?.envManager;
}

async function askParameter(frame: StepFrame, parameter: ParameterSpec, state: WizardState): Promise<StepOutcome> {
  let value = state.values[parameter.name] ?? '';
  for (;;) {
    const result = await showInputStep(frame, {
      prompt: parameterPrompt(parameter),
      value,
      placeholder: parameter.default === undefined ? 'A value is required' : undefined,
      validate: (text) => checkParamValue(parameter.type, text),
      buttons: parameter.type === 'path' ? [BROWSE] : [],
    });
    if (result.kind === 'back' || result.kind === 'cancel') return result.kind;
    if (result.kind === 'accept') {
      state.values[parameter.name] = result.value;
      return 'next';
    }
    // Browse: the dialog replaces the quick input, which is shown again with the chosen path.
    value = (await browsePath(state.project?.dir, result.value)) ?? result.value;
  }
}

async function browsePath(projectDir: string | undefined, current: string): Promise<string | undefined> {
  const start = projectDir ? path.resolve(projectDir, current || '.') : undefined;
  const chosen = await vscode.window.showOpenDialog({
    defaultUri: start ? vscode.Uri.file(start) : undefined,
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Use Path',
  });
  const file = chosen?.[0]?.fsPath;
  if (!file) return undefined;
  // Inside the project a relative path keeps the run portable (MLflow resolves it against the project).
  const relative = projectDir ? path.relative(projectDir, file) : file;
  return projectDir && relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

async function pickExperiment(frame: StepFrame, state: WizardState, input: RunWizardInput): Promise<StepOutcome> {
  const defaultItem: ExperimentItem = { label: "$(circle-slash) MLflow's default experiment", description: 'MLFLOW_EXPERIMENT_NAME or Default', experimentName: undefined };
  const existing = input.experiments
    ? input.experiments().then((experiments) => experiments.map((e): ExperimentItem => ({ label: e.name, description: `id ${e.experimentId}`, experimentName: e.name })))
    : Promise.resolve<ExperimentItem[]>([]);
  const items = existing.then((list): ExperimentItem[] => {
    const remembered = state.experimentName;
    const missing = remembered !== undefined && !list.some((item) => item.experimentName === remembered);
    return [defaultItem, ...(missing ? [{ label: remembered, description: 'new experiment (used last time)', experimentName: remembered }] : []), ...list];
  });
  const result = await showPickStep(frame, {
    placeholder: input.experiments ? 'Experiment: pick one, or type a new name' : 'Experiment: type a name (no store connected to list them)',
    items,
    active: (item) => item.experimentName === state.experimentName,
    itemsForValue: (value, base) => {
      const name = value.trim();
      if (name === '' || base.some((item) => item.experimentName === name)) return base;
      return [...base, { label: `$(add) New experiment "${name}"`, experimentName: name, alwaysShow: true }];
    },
  });
  if (result.kind !== 'accept') return result.kind;
  state.experimentName = result.item.experimentName;
  return 'next';
}

async function pickEnvManager(frame: StepFrame, state: WizardState, input: RunWizardInput): Promise<StepOutcome> {
  const projectDefault = state.project ? defaultEnvManager(state.project.project.environment) : 'local';
  const available = input.envManagers;
  const items: EnvItem[] = available.map((envManager) => ({
    label: envManager,
    description:
      `${envManager === 'local' ? `the ${input.localEnvironment}, ` : ''}${ENV_DESCRIPTIONS[envManager]}` +
      `${envManager === projectDefault ? ' (MLflow\'s default for this project)' : ''}`,
    envManager,
  }));
  const preferred = state.envManager && available.includes(state.envManager) ? state.envManager : projectDefault;
  const result = await showPickStep(frame, {
    placeholder: 'Environment to run the entry point in (--env-manager)',
    items,
    active: (item) => item.envManager === preferred,
  });
  if (result.kind !== 'accept') return result.kind;
  state.envManager = result.item.envManager;
  return 'next';
}
