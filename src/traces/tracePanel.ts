import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import type { AttachmentRef, TraceRenderSummary } from './core/protocol';
import { TraceSession } from './core/traceSession';
import { TRACE_VIEW_TYPE } from '../vscode/viewTypes';
import { openSpanSource } from './spanSourceOpener';


export interface TracePanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: { error(message: string): void };
  /** Where opened attachments are written before VS Code opens them. */
  attachmentsDir: vscode.Uri;
  reviewer(): string;
  changed(traceId: string): void;
}

/** File extensions for the attachment types MLflow writes; anything else opens as binary. */
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'text/plain': 'txt',
  'application/json': 'json',
  'application/pdf': 'pdf',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
};

/** One trace panel: VS Code wiring around a {@link TraceSession}. */
export class TracePanel extends SessionPanel<TraceRenderSummary, TraceSession> {
  static create(deps: TracePanelDependencies, traceId: string): TracePanel {
    return new TracePanel(createAppPanel(TRACE_VIEW_TYPE, `Trace ${traceId}`, deps.extensionUri), deps, traceId);
  }

  /** Adopts a panel VS Code re-created after a window reload (its page's saved state gave `traceId`). */
  static restore(panel: vscode.WebviewPanel, deps: TracePanelDependencies, traceId: string): TracePanel {
    return new TracePanel(panel, deps, traceId);
  }

  constructor(panel: vscode.WebviewPanel, deps: TracePanelDependencies, traceId: string) {
    super(panel, deps.extensionUri, { app: 'trace', title: 'Trace' }, () =>
      new TraceSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          copy: (text) => void vscode.env.clipboard.writeText(text),
          openAttachment: (id, attachment, bytes) => void openAttachment(deps.attachmentsDir, id, attachment, bytes),
          setTitle: (title) => (panel.title = title),
          openSource: (query) => openSpanSource(query),
          changed: (id) => deps.changed(id),
          log: deps.log,
        },
        traceId,
        { store: () => deps.activeStore.current?.store.traces, reviewer: () => deps.reviewer() },
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => void this.session.load()));
  }

  get traceId(): string {
    return this.session.traceId;
  }
}

/** Writes the bytes under the extension's storage (names from validated ids only) and opens them. */
async function openAttachment(dir: vscode.Uri, traceId: string, attachment: AttachmentRef, bytes: Uint8Array): Promise<void> {
  if (!/^tr-[0-9a-f]+$/.test(traceId) || !/^[A-Za-z0-9-]{1,64}$/.test(attachment.id)) return;
  const extension = EXTENSIONS[attachment.contentType.toLowerCase()] ?? 'bin';
  const file = vscode.Uri.joinPath(dir, traceId, `${attachment.id}.${extension}`);
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(dir, traceId));
  await vscode.workspace.fs.writeFile(file, bytes);
  await vscode.commands.executeCommand('vscode.open', file, { preview: true });
}
