import type { ModelVersion, RegisteredModel } from '../../mlflow/types';

/**
 * MLflow 3 prompts, which are registered models tagged `mlflow.prompt.is_prompt=true` whose versions
 * carry the template in the tag `mlflow.prompt.text` (a JSON list of messages for chat prompts), the
 * commit message as description and the type, response format and model config in reserved tags.
 */

export const PROMPT_FILTER = "tags.`mlflow.prompt.is_prompt` = 'true'";

const RESERVED_TAGS = new Set([
  'mlflow.prompt.is_prompt',
  'mlflow.prompt.text',
  '_mlflow_prompt_type',
  '_mlflow_prompt_response_format',
  '_mlflow_prompt_model_config',
  '_mlflow_experiment_ids',
]);

export interface PromptVersion {
  name: string;
  version: string;
  type: 'text' | 'chat';
  /** The raw template as stored. */
  template: string;
  commitMessage?: string;
  /** The user's tags (reserved ones left out). */
  tags: Record<string, string>;
  aliases: string[];
  responseFormat?: string;
  modelConfig?: string;
  creationTimestamp?: number;
}

export function isPrompt(model: RegisteredModel): boolean {
  return model.tags['mlflow.prompt.is_prompt'] === 'true';
}

export function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !RESERVED_TAGS.has(key)));
}

/** A model version read as a prompt version; `aliases` from the prompt when the version lacks them. */
export function toPromptVersion(version: ModelVersion, prompt?: RegisteredModel): PromptVersion {
  const fromPrompt = prompt?.aliases.filter((a) => a.version === version.version).map((a) => a.alias) ?? [];
  const aliases = [...new Set([...(version.aliases ?? []), ...fromPrompt])].sort();
  const pv: PromptVersion = {
    name: version.name,
    version: version.version,
    type: version.tags._mlflow_prompt_type === 'chat' ? 'chat' : 'text',
    template: version.tags['mlflow.prompt.text'] ?? '',
    tags: userTags(version.tags),
    aliases,
  };
  if (version.description) pv.commitMessage = version.description;
  if (version.tags._mlflow_prompt_response_format) pv.responseFormat = version.tags._mlflow_prompt_response_format;
  if (version.tags._mlflow_prompt_model_config) pv.modelConfig = version.tags._mlflow_prompt_model_config;
  if (version.creationTimestamp !== undefined) pv.creationTimestamp = version.creationTimestamp;
  return pv;
}

/**
 * The text a prompt version opens as: the template itself for text prompts (so a diff shows template
 * changes line by line), each message as `role:` + content for chat prompts. Response format and model
 * config follow under a separator when present.
 */
export function promptDocument(pv: PromptVersion): string {
  let body = pv.template;
  if (pv.type === 'chat') {
    try {
      const messages = JSON.parse(pv.template) as unknown;
      if (Array.isArray(messages)) {
        body = messages
          .map((m: unknown) => {
            const message = typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
            const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content, null, 2);
            return `${String(message.role ?? 'message')}:\n${content}`;
          })
          .join('\n\n');
      }
    } catch {
      // Not JSON: shown as stored.
    }
  }
  const extras: string[] = [];
  if (pv.responseFormat) extras.push(`# response format\n${pretty(pv.responseFormat)}`);
  if (pv.modelConfig) extras.push(`# model config\n${pretty(pv.modelConfig)}`);
  return extras.length > 0 ? `${body}\n\n---\n${extras.join('\n\n')}\n` : `${body}\n`;
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** `{{variable}}` names in a template, in order of first use. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)].map((m) => m[1]!))];
}

export function promptVersionUri(name: string, version: string): string {
  return `prompts:/${name}/${version}`;
}

export function promptAliasUri(name: string, alias: string): string {
  return `prompts:/${name}@${alias}`;
}

/** `@production @staging` badges, then the commit message. */
export function promptVersionDescription(pv: PromptVersion): string {
  const badges = pv.aliases.map((a) => `@${a}`).join(' ');
  return [badges, pv.commitMessage ?? ''].filter((s) => s !== '').join(' · ');
}

/**
 * What "Edit as New Prompt Version" opens: the raw template of a text prompt, a chat prompt's messages
 * as indented JSON (the form it is registered back from).
 */
export function draftText(pv: PromptVersion): string {
  if (pv.type !== 'chat') return pv.template;
  try {
    return `${JSON.stringify(JSON.parse(pv.template), null, 2)}\n`;
  } catch {
    return pv.template;
  }
}

/**
 * An editor's text read back as a new version's template, or why MLflow would refuse it: a text
 * template must not be empty; a chat template is a JSON list of `{role, content}` messages, stored the
 * way MLflow's client stores it (Python's `json.dumps`).
 */
export function templateFromDraft(text: string, type: 'text' | 'chat'): { ok: true; template: string } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: false, message: 'The prompt template is empty.' };
  if (type === 'text') return { ok: true, template: text };
  let messages: unknown;
  try {
    messages = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `A chat prompt is a JSON list of messages ({"role": …, "content": …}): ${(error as Error).message}` };
  }
  if (!Array.isArray(messages) || messages.length === 0) return { ok: false, message: 'A chat prompt is a non-empty JSON list of messages ({"role": …, "content": …}).' };
  for (const [index, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as Record<string, unknown>).role !== 'string' || !('content' in m)) {
      return { ok: false, message: `Message ${index + 1} needs a "role" (a string) and a "content".` };
    }
  }
  return { ok: true, template: pythonJson(messages) };
}

/** `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, non-ASCII as `\uXXXX`. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(value) ?? 'null';
}

function pythonString(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
