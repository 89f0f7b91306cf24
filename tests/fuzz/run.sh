#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each for SECONDS (default 60), starting
# from the seed corpus in tests/fuzz/corpus. Fails on any crash or sanitizer report.
#   bash tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=${2:-build-fuzz}
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in ratings item_ratings model; do
  mkdir -p "$work/$target"
  [ -d "tests/fuzz/corpus/$target" ] && cp tests/fuzz/corpus/"$target"/* "$work/$target/" 2>/dev/null || true
done
"$build/make_model_seeds" "$work/model"
for target in ratings item_ratings model; do
  echo "== fuzz_$target for $seconds s =="
  # -rss_limit_mb bounds memory; -max_len keeps inputs small enough to run fast; a crash,
  # leak, timeout or sanitizer report makes libFuzzer exit non-zero, and this script with it.
  set +e
  "$build/fuzz_$target" "$work/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" > "$work/fuzz_$target.log" 2>&1
  status=$?
  set -e
  grep -E "^Done|stat::number_of_executed_units|ERROR|SUMMARY|runtime error" "$work/fuzz_$target.log" | head -20
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$target failed (exit $status); the input that failed:"
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | head -3 | xargs -r -n1 xxd | head -40
    exit 1
  fi
done
echo "fuzzing passed"
