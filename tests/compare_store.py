# compare_store.py - the storage tests' check: every value of tep_processed stored by a
# server sink equals the same runs stored in SQLite (the reference), exactly.
# Usage: compare_store.py pg|influx REF.db DATA
#   pg:     DATA = psql output of (run_id, sample, time_h, fault, <value columns in
#           SQLite's order>), tab-separated, NULL as empty
#   influx: DATA = an InfluxQL JSON answer with the same fields
# Prints the counts; exit 1 on a missing, extra or different row or value.
import json, sqlite3, sys
mode, db, data = sys.argv[1:4]
con = sqlite3.connect(db)
keys = ("id", "run_id", "sample", "time_h", "fault")
cols = [r[1] for r in con.execute("pragma table_info(tep_processed)") if r[1] not in keys]
ref = {}
for row in con.execute("select run_id, sample, time_h, fault, %s from tep_processed" % ",".join(cols)):
    ref[(row[0], row[1])] = list(row[2:])
got = {}
if mode == "pg":
    for line in open(data):
        f = line.rstrip("\n").split("\t")
        got[(f[0], int(f[1]))] = [None if x == "" else float(x) for x in f[2:]]
else:
    for s in json.load(open(data))["results"][0].get("series", []):
        for v in s["values"]:
            d = dict(zip(s["columns"], v))
            got[(d["run_id"], d["sample"])] = [d.get("time_h"), int(d["fault"])] + [d.get(c) for c in cols]
bad = 0
cells = 0
for k, want in ref.items():
    have = got.get(k)
    if have is None:
        bad += 1; print("missing row", k); continue
    for name, a, b in zip(("time_h", "fault") + tuple(cols), want, have):
        cells += 1
        if (a is None) != (b is None) or (a is not None and float(a) != float(b)):
            bad += 1
            if bad < 10:
                fa = "NULL" if a is None else "%.17g" % a
                fb = "NULL" if b is None else "%.17g" % b
                print("mismatch %s %s: sqlite %s, %s %s" % (k, name, fa, mode, fb))
extra = len(set(got) - set(ref))
print("%d rows, %d columns, %d cells compared, %d mismatches, %d extra rows" % (len(ref), len(cols), cells, bad, extra))
sys.exit(1 if bad or extra or not ref else 0)
