import { performance } from 'node:perf_hooks';
import { createVscodeStub, installVscodeStub } from './vscodeStub';

/**
 * One activation sample, in a fresh process (bench/activation.ts bundles this file with esbuild and
 * runs it with plain node, so no TypeScript loader sits in the timed require):
 *
 *   node probe.cjs <module to require> <extension path> [workspace folder]
 *
 * Installs the vscode stub (untimed), then times `require(module)` and, when the module has an
 * `activate`, `activate(context)` and the `ready` promise the returned Workbench exposes. Prints
 * one JSON line.
 */

interface Extension {
  activate?: (context: unknown) => { ready?: Promise<void> } | undefined;
  deactivate?: () => unknown;
}

async function main(): Promise<void> {
  const [target, extensionPath, workspaceFolder] = process.argv.slice(2);
  const stub = createVscodeStub({ workspaceFolders: workspaceFolder ? [workspaceFolder] : [] });
  installVscodeStub(stub);
  const context = stub.createContext(extensionPath);

  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- timing the CommonJS load is the point
  const extension = require(target) as Extension;
  const t1 = performance.now();
  let activateMs: number | undefined;
  let readyMs: number | undefined;
  if (extension.activate) {
    const workbench = extension.activate(context);
    const t2 = performance.now();
    await workbench?.ready;
    const t3 = performance.now();
    activateMs = t2 - t1;
    readyMs = t3 - t1;
    await extension.deactivate?.();
  }
  process.stdout.write(
    `${JSON.stringify({
      requireMs: t1 - t0,
      activateMs,
      readyMs,
      calls: Object.fromEntries(stub.calls),
      unimplemented: [...stub.unimplemented],
    })}\n`,
  );
  // Timers a feature may have started (auto-refresh) must not keep the sample alive.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
