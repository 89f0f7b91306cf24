#!/usr/bin/env bash
# Runs a program and checks what it did, for CTest (whose PASS_REGULAR_EXPRESSION alone
# would ignore the exit code):
#   check_program.sh RC REGEX BOUND -- COMMAND...
# passes when COMMAND exits with RC, its output (stdout and stderr) matches the extended
# regular expression REGEX, and, unless BOUND is "-", its last "test RMSE x" is a number no
# larger than BOUND, or, for a BOUND of "ndcg>=Y", its last "test NDCG@100 x" is at least Y.
set -uo pipefail
expected_rc=$1 regex=$2 max_rmse=$3
shift 3
[ "${1:-}" = "--" ] && shift
output=$("$@" 2>&1)
rc=$?
printf '%s\n' "$output"
if [ "$rc" -ne "$expected_rc" ]; then
  echo "check_program: exit code $rc, expected $expected_rc" >&2
  exit 1
fi
if ! printf '%s\n' "$output" | grep -Eq -- "$regex"; then
  echo "check_program: the output does not match: $regex" >&2
  exit 1
fi
if [ "${max_rmse#ndcg>=}" != "$max_rmse" ]; then
  min_ndcg=${max_rmse#ndcg>=}
  ndcg=$(printf '%s\n' "$output" | sed -n 's/^test NDCG@100 \([0-9.]*\).*/\1/p' | tail -1)
  if [ -z "$ndcg" ] || ! awk -v r="$ndcg" -v m="$min_ndcg" 'BEGIN { exit !(r + 0 >= m + 0) }'; then
    echo "check_program: test NDCG@100 '${ndcg}' is not at least $min_ndcg" >&2
    exit 1
  fi
elif [ "$max_rmse" != "-" ]; then
  rmse=$(printf '%s\n' "$output" | sed -n 's/.*test RMSE \([0-9.]*\).*/\1/p' | tail -1)
  if [ -z "$rmse" ] || ! awk -v r="$rmse" -v m="$max_rmse" 'BEGIN { exit !(r + 0 <= m + 0) }'; then
    echo "check_program: test RMSE '${rmse}' is not at most $max_rmse" >&2
    exit 1
  fi
fi
