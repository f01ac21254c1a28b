import Module from 'node:module';
import * as path from 'node:path';

/**
 * A minimal stand-in for the `vscode` module, so extension code can run in plain Node for the benches
 * (activation, tree-item construction). Registrations and creations are counted, UI calls resolve to
 * "dismissed", settings read their defaults, and nothing is shown.
 *
 * What it does NOT cost like VS Code: real TreeItem/ThemeIcon objects are equally plain, but VS Code
 * also serialises every item to the renderer over IPC, which nothing here measures. MarkdownString
 * escapes appended text exactly as VS Code's does (that is work the extension pays for).
 *
 * APIs it does not implement are served by a permissive fallback (callable, returns a disposable,
 * `onDid*` members are events) and listed in `stub.unimplemented`, so activation keeps working when a
 * feature starts calling something new, and the bench can say what was faked generically.
 */

export interface VscodeStub {
  /** The module object `require('vscode')` returns. */
  module: Record<string, unknown>;
  /** `window.createTreeView` → 1, `commands.registerCommand` → 42, … */
  calls: Map<string, number>;
  unimplemented: Set<string>;
  /** An ExtensionContext with working mementos and secrets. */
  createContext(extensionPath: string): Record<string, unknown>;
}

type Listener<T> = (event: T) => unknown;

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>, thisArg?: unknown, disposables?: Disposable[]): Disposable => {
    const bound: Listener<T> = thisArg ? listener.bind(thisArg) : listener;
    this.listeners.push(bound);
    const subscription = new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== bound);
    });
    disposables?.push(subscription);
    return subscription;
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', '', fsPath.split(path.sep).join('/'), '', '');
  }
  static parse(value: string): Uri {
    const match = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!match) return new Uri('file', '', value, '', '');
    return new Uri(match[1], match[2] ?? '', match[3] ?? '', match[4] ?? '', match[5] ?? '');
  }
  static from(components: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(components.scheme, components.authority ?? '', components.path ?? '', components.query ?? '', components.fragment ?? '');
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString(): string {
    const authority = this.authority || this.scheme === 'file' ? `//${this.authority}` : '';
    return `${this.scheme}:${authority}${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class ThemeIcon {
  static readonly File = new ThemeIcon('file');
  static readonly Folder = new ThemeIcon('folder');
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  resourceUri?: Uri;
  constructor(
    readonly label: unknown,
    readonly collapsibleState: number = 0,
  ) {}
}

/** VS Code's escaping (src/vs/base/common/htmlContent.ts), so tooltips cost what they cost. */
class MarkdownString {
  isTrusted?: boolean;
  supportHtml?: boolean;
  constructor(
    public value = '',
    readonly supportThemeIcons = false,
  ) {}
  appendText(value: string): MarkdownString {
    const text = this.supportThemeIcons ? value.replace(/\$\(([a-z.\-~]+)\)/gi, '\\$&') : value;
    this.value += text
      .replace(/[\\`*_{}[\]()#+\-!~]/g, '\\$&')
      .replace(/([ \t]+)/g, (_match, spaces: string) => '&nbsp;'.repeat(spaces.length))
      .replace(/>/gm, '\\>')
      .replace(/\n/g, '\n\n');
    return this;
  }
  appendMarkdown(value: string): MarkdownString {
    this.value += value;
    return this;
  }
  appendCodeblock(code: string, language = ''): MarkdownString {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

class FileSystemError extends Error {
  static FileNotFound = (what?: unknown): FileSystemError => new FileSystemError(`FileNotFound: ${String(what)}`, 'FileNotFound');
  static FileExists = (what?: unknown): FileSystemError => new FileSystemError(`FileExists: ${String(what)}`, 'FileExists');
  static FileNotADirectory = (what?: unknown): FileSystemError => new FileSystemError(`FileNotADirectory: ${String(what)}`, 'FileNotADirectory');
  static FileIsADirectory = (what?: unknown): FileSystemError => new FileSystemError(`FileIsADirectory: ${String(what)}`, 'FileIsADirectory');
  static NoPermissions = (what?: unknown): FileSystemError => new FileSystemError(`NoPermissions: ${String(what)}`, 'NoPermissions');
  static Unavailable = (what?: unknown): FileSystemError => new FileSystemError(`Unavailable: ${String(what)}`, 'Unavailable');
  constructor(
    message: string,
    readonly code = 'Unknown',
  ) {
    super(message);
  }
}

class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

/** Classes whose behaviour no bench depends on: constructible, keeping their arguments. */
const PLAIN_CLASSES = [
  'RelativePattern', 'Range', 'Position', 'Selection', 'Location', 'Diagnostic', 'CodeLens', 'Hover', 'DocumentLink',
  'CompletionItem', 'SnippetString', 'TextEdit', 'WorkspaceEdit', 'Task', 'ShellExecution', 'ProcessExecution',
  'CustomExecution', 'TabInputText', 'TabInputWebview', 'DataTransfer', 'DataTransferItem', 'TreeItemCheckboxState',
];

const ENUMS: Record<string, Record<string, number>> = {
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  FilePermission: { Readonly: 1 },
  FileChangeType: { Changed: 1, Created: 2, Deleted: 3 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  CompletionItemKind: { Text: 0, Method: 1, Function: 2, Field: 4, Variable: 5, Value: 11, Keyword: 13, Snippet: 14, File: 16, Folder: 18 },
  QuickPickItemKind: { Separator: -1, Default: 0 },
  TaskScope: { Global: 1, Workspace: 2 },
  TaskRevealKind: { Always: 1, Silent: 2, Never: 3 },
  TaskPanelKind: { Shared: 1, Dedicated: 2, New: 3 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  UIKind: { Desktop: 1, Web: 2 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  EndOfLine: { LF: 1, CRLF: 2 },
  ColorThemeKind: { Light: 1, Dark: 2, HighContrast: 3, HighContrastLight: 4 },
};

export function createVscodeStub(options: { workspaceFolders?: string[] } = {}): VscodeStub {
  const calls = new Map<string, number>();
  const unimplemented = new Set<string>();
  const count = (name: string): void => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
  };
  const event = (): ((listener: Listener<unknown>) => Disposable) => new EventEmitter<unknown>().event;
  const commands = new Map<string, unknown>();

  /** Stands in for anything not implemented below: callable, disposable, with events. */
  const anything = (name: string): unknown =>
    new Proxy(function fallback() {}, {
      get(_target, prop) {
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        if (prop === 'dispose') return () => undefined;
        if (String(prop).startsWith('onDid') || String(prop).startsWith('onWill')) return event();
        return anything(`${name}.${String(prop)}`);
      },
      apply() {
        unimplemented.add(name);
        return anything(`${name}()`);
      },
      construct() {
        unimplemented.add(`new ${name}`);
        return anything(`${name}()`) as object;
      },
    });
  /** A namespace whose unknown members fall back to `anything`. */
  const namespace = (name: string, members: Record<string, unknown>): Record<string, unknown> =>
    new Proxy(members, {
      get(target, prop) {
        if (prop in target || typeof prop === 'symbol' || prop === 'then') return Reflect.get(target, prop);
        return anything(`${name}.${String(prop)}`);
      },
    });
  const created = (name: string, members: Record<string, unknown>): Record<string, unknown> => {
    count(name);
    return namespace(name, { dispose: () => undefined, ...members });
  };
  const registered = (name: string) => (): Disposable => {
    count(name);
    return new Disposable();
  };
  const dismissed = (name: string) => (): Promise<undefined> => {
    count(name);
    return Promise.resolve(undefined);
  };

  const outputChannel = (): Record<string, unknown> => {
    const noop = (): void => undefined;
    return created('window.createOutputChannel', {
      name: 'MLflow', logLevel: 3, onDidChangeLogLevel: event(),
      trace: noop, debug: noop, info: noop, warn: noop, error: noop, append: noop, appendLine: noop, replace: noop, clear: noop, show: noop, hide: noop,
    });
  };

  const folders = (options.workspaceFolders ?? []).map((dir, index) => ({ uri: Uri.file(dir), name: path.basename(dir), index }));
  const window = namespace('window', {
    createOutputChannel: outputChannel,
    createTreeView: () =>
      created('window.createTreeView', {
        visible: true, selection: [], message: undefined, title: undefined, description: undefined, badge: undefined,
        onDidChangeVisibility: event(), onDidChangeSelection: event(), onDidExpandElement: event(), onDidCollapseElement: event(),
        onDidChangeCheckboxState: event(), reveal: () => Promise.resolve(),
      }),
    createStatusBarItem: () => created('window.createStatusBarItem', { show: () => undefined, hide: () => undefined }),
    registerTreeDataProvider: registered('window.registerTreeDataProvider'),
    registerWebviewPanelSerializer: registered('window.registerWebviewPanelSerializer'),
    registerWebviewViewProvider: registered('window.registerWebviewViewProvider'),
    registerUriHandler: registered('window.registerUriHandler'),
    registerFileDecorationProvider: registered('window.registerFileDecorationProvider'),
    showInformationMessage: dismissed('window.showInformationMessage'),
    showWarningMessage: dismissed('window.showWarningMessage'),
    showErrorMessage: dismissed('window.showErrorMessage'),
    showQuickPick: dismissed('window.showQuickPick'),
    showInputBox: dismissed('window.showInputBox'),
    showOpenDialog: dismissed('window.showOpenDialog'),
    showSaveDialog: dismissed('window.showSaveDialog'),
    setStatusBarMessage: registered('window.setStatusBarMessage'),
    withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
      Promise.resolve(task({ report: () => undefined }, new CancellationTokenSource().token)),
    onDidChangeActiveTextEditor: event(), onDidChangeVisibleTextEditors: event(), onDidChangeActiveColorTheme: event(),
    onDidChangeWindowState: event(), onDidOpenTerminal: event(), onDidCloseTerminal: event(),
    activeTextEditor: undefined, visibleTextEditors: [], terminals: [], activeColorTheme: { kind: 2 },
    tabGroups: { all: [], onDidChangeTabs: event(), onDidChangeTabGroups: event() },
  });

  const configuration = namespace('WorkspaceConfiguration', {
    get: (_key: string, fallback?: unknown) => fallback,
    has: () => false,
    inspect: () => undefined,
    update: () => Promise.resolve(),
  });
  const workspace = namespace('workspace', {
    workspaceFolders: folders.length ? folders : undefined,
    name: folders[0]?.name,
    isTrusted: true,
    getConfiguration: () => configuration,
    getWorkspaceFolder: () => folders[0],
    asRelativePath: (target: Uri | string) => (typeof target === 'string' ? target : target.fsPath),
    onDidChangeConfiguration: event(), onDidChangeWorkspaceFolders: event(), onDidGrantWorkspaceTrust: event(),
    onDidOpenTextDocument: event(), onDidCloseTextDocument: event(), onDidChangeTextDocument: event(), onDidSaveTextDocument: event(),
    onDidCreateFiles: event(), onDidDeleteFiles: event(), onDidRenameFiles: event(),
    registerFileSystemProvider: registered('workspace.registerFileSystemProvider'),
    registerTextDocumentContentProvider: registered('workspace.registerTextDocumentContentProvider'),
    registerTaskProvider: registered('workspace.registerTaskProvider'),
    createFileSystemWatcher: () =>
      created('workspace.createFileSystemWatcher', { onDidCreate: event(), onDidChange: event(), onDidDelete: event() }),
    findFiles: () => Promise.resolve([]),
    textDocuments: [],
    fs: namespace('workspace.fs', {}),
  });

  const commandsNamespace = namespace('commands', {
    registerCommand: (id: string, handler: unknown) => {
      count('commands.registerCommand');
      commands.set(id, handler);
      return new Disposable(() => commands.delete(id));
    },
    registerTextEditorCommand: registered('commands.registerTextEditorCommand'),
    executeCommand: (id: string) => {
      count(id === 'setContext' ? 'commands.executeCommand(setContext)' : 'commands.executeCommand');
      return Promise.resolve(undefined);
    },
    getCommands: () => Promise.resolve([...commands.keys()]),
  });

  const module: Record<string, unknown> = {
    version: '1.96.0',
    Disposable, EventEmitter, Uri, ThemeColor, ThemeIcon, TreeItem, MarkdownString, FileSystemError, CancellationTokenSource,
    ...ENUMS,
    ...Object.fromEntries(PLAIN_CLASSES.map((name) => [name, class { readonly args: unknown[]; constructor(...args: unknown[]) { this.args = args; } }])),
    window,
    workspace,
    commands: commandsNamespace,
    env: namespace('env', {
      appName: 'Visual Studio Code', appRoot: '', language: 'en', machineId: 'bench', sessionId: 'bench', uiKind: 1, remoteName: undefined,
      clipboard: { readText: () => Promise.resolve(''), writeText: () => Promise.resolve() },
      openExternal: () => Promise.resolve(true),
      asExternalUri: (uri: Uri) => Promise.resolve(uri),
    }),
    extensions: namespace('extensions', { getExtension: () => undefined, all: [], onDidChange: event() }),
    languages: namespace('languages', {
      setTextDocumentLanguage: (document: unknown) => Promise.resolve(document),
      ...Object.fromEntries(
        ['CodeLens', 'Hover', 'Completion', 'DocumentLink', 'Definition', 'CodeActions', 'DocumentSymbol'].map((kind) => {
          const name = `register${kind}${kind === 'Completion' ? 'Item' : ''}Provider`;
          return [name, registered(`languages.${name}`)];
        }),
      ),
      createDiagnosticCollection: () => created('languages.createDiagnosticCollection', { set: () => undefined, delete: () => undefined, clear: () => undefined }),
    }),
    tasks: namespace('tasks', { registerTaskProvider: registered('tasks.registerTaskProvider'), onDidEndTaskProcess: event(), onDidStartTaskProcess: event() }),
    l10n: { t: (message: string) => message },
  };

  const createContext = (extensionPath: string): Record<string, unknown> => {
    const memento = (): Record<string, unknown> => {
      const values = new Map<string, unknown>();
      return {
        keys: () => [...values.keys()],
        get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
        update: (key: string, value: unknown) => {
          values.set(key, value);
          return Promise.resolve();
        },
        setKeysForSync: () => undefined,
      };
    };
    const secrets = new Map<string, string>();
    const storage = path.join(extensionPath, '.bench-storage');
    return {
      subscriptions: [],
      extensionPath,
      extensionUri: Uri.file(extensionPath),
      extensionMode: 1,
      globalState: memento(),
      workspaceState: memento(),
      secrets: {
        get: (key: string) => Promise.resolve(secrets.get(key)),
        store: (key: string, value: string) => Promise.resolve(void secrets.set(key, value)),
        delete: (key: string) => Promise.resolve(void secrets.delete(key)),
        onDidChange: event(),
      },
      storageUri: Uri.file(storage),
      globalStorageUri: Uri.file(storage),
      logUri: Uri.file(storage),
      storagePath: storage,
      globalStoragePath: storage,
      logPath: storage,
      asAbsolutePath: (relative: string) => path.join(extensionPath, relative),
      environmentVariableCollection: anything('context.environmentVariableCollection'),
      extension: { id: 'mlflow-workbench.mlflow-workbench', extensionPath, packageJSON: {} },
    };
  };

  return { module, calls, unimplemented, createContext };
}

/**
 * Makes `require('vscode')` return `stub.module` for every module loaded from now on, as VS Code's
 * extension host does with its own API object.
 */
export function installVscodeStub(stub: VscodeStub): void {
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean): unknown {
    if (request === 'vscode') return stub.module;
    return load.call(this, request, parent, isMain);
  };
}
