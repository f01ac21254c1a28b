"""A training script logging to an MLflow SQLite store as MLflow's SQL store does, with Python's own
sqlite3 (the SQLite MLflow uses): one transaction per metric point, inserting into `metrics` and moving
`latest_metrics`, at a fixed rate.

    python3 metricLogger.py <db> <run id> <metric key> <hz> <points> [wal|delete] [busy timeout seconds]

`wal` switches the store to WAL journal mode first (as some users configure SQLAlchemy); `delete` (the
default) keeps SQLite's rollback journal. After each commit it prints `wrote <n> <step>`, so a test waits
on progress, not on time. It stops after <points> points, or when stdin closes. The busy timeout (how
long a commit waits for readers' locks before it fails with "database is locked") is 30 s unless given;
MLflow's own SQLAlchemy engine gets pysqlite's default, 5 s. Any failure exits non-zero with a traceback.
"""
import sqlite3
import sys
import threading
import time


def main() -> None:
    db, run_id, key, hz, points = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    mode = sys.argv[6] if len(sys.argv) > 6 else 'delete'
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 else 30.0
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    conn.execute(f'PRAGMA journal_mode={mode}')
    row = conn.execute('SELECT max(step) FROM metrics WHERE run_uuid = ? AND key = ?', (run_id, key)).fetchone()
    step = -1 if row[0] is None else int(row[0])
    period = 1.0 / hz
    next_at = time.monotonic()
    for n in range(1, points + 1):
        if stop.is_set():
            break
        step += 1
        value = 1.0 / (step + 1)
        timestamp = int(time.time() * 1000)
        conn.execute('BEGIN')
        conn.execute(
            'INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)',
            (key, value, timestamp, run_id, step),
        )
        conn.execute(
            'INSERT OR REPLACE INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)',
            (key, value, timestamp, step, run_id),
        )
        conn.execute('COMMIT')
        print(f'wrote {n} {step}', flush=True)
        next_at += period
        stop.wait(max(0.0, next_at - time.monotonic()))
    conn.close()


if __name__ == '__main__':
    main()
