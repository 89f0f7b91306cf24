#!/usr/bin/env bash
# Ratings on another scale train as well: autorec-train on a ratings file and on the same
# file with every rating times FACTOR (20 turns ml-latest-small's 0.5-5 into 10-100) must give
# test RMSEs in the ratio FACTOR, to 1e-4 relative, as the network sees ratings / scale.
#   check_rescaled.sh AUTOREC_TRAIN RATINGS FACTOR WORK_DIR [autorec-train options...]
set -euo pipefail
train=$1 ratings=$2 factor=$3 work=$4
shift 4
mkdir -p "$work"
rescaled=$work/rescaled-ratings.csv
awk -F, -v f="$factor" 'NR == 1 { print; next } { $3 = $3 * f; print }' OFS=, "$ratings" > "$rescaled"
original=$("$train" --data "$ratings" "$@" | sed -n 's/^test RMSE \([0-9.]*\).*/\1/p')
output=$("$train" --data "$rescaled" "$@")
printf '%s\n' "$output"
scaled=$(printf '%s\n' "$output" | sed -n 's/^test RMSE \([0-9.]*\).*/\1/p')
echo "test RMSE $original on the original ratings, $scaled on the ratings times $factor"
awk -v a="$original" -v b="$scaled" -v f="$factor" \
  'BEGIN { d = b / f - a; if (d < 0) d = -d; exit !(a > 0 && d <= 1e-4 * a) }' ||
  { echo "check_rescaled: $scaled / $factor differs from $original" >&2; exit 1; }
