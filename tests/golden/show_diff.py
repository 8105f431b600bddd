#!/usr/bin/env python3
"""show_diff.py - how an output differs from its recorded (golden) copy, for tests/cli_golden.sh.

Usage: show_diff.py RECORDED NOW [MAX_LINES]
Prints a unified diff (recorded = '-', now = '+'), at most MAX_LINES (default 40) lines of it.
Lines longer than 160 characters (one SQL INSERT or line-protocol point holds a whole row) are
cut, and for each changed long line paired with its new version the first differing fields
(split at commas, tabs and spaces) are listed with their position, so the changed value and its
row can be seen without reading 2000-character lines.
"""
import difflib
import re
import sys

recorded_path, now_path = sys.argv[1], sys.argv[2]
max_lines = int(sys.argv[3]) if len(sys.argv) > 3 else 40
WIDTH = 160


def lines(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


def cut(line):
    return line if len(line) <= WIDTH else line[:WIDTH] + f" ...({len(line) - WIDTH} more chars)"


def fields(line):
    return re.split(r"[,\t ]", line)


def field_diff(old, new, limit=4):
    a, b = fields(old), fields(new)
    out = []
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "(none)"
        y = b[i] if i < len(b) else "(none)"
        if x != y:
            out.append(f"      field {i + 1}: recorded {x[:80]!r}, now {y[:80]!r}")
            if len(out) == limit:
                break
    if len(a) != len(b):
        out.append(f"      ({len(a)} fields recorded, {len(b)} now)")
    return out


old_lines, new_lines = lines(recorded_path), lines(now_path)
printed = 0
for group in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_grouped_opcodes(1):
    out = [f"@@ recorded line {group[0][1] + 1}, now line {group[0][3] + 1} @@"]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            out += [" " + cut(x) for x in old_lines[i1:i2]]
            continue
        old, new = old_lines[i1:i2], new_lines[j1:j2]
        if not any(len(x) > WIDTH for x in old + new):
            out += ["-" + x for x in old] + ["+" + x for x in new]
            continue
        # long lines: each recorded line, its new version and how they differ
        for k in range(max(len(old), len(new))):
            if k < len(old):
                out.append("-" + cut(old[k]))
            if k < len(new):
                out.append("+" + cut(new[k]))
            if k < len(old) and k < len(new):
                out.append(f"    line {i1 + k + 1} (recorded) vs {j1 + k + 1} (now), first differing fields:")
                out += field_diff(old[k], new[k])
    for line in out:
        if printed == max_lines:
            print("    ... (diff cut)")
            sys.exit(0)
        print("    " + line)
        printed += 1
