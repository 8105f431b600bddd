# bench_store_pg_pandas.py - the pandas peer of the PostgreSQL store benchmark.
# Same job as `tep run` in bench_store_pg.sh: read_csv, rolling-20 mean/std and first
# differences of the 53 variables, then load into a table of the same layout as the
# tep store's tep_processed (id bigint primary key, run_id, sample, time_h, fault, ts,
# one double precision column per value), one transaction, with the fastest paths
# pandas + psycopg2 have:
#   binary COPY: numpy builds the PGCOPY rows (big-endian structured array, 64k rows
#                at a time, streamed to copy_expert); NaN goes as float8 NaN, not
#                NULL (a NULL changes the row size, which a fixed numpy layout cannot
#                express): the server does slightly less work than for tep's NULLs.
#   text COPY:   DataFrame.to_csv (shortest round-trip floats, '' = NULL) streamed to
#                COPY ... (FORMAT csv).
# Usage: /usr/bin/python3 bench_store_pg_pandas.py IN.csv CONNINFO [binary|text|both [REPEAT]]
# The binary load runs REPEAT times (default 1) on a fresh table; the best time is printed.
import io
import sys
import time

import numpy as np
import pandas as pd
import psycopg2

path, dsn = sys.argv[1], sys.argv[2]
modes = sys.argv[3] if len(sys.argv) > 3 else "both"
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1

t0 = time.perf_counter()
df = pd.read_csv(path)
t_read = time.perf_counter()
cols = [c for c in df.columns if c != "time_h"]
roll = df[cols].rolling(20)
out = pd.concat([df[cols], roll.mean().add_suffix("__roll20_mean"),
                 roll.std().add_suffix("__roll20_std"), df[cols].diff().add_suffix("__diff1")],
                axis=1)
t_features = time.perf_counter()
n, k = out.shape
run_id = "big.csv"
run_number = 1
ids = (run_number << 32) + np.arange(1, n + 1, dtype=np.int64)
sample = np.arange(1, n + 1, dtype=np.int64)
time_h = df["time_h"].to_numpy(dtype=np.float64)
base_us = (1714550400 - 946684800) * 1_000_000  # 2024-05-01 in timestamptz microseconds
ts = (base_us + np.rint(time_h * 3600e6)).astype(np.int64)
names = ", ".join('"%s"' % c for c in out.columns)


def create(cur, table):
    cur.execute('DROP TABLE IF EXISTS "%s"' % table)
    cur.execute('CREATE TABLE "%s" (id bigint NOT NULL, run_id text NOT NULL, sample bigint NOT NULL,'
                ' time_h double precision, fault integer, ts timestamptz NOT NULL, %s,'
                ' PRIMARY KEY (id))' % (table, ", ".join('"%s" double precision' % c for c in out.columns)))


class Stream(io.RawIOBase):
    """A file object whose read() encodes the next rows on demand (no copy of the rest)."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.cur = memoryview(b"")
        self.pos = 0

    def readable(self):
        return True

    def read(self, size=-1):
        while self.pos >= len(self.cur):
            piece = next(self.chunks, None)
            if piece is None:
                return b""
            self.cur, self.pos = memoryview(piece), 0
        end = len(self.cur) if size < 0 else min(len(self.cur), self.pos + size)
        data = self.cur[self.pos:end].tobytes()
        self.pos = end
        return data


def binary_chunks(step=65536):
    rb = run_id.encode()
    dt = np.dtype([("nf", ">i2"), ("l0", ">i4"), ("id", ">i8"), ("l1", ">i4"), ("run", "S%d" % len(rb)),
                   ("l2", ">i4"), ("sample", ">i8"), ("l3", ">i4"), ("time_h", ">f8"), ("l4", ">i4"),
                   ("fault", ">i4"), ("l5", ">i4"), ("ts", ">i8"),
                   ("v", [("l", ">i4"), ("x", ">f8")], (k,))])
    yield b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
    values = out.to_numpy(dtype=np.float64)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        a = np.empty(hi - lo, dtype=dt)
        a["nf"], a["l0"], a["l1"], a["l2"], a["l3"], a["l4"], a["l5"] = 6 + k, 8, len(rb), 8, 8, 4, 8
        a["id"], a["run"], a["sample"] = ids[lo:hi], rb, sample[lo:hi]
        a["time_h"], a["fault"], a["ts"] = time_h[lo:hi], 0, ts[lo:hi]
        a["v"]["l"] = 8
        a["v"]["x"] = values[lo:hi]
        yield a.tobytes()
    yield b"\xff\xff"


def text_chunks(step=65536):
    keys = pd.DataFrame({"id": ids, "run_id": run_id, "sample": sample, "time_h": time_h, "fault": 0,
                         "ts": pd.to_datetime(ts - base_us + 1714550400 * 1_000_000, unit="us", utc=True)})
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        part = pd.concat([keys.iloc[lo:hi].reset_index(drop=True), out.iloc[lo:hi].reset_index(drop=True)], axis=1)
        yield part.to_csv(header=False, index=False, na_rep="").encode()


conn = psycopg2.connect(dsn)
cur = conn.cursor()
results = []
for mode in ("binary", "text"):
    if modes not in (mode, "both"):
        continue
    table = "pd_%s_tep_processed" % mode
    best = None
    for _ in range(repeat if mode == "binary" else 1):  # text: minutes, and far behind
        create(cur, table)
        conn.commit()
        t1 = time.perf_counter()
        if mode == "binary":
            sql = 'COPY "%s" (id, run_id, sample, time_h, fault, ts, %s) FROM STDIN (FORMAT binary)'
            cur.copy_expert(sql % (table, names), Stream(binary_chunks()), size=1 << 20)
        else:
            sql = "COPY \"%s\" (id, run_id, sample, time_h, fault, ts, %s) FROM STDIN (FORMAT csv, NULL '')"
            cur.copy_expert(sql % (table, names), Stream(text_chunks()), size=1 << 20)
        conn.commit()
        t2 = time.perf_counter()
        best = t2 - t1 if best is None else min(best, t2 - t1)
        cur.execute('SELECT count(*) FROM "%s"' % table)
        stored = cur.fetchone()[0]
        cur.execute('DROP TABLE "%s"' % table)
        conn.commit()
        if stored != n:
            sys.exit("pandas peer: %d rows stored, expected %d" % (stored, n))
    results.append("%s COPY %.2f s" % ("psycopg2 binary" if mode == "binary" else "to_csv + text", best))
    print("pandas_%s_load_seconds=%.3f" % (mode, best))
print("pandas_read_seconds=%.3f" % (t_read - t0))
print("pandas_features_seconds=%.3f" % (t_features - t_read))
print("pandas: read_csv %.2f s, features %.2f s, %s (binary: best of %d); %d rows x %d value columns"
      % (t_read - t0, t_features - t_read, ", ".join(results), repeat, n, k))
