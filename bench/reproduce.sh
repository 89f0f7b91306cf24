#!/usr/bin/env bash
# Runs the paper's protocol (bench/reproduce_paper) on ML-1M (I-AutoRec and U-AutoRec) and on
# the embedded ml-latest-small, and writes docs/results.md with the measured table.
#   bash bench/reproduce.sh [path/to/ml-1m-uir/ratings.tsv]
# ML-1M may not be redistributed: it is read from ../shared/data unless a path is given, and
# its rows are skipped with a message when the file is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
ml1m=${1:-../shared/data/ml-1m-uir/ratings.tsv}
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
i_user="--data $ml1m --label ML-1M --variant user --splits 5 --lambda 30 --lambda 100"
small="--data examples/data/ml-latest-small/ratings.csv --label ml-latest-small --variant item --splits 5 --lambda 30 --lambda 100 --lambda 300"
rows=()
if [ -f "$ml1m" ]; then
  run ml1m-item $i_item
  run ml1m-user $i_user
  rows+=(ml1m-item ml1m-user)
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
test time. k = 500 sigmoid hidden units, identity output, full-batch iRprop- (initial step
0.01, grow 1.2, shrink 0.5, steps in [1e-6, 1]), weights initialised as 0.01 N(0, 1).
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
  echo "Each row is one run of \`build/bench/reproduce_paper\` with these arguments:"
  echo
  [ -f "$ml1m" ] && echo "- ML-1M I-AutoRec: \`$i_item\`" && echo "- ML-1M U-AutoRec: \`$i_user\`"
  echo "- ml-latest-small: \`$small\`"
  echo
  echo "## Per split"
  for r in "${rows[@]}"; do
    echo
    echo "$r:"
    echo
    grep -E '^split [0-9]+:' "$log/$r.log" | sed 's/^/- /'
  done
  cat <<'TAIL'

ML-1M is the `ml-1m-uir` copy described in `../shared/data/README.md` (all 1,000,209 ratings,
item ids re-indexed); it is not part of this repository.

## Against the paper, and what was tried

The paper's I-AutoRec figure (0.831) and U-AutoRec figure (0.874) are the targets. The
table above says how close this protocol gets. Single-split experiments on ML-1M (split seed
1, no refit, whole training part as input at test time; `reproduce_paper --splits 1 --refit 0`
with the options named) that led to the settings above:

| change | validation RMSE | test RMSE |
|---|---|---|
| RProp initial step 1e-3, lambda 200 | 0.8377 | 0.8386 |
| RProp initial step 1e-3, lambda 100 / 300 | 0.8421 / 0.8381 | 0.8434 / 0.8389 |
| RProp initial step 0.01 (`--rprop-step 0.01`), lambda 150 / 200 / 300 / 400 | 0.8382 / 0.8358 / 0.8362 / 0.8381 | 0.8401 / 0.8376 / 0.8374 / 0.8387 |
| RProp initial step 0.05, lambda 200 | 0.8391 | 0.8413 |
| initial weights 0.05 N(0, 1), lambda 200 | 0.8415 | 0.8412 |
| Adam, batch 64, lr 1e-3, lambda 200 (`--optimizer adam`) | 0.8575 | 0.8578 |
| Adam, batch 256, lr 3e-3, lambda 200 | 0.8545 | 0.8554 |
| refit on the whole training part (`--refit 1`), initial step 1e-3, lambda 200 | 0.8377 | 0.8356 |

The authors' code (NNRec) also thresholds the hidden code at 0.5 in its ML-1M configuration
and trains with L-BFGS. Thresholding, tried with RProp and lambda 200, gave validation 0.8393
and test 0.8423, worse than the plain sigmoid, so it is not used. L-BFGS does not explain the
gap either: on one split, PyTorch's L-BFGS (strong Wolfe) and iRprop- reach the same best
validation RMSE, 0.8399 at iteration 110 and 0.8403 at iteration 80 (test 0.8308 and 0.8301),
`bench/torch_optimizer_experiment.py --optimizer lbfgs --iterations 160` and
`--optimizer rprop --iterations 120` (lambda 200; that script's own split, whose test RMSE
happens to be lower than split 1's above: the spread between splits, about 0.003, is as
large as the remaining gap).
U-AutoRec stays about 0.01 above the paper with every lambda tried (100: 0.8876, 400: 0.888 on
split 1 without refit).
TAIL
} > docs/results.md
echo "wrote docs/results.md" >&2
