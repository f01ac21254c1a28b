/**
 * Reads the option table out of a captured `mlflow … --help` page (Click's layout), so tests can hold
 * the argv builders and the stand-in CLI to exactly what the real CLI of each version accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../repoRoot';

export const CLI_FIXTURES = join(FIXTURES_DIR, 'cli');
export const FIXTURE_VERSIONS = ['2.17.2', '3.x'] as const;
export type FixtureVersion = (typeof FIXTURE_VERSIONS)[number];
export const HELP_COMMANDS = { run: 'help-run.txt', 'models serve': 'help-models-serve.txt', server: 'help-server.txt', ui: 'help-ui.txt' } as const;
export type HelpCommand = keyof typeof HELP_COMMANDS;

export interface HelpOption {
  /** Every spelling, e.g. `['-e', '--entry-point']` or `['--serve-artifacts', '--no-serve-artifacts']`. */
  names: string[];
  /** Undefined for flags. */
  metavar?: string;
  required?: boolean;
  /** From Click's `[default: 60; 10<=x<=300]`. */
  min?: number;
  max?: number;
  /** From a `[a|b]` metavar (Click's Choice). */
  choices?: string[];
  /** The `- name: …` items in the option's help, e.g. the env managers. */
  listedValues?: string[];
}

export interface HelpPage {
  /** As the stand-in prints it: `mlflow run [OPTIONS] URI`. */
  usage: string;
  arguments: string[];
  options: HelpOption[];
}

export function readHelp(version: FixtureVersion, command: HelpCommand): string {
  return readFileSync(join(CLI_FIXTURES, `mlflow-${version}`, HELP_COMMANDS[command]), 'utf8');
}

export function readVersionLine(version: FixtureVersion): string {
  return readFileSync(join(CLI_FIXTURES, `mlflow-${version}`, 'version.txt'), 'utf8').trim();
}

export function parseHelpPage(text: string): HelpPage {
  const lines = text.split('\n');
  const usageLine = lines.find((line) => line.startsWith('Usage: ')) ?? '';
  // The 2.17.2 captures were taken with `python -m mlflow`; the stand-in is invoked as `mlflow`.
  const usage = usageLine.slice('Usage: '.length).replace(/^python -m mlflow/, 'mlflow');
  const args = usage.split(' [OPTIONS]')[1]?.trim().split(/\s+/).filter(Boolean) ?? [];

  const options: HelpOption[] = [];
  const bodies: string[][] = [];
  const start = lines.indexOf('Options:');
  for (const line of lines.slice(start + 1)) {
    const declaration = /^ {2}(-\S.*?)(?: {2,}(.*)|$)/.exec(line);
    if (declaration) {
      options.push(parseDeclaration(declaration[1]));
      bodies.push([declaration[2] ?? '']);
    } else if (bodies.length > 0) {
      bodies[bodies.length - 1].push(line.trim());
    }
  }
  options.forEach((option, i) => {
    const body = bodies[i].join('\n');
    if (/\[required\]/.test(body)) option.required = true;
    const range = /(-?\d+)<=x<=(-?\d+)/.exec(body);
    if (range) {
      option.min = Number(range[1]);
      option.max = Number(range[2]);
    }
    const listed = bodies[i].map((line) => /^- (\w+): /.exec(line)?.[1]).filter((v): v is string => v !== undefined);
    if (listed.length > 0) option.listedValues = listed;
  });
  return { usage, arguments: args, options };
}

function parseDeclaration(declaration: string): HelpOption {
  const tokens = declaration.replace(/ \/ /g, ' ').split(' ');
  const names = tokens.filter((token) => token.startsWith('-')).map((token) => token.replace(/,$/, ''));
  const metavar = tokens.filter((token) => !token.startsWith('-')).join(' ');
  const option: HelpOption = { names };
  if (metavar !== '') option.metavar = metavar;
  const choice = /^\[(.*)\]$/.exec(metavar);
  if (choice) option.choices = choice[1] === '' ? [] : choice[1].split('|');
  return option;
}

/** Every spelling of every option of one command, e.g. to check a built argv only uses real options. */
export function optionNames(page: HelpPage): Set<string> {
  return new Set(page.options.flatMap((option) => option.names));
}
