import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { Env } from './connection';

/**
 * Databricks CLI profiles (`~/.databrickscfg`, or the file DATABRICKS_CONFIG_FILE names), which MLflow
 * reads for the tracking URIs `databricks` (the DEFAULT profile when DATABRICKS_HOST/TOKEN are not set)
 * and `databricks://<profile>`. An INI file: `[profile]` sections of `key = value` lines, `#`/`;` comments.
 * As in the Databricks SDK, a profile does not inherit DEFAULT's keys. Only personal access tokens
 * (`token`) are used; other auth types are named in the error instead.
 */

export interface DatabricksProfiles {
  /** The file they were read from, for messages. */
  file: string;
  profiles: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export function parseDatabricksConfig(text: string, file: string): DatabricksProfiles {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      const name = section[1].trim();
      current = profiles.get(name) ?? {};
      profiles.set(name, current);
      continue;
    }
    const separator = line.search(/[=:]/);
    if (!current || separator <= 0) continue;
    // configparser lowercases keys; values keep their case.
    current[line.slice(0, separator).trim().toLowerCase()] = line.slice(separator + 1).trim();
  }
  return { file, profiles };
}

/** The profiles file MLflow would read, or undefined when there is none. */
export async function readDatabricksProfiles(env: Env, home = homedir()): Promise<DatabricksProfiles | undefined> {
  const file = env.DATABRICKS_CONFIG_FILE?.trim() || path.join(home, '.databrickscfg');
  try {
    return parseDatabricksConfig(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
