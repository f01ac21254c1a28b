// A server program's process tree without the serving (the stand-in mlflow answers HTTP itself): a master
// that forks `-w N` / `--workers N` workers, stops them on SIGTERM, and with FAKE_MLFLOW_STUBBORN=1 lets
// the first SIGTERM pass (master and workers). Workers exit when their master is gone, as gunicorn's do;
// the master exits with its parent only when not stubborn (so a stand-in stopped by a test's single kill
// leaves nothing behind), while a stubborn master, like a real one, outlives the mlflow that started it:
// only a signal to the whole process group ends it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stubborn = process.env.FAKE_MLFLOW_STUBBORN === '1';
// The parent is gone once this process was handed to another (process.ppid is read afresh each time) or
// the probe fails. The first alone covers a parent that died but stays an unreaped zombie, which still
// answers kill(pid, 0): in a container whose init does not reap, masters and workers outlived the tests.
// A process whose parent died before it started is already init's (pid 1): that counts as gone too.
const parent = process.ppid;
const watchParent = () => {
  if (process.ppid !== parent || parent === 1) process.exit(0);
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
  setTimeout(watchParent, 200);
};
const worker = process.argv[2] === '--fake-worker';
if (worker || !stubborn) watchParent();

function onTerm(stop) {
  let seen = 0;
  process.on('SIGTERM', () => {
    seen += 1;
    if (stubborn && seen === 1) return;
    stop();
  });
}

if (worker) {
  onTerm(() => process.exit(0));
  // The fork's IPC channel closes when the master is gone, even when the master stays a zombie that
  // nobody reaps (a container whose init does not reap), which the probe above cannot tell from a live one.
  process.on('disconnect', () => process.exit(0));
} else {
  const args = process.argv.slice(2);
  const at = args.findIndex((arg) => arg === '-w' || arg === '--workers');
  const count = at >= 0 ? Math.max(1, Number(args[at + 1]) || 1) : 1;
  const self = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: count }, () => fork(self, ['--fake-worker'], { stdio: 'ignore' }));
  onTerm(() => {
    for (const worker of workers) worker.kill('SIGTERM');
    process.exit(0);
  });
}
