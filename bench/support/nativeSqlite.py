"""The native-SQLite baseline of the benches: Python's sqlite3 (the SQLite MLflow itself uses) running
the very statements the store issued, on the same file, timed here so no IPC is counted.

Reads one JSON request per line on stdin, answers one JSON line on stdout:
  {"db": path, "queries": [{"sql": ..., "params": [...]}, ...], "warmup": n, "reps": n, "connect": bool}
  -> {"ms": [per-rep milliseconds], "rows": rows of the last rep}
With "connect", each rep opens the file (read-only) first and closes it after, as a cold open does;
otherwise one connection is opened before the warm-up and kept.

A live request reads while another process writes, as a reader of a rollback-journal store must:
  {"db": path, "queries": [...], "live": {"writer_pid": pid, "period_ms": 500, "max_seconds": s, "jitter_ms": [...]}}
  -> {"ms": [per-read milliseconds of the reads that succeeded], "failures": n, "error": last error}
Once per period_ms slot (starting jitter_ms[i] into the i-th, as the store's reads do), until the writer process is gone (or max_seconds passed), the queries run as one read
transaction (one shared lock: a consistent read, which SQLite's lock makes wait for a commit in progress),
on one connection with Python's default busy timeout (5 s), as a Python reader would.
"""
import os
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


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def live(db, queries, writer_pid, period_ms, max_seconds, jitter_ms):
    conn = sqlite3.connect(f'file:{db}?mode=ro', uri=True, isolation_level=None)
    times, failures, error = [], 0, ''
    started = time.monotonic()
    slot = started
    i = 0
    while alive(writer_pid) and time.monotonic() - started < max_seconds:
        time.sleep(max(0.0, slot + jitter_ms[i % len(jitter_ms)] / 1000 - time.monotonic()))
        if not alive(writer_pid):
            break
        slot += period_ms / 1000
        i += 1
        t0 = time.perf_counter()
        try:
            conn.execute('BEGIN')
            run(conn, queries)
            conn.execute('COMMIT')
            times.append((time.perf_counter() - t0) * 1000)
        except sqlite3.Error as e:
            failures += 1
            error = str(e)
            if conn.in_transaction:
                conn.execute('ROLLBACK')
    conn.close()
    return {'ms': times, 'failures': failures, 'error': error}


for line in sys.stdin:
    request = json.loads(line)
    if request.get('live'):
        spec = request['live']
        print(json.dumps(live(request['db'], request['queries'], spec['writer_pid'], spec['period_ms'], spec['max_seconds'], spec['jitter_ms'])), flush=True)
        continue
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
