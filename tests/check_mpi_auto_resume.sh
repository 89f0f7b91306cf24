#!/usr/bin/env bash
# --lambda auto checkpoints every trial and the refit in folders of their own: run again with
# the same options, the program resumes each from its end (where nothing is left to train) and prints
# the same test RMSE.
set -euo pipefail
train=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
options=(--threads 1 --epochs 2 --checkpoint "$work/ckpt")
"${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" "${options[@]}" >"$work/first.txt" 2>&1 || { cat "$work/first.txt"; exit 1; }
"${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" "${options[@]}" >"$work/again.txt" 2>&1 || { cat "$work/again.txt"; exit 1; }
cat "$work/again.txt"
trials=$(grep -c "^lambda .*: validation RMSE" "$work/first.txt")
resumed=$(grep -c "resumed from $work/ckpt/trial-.* after epoch" "$work/again.txt")
[ "$trials" -ge 3 ] && [ "$resumed" = "$trials" ] ||
  { echo "check_mpi_auto_resume: $resumed of $trials trials resumed" >&2; exit 1; }
grep -q "resumed from $work/ckpt/refit-" "$work/again.txt" || { echo "check_mpi_auto_resume: the refit was not resumed" >&2; exit 1; }
cmp <(grep "test RMSE" "$work/first.txt") <(grep "test RMSE" "$work/again.txt")
echo "every trial and the refit resumed from their ends, with the same test RMSE"
