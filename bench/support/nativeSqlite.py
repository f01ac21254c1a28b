"""The native-SQLite baseline of the benches: Python's sqlite3 (the SQLite MLflow itself uses) running
the very statements the store issued, on the same file, timed here so no IPC is counted.

Reads one JSON request per line on stdin, answers one JSON line on stdout:
  {"db": path, "queries": [{"sql": ..., "params": [...]}, ...], "warmup": n, "reps": n, "connect": bool}
  -> {"ms": [per-rep milliseconds], "rows": rows of the last rep}
With "connect", each rep opens the file (read-only) first and closes it after, as a cold open does;
otherwise one connection is opened before the warm-up and kept.
"""
import json
import sqlite3
import sys
import time


def run(conn, queries):
    rows = 0
    for q in queries:
        rows += len(conn.execute(q['sql'], q.get('params') or []).fetchall())
    return rows


def connect(db):
    return sqlite3.connect(f'file:{db}?mode=ro', uri=True)


for line in sys.stdin:
    request = json.loads(line)
    db, queries = request['db'], request['queries']
    times = []
    rows = 0
    if request.get('connect'):
        for i in range(request['warmup'] + request['reps']):
            t0 = time.perf_counter()
            conn = connect(db)
            rows = run(conn, queries)
            conn.close()
            if i >= request['warmup']:
                times.append((time.perf_counter() - t0) * 1000)
    else:
        conn = connect(db)
        for i in range(request['warmup'] + request['reps']):
            t0 = time.perf_counter()
            rows = run(conn, queries)
            if i >= request['warmup']:
                times.append((time.perf_counter() - t0) * 1000)
        conn.close()
    print(json.dumps({'ms': times, 'rows': rows}), flush=True)
