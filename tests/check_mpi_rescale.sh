#!/usr/bin/env bash
# A checkpoint written on 2 ranks resumes on 4 (checkpoints are per shard, not per rank), for
# more epochs, and ends with the model 8 uninterrupted epochs on 2 ranks give:
#   check_mpi_rescale.sh TRAIN_MPI WORKDIR [autorec-train-mpi options...]
# (without options: Adam on minibatches, lambda 30)
set -euo pipefail
train=$1 work=$2
shift 2
[ $# -gt 0 ] || set -- --lambda 30 --optimizer adam --batch 1024
rm -rf "$work" && mkdir -p "$work"
options=(--threads 1 --patience 0 "$@")
"${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" "${options[@]}" --epochs 8 --save "$work/whole.bin" >/dev/null
"${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" "${options[@]}" --epochs 4 --checkpoint "$work/ckpt" >/dev/null
"${MPIRUN:-mpirun}" --oversubscribe -np 4 "$train" "${options[@]}" --epochs 8 --checkpoint "$work/ckpt" \
  --save "$work/resumed.bin" | tee "$work/resumed.txt"
grep -q "resumed from $work/ckpt/trial-30 after epoch 4" "$work/resumed.txt"
cmp "$work/whole.bin" "$work/resumed.bin"
echo "resumed on 4 ranks: the model of the uninterrupted 2-rank run, byte for byte"
