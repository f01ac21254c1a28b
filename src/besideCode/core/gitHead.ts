import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface GitCheckout {
  /** The working tree's root folder. */
  root: string;
  /** The commit checked out (40 hex digits), or undefined on an unborn branch or an unreadable ref. */
  head: string | undefined;
}

/**
 * The git checkout containing `file`, read with plain fs (no git process): the nearest folder with a
 * `.git` directory, or a `.git` file pointing elsewhere (worktrees, submodules), then HEAD → a loose
 * ref or `packed-refs`. Undefined when the file is in no checkout.
 */
export async function findGitCheckout(file: string): Promise<GitCheckout | undefined> {
  let dir = path.dirname(file);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const stat = await fs.stat(dotGit).catch(() => undefined);
    if (stat) {
      const gitDir = stat.isDirectory() ? dotGit : await linkedGitDir(dotGit, dir);
      return { root: dir, head: gitDir ? await readHead(gitDir) : undefined };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function linkedGitDir(dotGitFile: string, dir: string): Promise<string | undefined> {
  const text = await fs.readFile(dotGitFile, 'utf8').catch(() => '');
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  return match ? path.resolve(dir, match[1]!) : undefined;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

async function readHead(gitDir: string): Promise<string | undefined> {
  const head = (await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  if (SHA.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref || ref.split('/').includes('..')) return undefined;
  // A linked worktree keeps its HEAD but shares refs with the main repository (named by `commondir`).
  const common = (await fs.readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim();
  const dirs = common ? [gitDir, path.resolve(gitDir, common)] : [gitDir];
  for (const dir of dirs) {
    const loose = (await fs.readFile(path.join(dir, ref), 'utf8').catch(() => '')).trim();
    if (SHA.test(loose)) return loose;
  }
  for (const dir of dirs) {
    const packed = await fs.readFile(path.join(dir, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha && SHA.test(sha)) return sha;
    }
  }
  return undefined;
}
