"""Generates the large-store bench's MLflow SQLite store: MLflow 2.17.2's own schema and data (a copy
of test/fixtures/mlflow-2.17.2/server-store/mlflow.db) plus one experiment "bench-large" holding

- 2,000 small runs (5 params, 5 tags, 4 latest metrics each), so a first page of 100 runs is a real page;
- history runs, each logging 4 metrics (loss, val_loss, accuracy, lr) x 200,000 steps, as a long
  training job does, added until the file is at least <target bytes> (about 20 runs for 3 GB).

    python3 generateLargeStore.py <source mlflow.db> <out.db> <target bytes>

Deterministic (fixed ids and values), written to <out>.part and renamed, and prints one JSON line with
what it made. Python's sqlite3 is used because it is fast and is what MLflow itself writes with.
"""
import json
import math
import os
import shutil
import sqlite3
import sys
import time

source, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
STEPS = 200_000
KEYS = ['loss', 'val_loss', 'accuracy', 'lr']
SMALL_RUNS = 2_000
START = 1_700_000_000_000

part = out + '.part'
for suffix in ('', '-journal'):
    if os.path.exists(part + suffix):
        os.remove(part + suffix)
shutil.copyfile(source, part)
t0 = time.time()
conn = sqlite3.connect(part, isolation_level=None)
conn.execute('PRAGMA journal_mode=OFF')
conn.execute('PRAGMA synchronous=OFF')
conn.execute('PRAGMA cache_size=-262144')
conn.execute('BEGIN')
experiment_id = conn.execute('SELECT max(experiment_id) + 1 FROM experiments').fetchone()[0]
conn.execute(
    "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, 'bench-large', ?, 'active', ?, ?)",
    (experiment_id, f'mlflow-artifacts:/{experiment_id}', START, START),
)


def add_run(run_id, name, start_time, status='FINISHED'):
    conn.execute(
        'INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) '
        "VALUES (?, ?, 'LOCAL', 'train.py', '', 'bench', ?, ?, ?, '', 'active', ?, ?)",
        (run_id, name, status, start_time, start_time + 3_600_000, f'mlflow-artifacts:/{experiment_id}/{run_id}/artifacts', experiment_id),
    )
    conn.executemany('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)', [(k, v, run_id) for k, v in (
        ('learning_rate', str(0.001 * (1 + int(run_id[:8], 16) % 10))), ('batch_size', '64'), ('optimizer', 'adam'), ('epochs', '20'), ('seed', run_id[-4:]))])
    conn.executemany('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)', [(k, v, run_id) for k, v in (
        ('mlflow.runName', name), ('mlflow.user', 'bench'), ('mlflow.source.name', 'train.py'), ('mlflow.source.type', 'LOCAL'), ('team', 'vision'))])


def latest(run_id, step, timestamp):
    conn.executemany(
        'INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)',
        [(k, 1.0 / (step + 1), timestamp, step, run_id) for k in KEYS],
    )


for i in range(SMALL_RUNS):
    run_id = f'{i:08x}' + 's' * 24
    start_time = START + i * 60_000
    add_run(run_id, f'small-{i}', start_time)
    latest(run_id, 0, start_time)
    conn.executemany(
        'INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)',
        [(k, 1.0, start_time, run_id) for k in KEYS],
    )
conn.execute('COMMIT')

history_runs = []
while os.path.getsize(part) < target:
    n = len(history_runs)
    run_id = f'{n:08x}' + 'h' * 24
    start_time = START + (SMALL_RUNS + n) * 60_000
    conn.execute('BEGIN')
    add_run(run_id, f'long-{n}', start_time)
    for k, key in enumerate(KEYS):
        conn.executemany(
            'INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)',
            ((key, math.exp(-step / 50_000) + 0.01 * ((step * 7919 + k * 104729 + n) % 1000) / 1000, start_time + step * 10, run_id, step) for step in range(STEPS)),
        )
    latest(run_id, STEPS - 1, start_time + (STEPS - 1) * 10)
    conn.execute('COMMIT')
    history_runs.append(run_id)
    print(f'  history run {n + 1}: {os.path.getsize(part) / 1e9:.2f} GB', file=sys.stderr, flush=True)

conn.execute('PRAGMA journal_mode=DELETE')
conn.close()
os.replace(part, out)
metric_rows = sqlite3.connect(out).execute('SELECT count(*) FROM metrics').fetchone()[0]
print(json.dumps({
    'dbFile': out,
    'experimentId': str(experiment_id),
    'smallRuns': SMALL_RUNS,
    'historyRunIds': history_runs,
    'historyKeys': KEYS,
    'historySteps': STEPS,
    'metricRows': metric_rows,
    'bytes': os.path.getsize(out),
    'generatedSeconds': round(time.time() - t0, 1),
}))
