#!/usr/bin/env bash
# autorec-train-mpi gives the same model on 1, 2 and 4 ranks, and the model serves:
#   check_mpi_ranks.sh TRAIN_MPI RECOMMEND WORKDIR [--rmse-tolerance T] [autorec-train-mpi options...]
# trains with the options on each number of ranks (one thread each, oversubscribed on
# loopback), requires byte-identical model files and the same test RMSE line (or, with
# --rmse-tolerance, test RMSEs within T of each other relatively: for --reduction allreduce),
# then asks autorec-recommend for a top-5 from the gathered model.
set -euo pipefail
train=$1 recommend=$2 work=$3
shift 3
tolerance=
if [ "${1:-}" = "--rmse-tolerance" ]; then tolerance=$2; shift 2; fi
rm -rf "$work" && mkdir -p "$work"
for np in 1 2 4; do
  "${MPIRUN:-mpirun}" --oversubscribe -np "$np" "$train" --threads 1 --save "$work/model-$np.bin" "$@" >"$work/out-$np.txt" 2>&1 || {
    cat "$work/out-$np.txt"; echo "check_mpi_ranks: the run on $np ranks failed" >&2; exit 1; }
  grep "test RMSE" "$work/out-$np.txt" >"$work/rmse-$np.txt"
  echo "$np ranks: $(cat "$work/rmse-$np.txt")"
done
cat "$work/out-4.txt"
for np in 2 4; do
  if [ -n "$tolerance" ]; then
    a=$(sed 's/test RMSE \([0-9.]*\).*/\1/' "$work/rmse-1.txt") b=$(sed 's/test RMSE \([0-9.]*\).*/\1/' "$work/rmse-$np.txt")
    awk -v a="$a" -v b="$b" -v t="$tolerance" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t * a) }' ||
      { echo "check_mpi_ranks: test RMSE $b on $np ranks is not within $tolerance of $a" >&2; exit 1; }
    continue
  fi
  cmp "$work/model-1.bin" "$work/model-$np.bin" || { echo "check_mpi_ranks: the model on $np ranks differs" >&2; exit 1; }
  cmp "$work/rmse-1.txt" "$work/rmse-$np.txt" || { echo "check_mpi_ranks: the test RMSE on $np ranks differs" >&2; exit 1; }
done
"$recommend" --model "$work/model-4.bin" --user 1 --top 5 | tee "$work/top.txt"
[ "$(grep -c . "$work/top.txt")" -ge 5 ] || { echo "check_mpi_ranks: no top-5 from the gathered model" >&2; exit 1; }
