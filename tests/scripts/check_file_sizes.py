#!/usr/bin/env python3
"""Fails when a source file (C++, Python, CMake) has more than 600 lines: DESIGN.md's
"no file over 600 lines", so each file stays one concept. Usage: check_file_sizes.py ROOT."""
import os
import subprocess
import sys

LIMIT = 600
EXTS = (".cpp", ".h", ".py", ".cmake", "CMakeLists.txt", ".sh")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    try:
        files = subprocess.check_output(["git", "-C", root, "ls-files"], text=True).split("\n")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        files = [os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs]
    over = []
    for rel in files:
        if not rel.endswith(EXTS) or rel.startswith(("build", "tests/data/", "tests/fuzz/corpus/")):
            continue
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            n = sum(1 for _ in f)
        if n > LIMIT:
            over.append((n, rel))
    for n, rel in sorted(over, reverse=True):
        print(f"{rel}: {n} lines (limit {LIMIT})")
    if over:
        return 1
    print(f"file sizes: ok (every source file at most {LIMIT} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
