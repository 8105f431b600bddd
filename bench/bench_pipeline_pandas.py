# bench_pipeline_pandas.py - the peer of `tep run` in the pipeline benchmark: the
# design document's pipeline in pandas on the same CSV (read_csv, dedupe/sort,
# forward fill, MAD clip at 6, z-score, rolling-20 mean/std and first differences
# for all 53 variables, to_sql into SQLite). Prints compute and SQLite seconds.
# Run with Debian's python3 (python3-pandas): /usr/bin/python3 bench_pipeline_pandas.py IN.csv OUT.db
import sqlite3
import sys
import time

import pandas as pd

t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t_read = time.perf_counter()
df = df.drop_duplicates().sort_values("time_h").reset_index(drop=True)
cols = [c for c in df.columns if c != "time_h"]
df[cols] = df[cols].ffill()
med = df[cols].median()
mad = (df[cols] - med).abs().median() * 1.4826
df[cols] = df[cols].clip(med - 6 * mad, med + 6 * mad, axis=1)
df[cols] = (df[cols] - df[cols].mean()) / df[cols].std()
roll = df[cols].rolling(20)
feats = [df, roll.mean().add_suffix("__roll20_mean"), roll.std().add_suffix("__roll20_std"),
         df[cols].diff().add_suffix("__diff1")]
out = pd.concat(feats, axis=1)
t_compute = time.perf_counter()
con = sqlite3.connect(sys.argv[2])
out.to_sql("tep_processed", con, if_exists="replace", index=False, chunksize=10000)
con.close()
t_sql = time.perf_counter()
print(f"pandas: read {t_read - t0:.2f} s, compute {t_compute - t_read:.2f} s, "
      f"to_sql {t_sql - t_compute:.2f} s, total {t_sql - t0:.2f} s, "
      f"{len(out)} rows x {out.shape[1]} columns")
