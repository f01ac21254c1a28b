import * as path from 'node:path';
import * as vscode from 'vscode';
import { baseName, type Definition, findDefinition, noFunctionReason, notFoundReason, type SourceQuery } from './core/spanSource';

/** Folders no one's own code lives in; a workspace scan skips them. */
const EXCLUDE = '**/{node_modules,.git,.venv,venv,env,site-packages,__pycache__,dist,build,.tox,mlruns}/**';
/** How many files the last-resort scan reads: a monorepo must not stall the click. */
const MAX_SCANNED_FILES = 5_000;
const SYMBOL_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Class]);

interface Found {
  uri: vscode.Uri;
  line: number;
  character: number;
}

/**
 * Opens the definition of a span's function in the workspace: first in the trace's recorded source
 * file (found by name inside the workspace folders only), then through the workspace symbol providers
 * (`vscode.executeWorkspaceSymbolProvider`, which language servers such as Pylance answer), then by
 * reading the workspace's Python/JS/TS files. Returns why not when it cannot; undefined when it opened
 * the file or the user dismissed a choice between several.
 */
export async function openSpanSource(query: SourceQuery): Promise<string | undefined> {
  const functionName = query.functionName;
  if (!functionName) return noFunctionReason(query);
  if (!vscode.workspace.workspaceFolders?.length) return `Open the folder of the app that logged this trace to find function ${functionName}.`;

  if (query.sourceFile) {
    for (const uri of await filesNamed(query.sourceFile)) {
      const definition = findDefinition(await readText(uri), functionName);
      if (definition) return show({ uri, ...definition });
    }
  }

  const symbols = await symbolMatches(functionName);
  if (symbols.length > 0) return choose(symbols, functionName);

  const scanned = await scan(functionName);
  if (scanned.length > 0) return choose(scanned, functionName);
  return notFoundReason({ ...query, functionName });
}

function inWorkspace(uri: vscode.Uri): boolean {
  return vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

/** Workspace files with the recorded script's name: the exact path if it is inside a folder, else by base name. */
async function filesNamed(recorded: string): Promise<vscode.Uri[]> {
  if (path.isAbsolute(recorded)) {
    const exact = vscode.Uri.file(recorded);
    if (inWorkspace(exact)) {
      try {
        await vscode.workspace.fs.stat(exact);
        return [exact];
      } catch {
        // Recorded on another machine: look for the name instead.
      }
    }
  }
  const name = baseName(recorded);
  // The name goes into a glob: only plain file names.
  if (!/^[\w.-]{1,200}$/.test(name)) return [];
  return vscode.workspace.findFiles(`**/${name}`, EXCLUDE, 20);
}

async function readText(uri: vscode.Uri): Promise<string> {
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    // Minified bundles and data files are not where a traced function is written.
    return bytes.byteLength > 2_000_000 ? '' : new TextDecoder().decode(bytes);
  } catch {
    return '';
  }
}

async function symbolMatches(functionName: string): Promise<Found[]> {
  let symbols: vscode.SymbolInformation[] | undefined;
  try {
    symbols = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', functionName);
  } catch {
    symbols = undefined;
  }
  return (symbols ?? [])
    .filter((s) => s.name.replace(/\(.*$/, '') === functionName && SYMBOL_KINDS.has(s.kind) && inWorkspace(s.location.uri))
    .map((s) => ({ uri: s.location.uri, line: s.location.range.start.line, character: s.location.range.start.character }));
}

async function scan(functionName: string): Promise<Found[]> {
  const files = await vscode.workspace.findFiles('**/*.{py,ts,js,mjs,cjs}', EXCLUDE, MAX_SCANNED_FILES);
  const found: Found[] = [];
  for (const uri of files) {
    const text = await readText(uri);
    if (!text.includes(functionName)) continue;
    const definition: Definition | undefined = findDefinition(text, functionName);
    if (definition) found.push({ uri, ...definition });
    if (found.length >= 20) break;
  }
  return found;
}

async function choose(found: Found[], functionName: string): Promise<string | undefined> {
  if (found.length === 1) return show(found[0]!);
  const picked = await vscode.window.showQuickPick(
    found.map((f) => ({ label: vscode.workspace.asRelativePath(f.uri), description: `line ${f.line + 1}`, found: f })),
    { title: `${functionName} is defined in ${found.length} places` },
  );
  return picked ? show(picked.found) : undefined;
}

async function show(found: Found): Promise<undefined> {
  const position = new vscode.Position(found.line, found.character);
  await vscode.window.showTextDocument(found.uri, { selection: new vscode.Range(position, position), preview: true });
  return undefined;
}
