#!/usr/bin/env bash
# The marginal epoch time of autorec-train as a user waits for it: the whole process with
# 42 epochs against 2 epochs (no early stop), median of 3 runs each, divided by 40. This
# includes the training pass, the optimizer step and the validation of every epoch.
#   bench/epoch_time.sh RATINGS [BUILD] [EXTRA autorec-train OPTIONS...]
# RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org); it may be left out
# (or given as "") when the environment variable AUTOREC_ML1M names it. BUILD: default build.
# I-AutoRec, k = 500, full-batch RProp, lambda 280, seed 7.
set -euo pipefail
source "$(dirname "$0")/ml1m_data.sh"
require_ml1m "bench/epoch_time.sh RATINGS [BUILD] [EXTRA autorec-train OPTIONS...]" "${1:-}"
build=${2:-build}
shift $(( $# < 2 ? $# : 2 ))
extra=("$@")
median_seconds() {  # median wall time of 3 runs of autorec-train --epochs $1
  for run in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$build/examples/autorec-train" --data "$data" --lambda 280 --seed 7 --epochs "$1" --patience 100000 "${extra[@]}" \
      > /dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc | sed "s/^\./0./"
  done | sort -n | sed -n 2p
}
few=$(median_seconds 2)
many=$(median_seconds 42)
echo "autorec-train, 2 epochs: $few s; 42 epochs: $many s (median of 3)"
echo "marginal epoch: $(echo "scale=4; ($many - $few) / 40 * 1000" | bc) ms"
