import * as vscode from 'vscode';
import type { Log } from '../vscode/log';
import { executeDownload, existingTargets, fetchPlannedFile, prepareDownload, type ArtifactReader, type DownloadItem, type DownloadOutcome } from './download';
import { formatBytes } from './downloadPlan';
import { showError, showInfo, showWarning } from '../vscode/notify';

/**
 * "Download…": asks for a folder, lists and plans (see downloadPlan.ts), asks once before replacing
 * files, writes with a cancellable progress notification, then says what was written and what was
 * skipped and why. Every skip is also logged, since a message can only show a few.
 */
export async function downloadWithProgress(
  store: ArtifactReader,
  items: readonly DownloadItem[],
  log: Log,
): Promise<DownloadOutcome | undefined> {
  const what = items.length === 1 ? `"${items[0].file.path || 'all artifacts'}"` : `${items.length} artifacts`;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Download Here',
    title: `Download ${what} into…`,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const folder = picked?.[0];
  if (!folder) return undefined;
  if (folder.scheme !== 'file') {
    void showError(`Choose a folder on this machine's disk (${folder.scheme}: folders are not supported).`);
    return undefined;
  }

  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${what}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancellation = token.onCancellationRequested(() => controller.abort());
        try {
          return await downloadInto(store, items, folder.fsPath, controller.signal, progress);
        } finally {
          cancellation.dispose();
        }
      },
    );
    if (outcome) report(outcome, folder, log);
    return outcome;
  } catch (error) {
    // Listing failed (server unreachable, run deleted, …): nothing was written.
    log.error(`Download of ${what} failed`, error);
    void showError(`Download of ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

async function downloadInto(
  store: ArtifactReader,
  items: readonly DownloadItem[],
  destination: string,
  signal: AbortSignal,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
): Promise<DownloadOutcome | undefined> {
  const plan = await prepareDownload(store, items, destination, signal, (folder) => progress.report({ message: `listing ${folder || '/'}…` })).catch(
    (error: unknown) => {
      if (signal.aborted) return undefined;
      throw error;
    },
  );
  if (!plan) return undefined;
  let overwrite = false;
  const existing = await existingTargets(plan);
  if (existing.length > 0) {
    const names = existing.slice(0, 3).map((write) => vscode.workspace.asRelativePath(write.target)).join(', ');
    const choice = await showWarning(
      `${existing.length} of the files already exist in the download folder (${names}${existing.length > 3 ? ', …' : ''}).`,
      { modal: true },
      'Replace',
      'Keep Existing',
    );
    if (!choice) return undefined;
    overwrite = choice === 'Replace';
  }
  const total = Math.max(plan.writes.length, 1);
  return executeDownload(plan, (write, fileSignal) => fetchPlannedFile(store, write, fileSignal), {
    signal,
    overwrite,
    onFile: (write, index) => progress.report({ message: `${index + 1}/${plan.writes.length} ${write.artifactPath}`, increment: 100 / total }),
  });
}

function report(outcome: DownloadOutcome, folder: vscode.Uri, log: Log): void {
  const bytes = outcome.written.reduce((sum, file) => sum + file.bytes, 0);
  for (const file of outcome.written) log.info(`Downloaded ${file.artifactPath} → ${file.target}`);
  for (const skip of outcome.skipped) log.warn(`Skipped artifact "${skip.artifactPath}": ${skip.reason}`);
  for (const failure of outcome.failed) log.error(`Download of artifact "${failure.artifactPath}" failed: ${failure.reason}`);

  const parts = [`${outcome.cancelled ? 'Cancelled after downloading' : 'Downloaded'} ${plural(outcome.written.length, 'file')} (${formatBytes(bytes)}) to ${folder.fsPath}.`];
  const notWritten = [...outcome.skipped, ...outcome.failed];
  if (outcome.skipped.length > 0) {
    parts.push(`Skipped ${plural(outcome.skipped.length, 'file')}: "${outcome.skipped[0].artifactPath}" (${outcome.skipped[0].reason})${outcome.skipped.length > 1 ? ', …' : ''}.`);
  }
  if (outcome.failed.length > 0) {
    parts.push(`${plural(outcome.failed.length, 'file')} failed: "${outcome.failed[0].artifactPath}" (${outcome.failed[0].reason})${outcome.failed.length > 1 ? ', …' : ''}.`);
  }
  const message = parts.join(' ');
  if (notWritten.length === 0) {
    void showInfo(message);
    return;
  }
  void showWarning(message, 'Show Details').then((choice) => {
    if (choice) log.show();
  });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
