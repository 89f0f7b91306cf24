#!/usr/bin/env bash
# autorec-train-mpi gives the same model on 1, 2 and 4 ranks, and the model serves:
#   check_mpi_ranks.sh TRAIN_MPI RECOMMEND WORKDIR [autorec-train-mpi options...]
# trains with the options on each number of ranks (one thread each, oversubscribed on
# loopback), requires byte-identical model files and the same test RMSE line, then asks
# autorec-recommend for a top-5 from the gathered model.
set -euo pipefail
train=$1 recommend=$2 work=$3
shift 3
rm -rf "$work" && mkdir -p "$work"
for np in 1 2 4; do
  "${MPIRUN:-mpirun}" --oversubscribe -np "$np" "$train" --threads 1 --save "$work/model-$np.bin" "$@" >"$work/out-$np.txt" 2>&1 || {
    cat "$work/out-$np.txt"; echo "check_mpi_ranks: the run on $np ranks failed" >&2; exit 1; }
  grep "test RMSE" "$work/out-$np.txt" >"$work/rmse-$np.txt"
  echo "$np ranks: $(cat "$work/rmse-$np.txt")"
done
cat "$work/out-4.txt"
for np in 2 4; do
  cmp "$work/model-1.bin" "$work/model-$np.bin" || { echo "check_mpi_ranks: the model on $np ranks differs" >&2; exit 1; }
  cmp "$work/rmse-1.txt" "$work/rmse-$np.txt" || { echo "check_mpi_ranks: the test RMSE on $np ranks differs" >&2; exit 1; }
done
"$recommend" --model "$work/model-4.bin" --user 1 --top 5 | tee "$work/top.txt"
[ "$(grep -c . "$work/top.txt")" -ge 5 ] || { echo "check_mpi_ranks: no top-5 from the gathered model" >&2; exit 1; }
