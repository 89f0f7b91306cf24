#!/usr/bin/env bash
# A checkpoint directory of one run is refused by a run with other options, which names both.
set -euo pipefail
train=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
"${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" --threads 1 --lambda 30 --epochs 2 --checkpoint "$work/ckpt" >/dev/null
if output=$("${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" --threads 1 --lambda 30 --epochs 2 --seed 2 \
    --checkpoint "$work/ckpt" 2>&1); then
  echo "check_mpi_other_run: a checkpoint of seed 1 was resumed with seed 2" >&2
  exit 1
fi
printf '%s\n' "$output"
printf '%s\n' "$output" | grep -q "belongs to another run (.*seed 1,.*), not to this one (.*seed 2," || {
  echo "check_mpi_other_run: the refusal does not name both runs" >&2; exit 1; }
