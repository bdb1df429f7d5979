#!/usr/bin/env bash
# `make bench`: every Google Benchmark program of the build, then the NumPy baseline, in
# one run so the figures share the machine's state. Results: bench/README.md.
set -euo pipefail
BUILD="${1:-build}"
shopt -s nullglob
progs=("$BUILD"/bench/bench_*)
if [ ${#progs[@]} -eq 0 ]; then
  echo "run-bench: no benchmark programs in $BUILD/bench (configure with -DQS_BUILD_BENCH=ON)" >&2
  exit 1
fi
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(free -g | awk '/Mem:/{print $2}') GB"
for p in "${progs[@]}"; do
  [ -x "$p" ] || continue
  echo
  echo "== $(basename "$p")"
  "$p" --benchmark_min_time=0.5
done
echo
echo "== NumPy baseline (bench/numpy_baseline.py)"
/usr/bin/python3 "$(dirname "$0")/../bench/numpy_baseline.py"
