#!/usr/bin/env bash
# `make fuzz`: builds every tests/fuzz/*_fuzz.cpp harness with clang's libFuzzer, ASan and
# UBSan (build-fuzz/, QS_FUZZ=ON) and runs each for FUZZ_SECONDS (default 60), starting
# from its seeds (FuzzSeeds(), written by the ordinary build's driver) and the committed
# corpus tests/fuzz/corpus/NAME. New inputs go to build-fuzz/corpus/NAME (the repository
# is not modified); a crash, leak, timeout or out-of-memory input is saved under
# build-fuzz/crashes/ and fails the run. Commit such an input to tests/fuzz/corpus/NAME
# once fixed: ctest replays that directory on every `make test`.
#
#   scripts/fuzz.sh BUILD [NAME...]      FUZZ_SECONDS=600 scripts/fuzz.sh build gguf_fuzz
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
shift || true
secs=${FUZZ_SECONDS:-60}
fbuild=${FUZZ_BUILD:-$root/build-fuzz}

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 is missing (scripts/install-deps.sh installs clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$fbuild" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DQS_FUZZ=ON >"$fbuild.configure.log" 2>&1 || { cat "$fbuild.configure.log"; exit 1; }
cmake --build "$fbuild" -j "$(nproc)"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/tests/fuzz/*_fuzz.cpp; do names+=("$(basename "$f" .cpp)"); done
fi
mkdir -p "$fbuild/crashes"
status=0
for name in "${names[@]}"; do
  work="$fbuild/corpus/$name"
  committed="$root/tests/fuzz/corpus/$name"
  mkdir -p "$work" "$committed"
  if [ -x "$build/tests/$name" ]; then "$build/tests/$name" --write-corpus "$work" >/dev/null; fi
  echo "== $name: ${secs}s (corpus $(ls "$work" | wc -l) + $(ls "$committed" | wc -l) committed)"
  log="$fbuild/$name.log"
  if ! "$fbuild/tests/fuzz/$name" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$fbuild/crashes/$name-" "$work" "$committed" >"$log" 2>&1; then
    status=1
    echo "!! $name found a failing input:"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE" "$log" | tr '\n' ' '
  echo
done
if [ $status -ne 0 ]; then
  echo "fuzz: failing inputs are in $fbuild/crashes/" >&2
fi
exit $status
