#!/usr/bin/env bash
# `make bench` = `bash scripts/run-bench.sh BUILD_DIR`: every Google Benchmark program the
# build made (BUILD_DIR/bench/bench_*), then the NumPy baseline, in one run so the floor
# (memcpy of the same bytes), our kernels and NumPy share the machine's state.
# Results and how to read them: bench/README.md.
#   QS_BENCH_MIN_TIME  --benchmark_min_time in seconds (default 0.5)
#   QS_BENCH_FILTER    --benchmark_filter regex (default: all)
#   QS_BIG_GB          size of the synthetic sharded model for bench_big_model (default 10;
#                      0 skips it). Written once by `quantscope-cli demo --big` into
#                      BUILD/bench-big-<N>gb and reused.
#   QS_BENCH_ARGS      more Google Benchmark flags, e.g. "--benchmark_repetitions=5
#                      --benchmark_report_aggregates_only=true" on a noisy machine
set -euo pipefail
BUILD="${1:-build}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
MIN_TIME="${QS_BENCH_MIN_TIME:-0.5}"
FILTER="${QS_BENCH_FILTER:-.}"

die() { echo "run-bench: $*" >&2; exit 1; }

[ -d "$BUILD" ] || die "no build directory '$BUILD' (usage: scripts/run-bench.sh BUILD_DIR; \`make bench\` builds it first)"
progs=()
for p in "$BUILD"/bench/bench_*; do
  [ -f "$p" ] && [ -x "$p" ] && progs+=("$p")
done
if [ ${#progs[@]} -eq 0 ]; then
  die "no benchmark programs in $BUILD/bench (configure with -DQS_BUILD_BENCH=ON and libbenchmark-dev installed, then build)"
fi
for want in bench_quantize bench_calibrate; do
  [ -x "$BUILD/bench/$want" ] || die "$BUILD/bench/$want is missing: build it (cmake --build $BUILD --target $want)"
done
"$PY" -c 'import numpy' 2>/dev/null || die "$PY has no numpy (apt install python3-numpy) for bench/numpy_baseline.py"

# The 2-thread figures only mean something when the second core is free: say how busy
# the machine is over one second before starting.
busy_percent() {  # /proc/stat cpu: user nice system idle iowait irq softirq steal
  local u1 n1 s1 i1 w1 q1 o1 t1 u2 n2 s2 i2 w2 q2 o2 t2
  read -r _ u1 n1 s1 i1 w1 q1 o1 t1 _ < /proc/stat
  sleep 1
  read -r _ u2 n2 s2 i2 w2 q2 o2 t2 _ < /proc/stat
  local busy=$(((u2 + n2 + s2 + q2 + o2 + t2) - (u1 + n1 + s1 + q1 + o1 + t1)))
  local idle=$(((i2 + w2) - (i1 + w1)))
  echo $((100 * busy / (busy + idle + 1)))
}
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(free -g | awk '/Mem:/{print $2}') GB RAM"
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
echo "compiler: $("${cxx:-c++}" --version 2>/dev/null | head -n1)," \
     "CMAKE_BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)"
busy=$(busy_percent)
echo "CPU busy before the run: ${busy}% (load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$busy" -gt 20 ]; then
  echo "run-bench: WARNING: other work is using the CPUs; 2-thread figures will be low" >&2
fi

big_gb="${QS_BIG_GB:-10}"
if [ "$big_gb" != 0 ] && [ -x "$BUILD/bench/bench_big_model" ]; then
  big="$BUILD/bench-big-${big_gb}gb"
  if [ ! -d "$big" ]; then
    echo "writing the ${big_gb} GiB synthetic model to $big (once) ..."
    "$BUILD/app/quantscope-cli" demo --big "$big_gb" --out "$big" >/dev/null || die "demo --big failed"
  fi
  export QS_BIG_MODEL="$big"
fi

if [ -x "$BUILD/bench/bench_report" ]; then
  rep="$BUILD/bench-big-2gb"
  if [ ! -d "$rep" ]; then
    echo "writing the 2 GiB synthetic model to $rep (once) ..."
    "$BUILD/app/quantscope-cli" demo --big 2 --out "$rep" >/dev/null || die "demo --big failed"
  fi
  export QS_REPORT_MODEL="$rep"
fi

for p in "${progs[@]}"; do
  echo
  echo "== $(basename "$p")"
  # shellcheck disable=SC2086  # QS_BENCH_ARGS is a list of flags
  "$p" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$FILTER" ${QS_BENCH_ARGS:-} \
    || die "$(basename "$p") failed (exit $?)"
done
echo
echo "== NumPy baseline (bench/numpy_baseline.py)"
"$PY" "$ROOT/bench/numpy_baseline.py" || die "numpy_baseline.py failed"
echo
echo "== NumPy GGUF dequantization baseline (bench/numpy_gguf.py)"
"$PY" "$ROOT/bench/numpy_gguf.py" || die "numpy_gguf.py failed"
echo
echo "== NumPy presets baseline (bench/numpy_presets.py)"
"$PY" "$ROOT/bench/numpy_presets.py" || die "numpy_presets.py failed"
echo
echo "== NumPy transforms baseline (bench/numpy_transforms.py)"
"$PY" "$ROOT/bench/numpy_transforms.py" || die "numpy_transforms.py failed"
if [ -n "${QS_BIG_MODEL:-}" ]; then
  echo
  echo "== big model: inspect (headers only) and the NumPy scan baseline"
  /usr/bin/time -f "inspect              %e s, peak RSS %M KB" "$BUILD/app/quantscope-cli" inspect "$QS_BIG_MODEL" >/dev/null
  /usr/bin/time -f "inspect --stats      %e s, peak RSS %M KB" "$BUILD/app/quantscope-cli" inspect --stats "$QS_BIG_MODEL" >/dev/null 2>/tmp/qs_inspect_stats.$$ \
    ; tail -n 1 /tmp/qs_inspect_stats.$$; rm -f /tmp/qs_inspect_stats.$$
  "$PY" "$ROOT/bench/numpy_big_model.py" "$QS_BIG_MODEL" || die "numpy_big_model.py failed"
fi
