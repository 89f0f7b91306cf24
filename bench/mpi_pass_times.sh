#!/usr/bin/env bash
# Median epoch time (training pass, RProp step and validation) of autorec-train-mpi on 1, 2
# and 4 ranks of this machine, with both reductions, and rank 0's peak memory:
#   bench/mpi_pass_times.sh RATINGS [BUILD]
# RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org); it may be left out
# (or given as "") when the environment variable AUTOREC_ML1M names it. BUILD: default build.
# On 2 cores, 2 and 4 ranks are oversubscribed (one thread each): this shows that the
# sharded pass runs and what it costs, not a speedup.
set -euo pipefail
source "$(dirname "$0")/ml1m_data.sh"
require_ml1m "bench/mpi_pass_times.sh RATINGS [BUILD]" "${1:-}"
build=${2:-build}
run() {  # run LABEL MPIRUN-OPTIONS... -- PROGRAM-OPTIONS...
  local label=$1
  shift
  local mpi=()
  while [ "$1" != "--" ]; do mpi+=("$1"); shift; done
  shift
  local out
  out=$(mpirun "${mpi[@]}" "$build/mpi/autorec-train-mpi" --data "$data" --lambda 280 --epochs 8 --patience 0 "$@")
  local median
  median=$(printf '%s\n' "$out" | awk '/^epoch/ { print ($NF == "*" ? $(NF - 2) : $(NF - 1)) }' | tail -6 | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f", (a[3] + a[4]) / 2 }')
  printf '%-36s %8s s %s\n' "$label" "$median" "$(printf '%s\n' "$out" | grep -o 'peak memory [0-9.]* MiB')"
}
echo "median of epochs 3-8, ML-1M I-AutoRec, k = 500, full-batch RProp, 4 shards"
run "1 rank, 2 threads" --bind-to none -np 1 -- --threads 2
run "1 rank, 1 thread" -np 1 -- --threads 1
for np in 2 4; do
  for reduction in fixed allreduce; do
    run "$np ranks, 1 thread each, $reduction" --oversubscribe -np "$np" -- --threads 1 --reduction "$reduction"
  done
done
echo "autorec-train, 2 threads, for comparison:"
"$build/examples/autorec-train" --data "$data" --lambda 280 --epochs 8 --patience 0 |
  awk '/^epoch/ { print ($NF == "*" ? $(NF - 2) : $(NF - 1)) }' | tail -6 | sort -n |
  awk '{ a[NR] = $1 } END { printf "%-36s %8.3f s\n", "single process", (a[3] + a[4]) / 2 }'
