#!/usr/bin/env bash
# Runs the paper's protocol (bench/reproduce_paper) on ML-1M (I-AutoRec and U-AutoRec) and on
# the embedded ml-latest-small, and rewrites the measured block of docs/results.md (the
# table, its commands and the per-split lines) between its markers.
#   bash bench/reproduce.sh [ML1M_RATINGS]
# ML1M_RATINGS: the ML-1M ratings file, a user-item-rating file (grouplens.org). ML-1M may not
# be redistributed: give its path, or set the environment variable AUTOREC_ML1M to it; without
# either, or when the file is absent, its rows are skipped with a message. The commands written
# to docs/results.md name it ML1M_RATINGS, not the path.
set -euo pipefail
ml1m=${1:-${AUTOREC_ML1M:-}}
[ -n "$ml1m" ] && [ -f "$ml1m" ] && ml1m=$(realpath "$ml1m")  # before the cd below
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j2 --target reproduce_paper > /dev/null
log=$(mktemp -d)
run() {  # name, then reproduce_paper arguments
  local name=$1
  shift
  echo "== $name: build/bench/reproduce_paper $*" >&2
  ./build/bench/reproduce_paper "$@" | tee "$log/$name.log" >&2
}
i_item="--data $ml1m --label ML-1M --variant item --splits 5 --lambda 200 --lambda 300"
i_user="--data $ml1m --label ML-1M --variant user --splits 5 --lambda 60 --lambda 100"
small="--data examples/data/ml-latest-small/ratings.csv --label ml-latest-small --variant item --splits 5 --lambda 30 --lambda 100 --lambda 300"
rows=()
if [ -f "$ml1m" ]; then
  run ml1m-item $i_item
  run ml1m-user $i_user
  rows+=(ml1m-item ml1m-user)
elif [ -z "$ml1m" ]; then
  echo "no ML-1M ratings file given (first argument, or AUTOREC_ML1M): its rows are skipped" >&2
else
  echo "ML-1M not found at $ml1m: its rows are skipped" >&2
fi
run small $small
rows+=(small)

paper() { case $1 in ml1m-item) echo 0.831 ;; ml1m-user) echo 0.874 ;; *) echo "n/a" ;; esac; }
{
  cat <<'HEAD'
# Reproducing AutoRec's Table 1

Protocol (Sedhain et al. 2015, section 3): 5 random 90/10 splits of the **ratings** (seeds 1
to 5); in each, 10% of the training part is held out to choose lambda and the stopping epoch
(early stopping on validation RMSE, patience 30); the model is then refit on the whole
training part for the chosen number of epochs, and the whole training part is its input at
test time. k = 500 sigmoid hidden units, identity output, weights initialised as 0.01 N(0, 1),
full-batch iRprop- with grow 1.1 and shrink 0.5: for I-AutoRec initial step 0.01 and steps in
[1e-6, 0.01], at most 500 iterations; for U-AutoRec initial step 1e-4 and steps in
[1e-6, cap], the cap shrinking geometrically from 3e-4 to 1e-4 over the first 600
iterations, at most 3000 iterations (`autorec::paper_train_options`, the programs'
defaults).
Predictions are clipped to the training rating range; test users or items without a
training rating get 3. Errors are pooled over all test ratings, cold-start ones included.
The interval is mean ± t(0.975, 4) · sd / sqrt(5).

| data | AutoRec | mean test RMSE (95% interval) | splits | lambda chosen from | training time | paper |
|---|---|---|---|---|---|---|
HEAD
  for r in "${rows[@]}"; do
    echo "$(grep '^| ' "$log/$r.log" | sed 's/ |$//') | $(paper "$r") |"
  done
  echo
  echo "Measured by \`bash bench/reproduce.sh\` on $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), $(date -u +%Y-%m-%d)."
  echo "Each row is one run of \`build/bench/reproduce_paper\` with these arguments (ML1M_RATINGS: the"
  echo "ML-1M ratings file, a user-item-rating file (grouplens.org)):"
  echo
  [ -f "$ml1m" ] && echo "- ML-1M I-AutoRec: \`${i_item/"$ml1m"/ML1M_RATINGS}\`" &&
    echo "- ML-1M U-AutoRec: \`${i_user/"$ml1m"/ML1M_RATINGS}\`"
  echo "- ml-latest-small: \`$small\`"
  echo
  echo "## Per split"
  for r in "${rows[@]}"; do
    echo
    echo "$r:"
    echo
    grep -E '^split [0-9]+:' "$log/$r.log" | sed 's/^/- /'
  done
} > "$log/measured.md"
# The measured block replaces the one between the markers; the rest of the file (what was
# tried, the GPU, beyond the paper) is written by hand and kept.
python3 - "$log/measured.md" docs/results.md <<'PY'
import sys
measured, path = open(sys.argv[1]).read(), sys.argv[2]
text = open(path).read()
begin, end = "<!-- measured by bench/reproduce.sh: begin -->\n", "<!-- measured by bench/reproduce.sh: end -->\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + measured + end + tail)
PY
echo "updated the measured block of docs/results.md" >&2
