#!/usr/bin/env bash
# Plants deliberate bugs in a copy of the library one at a time, rebuilds the unit tests and
# runs them: every planted bug must make a test fail (the log names the first failing case). Exits non-zero if any survives (or no
# longer applies). Run it before resolving an issue, not in every CI run: each mutant is a
# rebuild (about 1-2 minutes on 2 cores).
#   bash scripts/mutation-check.sh            # all mutants
#   bash scripts/mutation-check.sh 3 7        # only these (1-based)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${AUTOREC_MUTATION_DIR:-/tmp/autorec-mutation}

# file | text to replace (fixed string) | replacement | what the bug is
mutants=(
  "include/autorec/eval/predict.hpp|rules.min_rating = lo->value;||the clip range ignores the training minimum"
  "include/autorec/io/model_file.hpp|rules.default_rating = in.get<float>(\"the default rating\");|in.get<float>(\"the default rating\");|load_model drops the default rating"
  "include/autorec/eval/recommend.hpp|seen[std::size_t(variant == Variant::item ? j : it.row())] = 1;|seen[std::size_t(variant == Variant::item ? it.row() : j)] = 1;|recommend marks the wrong items as seen"
  "include/autorec/train/training_pass.hpp|if (!group.decays|if (false|the biases are regularised"
  "include/autorec/train/training_pass.hpp|const Scalar strength = share * net.options_.lambda;|const Scalar strength = net.options_.lambda;|the regulariser ignores the batch share"
  "include/autorec/layers/activations/sigmoid.hpp|return dh * h * (typename H::Scalar(1) - h);|return dh * h;|sigmoid's derivative is wrong"
  "include/autorec/layers/activations/elu.hpp|return (z > S(0)).select(dh, dh * (h + S(1)));|return (z > S(0)).select(dh, dh * h);|ELU's derivative is wrong below 0"
  "include/autorec/layers/dropout.hpp|input_gradient = output_gradient.cwiseProduct(mask_);|input_gradient = output_gradient;|dropout's backward ignores the mask"
  "include/autorec/layers/input_dropout.hpp|by_row[q] = by_column[position[q]];|by_row[q] = batch.by_row.valuePtr()[q];|input dropout leaves the by-row copy uncorrupted"
  "include/autorec/optim/adam.hpp|const Scalar step_size = options_.learning_rate / correction1;|const Scalar step_size = options_.learning_rate;|Adam skips the first moment's bias correction"
  "include/autorec/optim/rprop.hpp|std::max(step[i] * o.shrink, o.min_step)|step[i] * o.shrink|RProp's steps fall below min_step"
  "include/autorec/layers/observed_output.hpp|db(u) += bias_sum;||the output bias gets no gradient"
  "include/autorec/layers/sparse_input.hpp|first ? mu : z|first ? static_cast<const Scalar*>(nullptr) : z|the sparse input layer drops its bias"
  "include/autorec/io/model_file.hpp|out.put(double(stage.rate));|out.put(double(0));|model files lose the dropout rate"
  "include/autorec/train/trainer.hpp|model.parameters() = best_parameters;||early stopping keeps the last epoch, not the best"
  "include/autorec/eval/predict.hpp|predictions(plan.pairs, rules.default_rating)|predictions(plan.pairs, 0.0f)|cold-start pairs get 0, not the default rating"
  "include/autorec/eval/predict.hpp|std::clamp(value, min_rating, max_rating)|value|predictions are not clipped"
  "include/autorec/model/ensemble.hpp|values /= Scalar(members_.size());||an ensemble sums instead of averaging"
  "include/autorec/model/network.hpp|activation.backward_values(pre.data(), activated.data(), gradient.data(), gradient.data(), n);||the output activation's derivative is left out"
  "include/autorec/loss/squared_error.hpp|return typename O::Scalar(2) * (output - target);|return output - target;|the squared error's derivative loses its 2"
  "include/autorec/train/training_pass.hpp|accumulate_gradient(grad(net, 0), input.by_row, first_gradient);|accumulate_gradient(grad(net, 0), batch.by_row, first_gradient);|input dropout is ignored in the encoder's gradient"
  "include/autorec/data/load.hpp|for (std::size_t c = a; c + 1 < b; ++c) drop[keys[c].second] = 1;|for (std::size_t c = a + 1; c < b; ++c) drop[keys[c].second] = 1;|keep-last keeps the first duplicate"
  "include/autorec/data/load.hpp|if (!std::isfinite(value))|if (false)|infinite ratings load"
  "include/autorec/data/load.hpp|const long line_number = summary.lines;|const long line_number = summary.lines - 1;|errors name the line before the bad one"
  "include/autorec/data/split.hpp|for (std::size_t i = 0; i < test_count; ++i) in_test[order[i]] = 1;|for (std::size_t i = 1; i < test_count; ++i) in_test[order[i]] = 1;|the split holds out one rating too few"
  "include/autorec/optim/lbfgs.hpp|return std::abs(p.slope) <= -options_.curvature * last_.slope0;|return true;|L-BFGS accepts steps without the curvature condition"
  "include/autorec/optim/lbfgs.hpp|pair.y = gradient - start_gradient_;|pair.y = gradient;|L-BFGS stores the gradient, not its change, as y"
  "include/autorec/loss/multinomial.hpp|loss += log_normaliser - double(o(it.row()));|loss += double(o(it.row()));|the multinomial loss forgets the normaliser"
  "include/autorec/layers/gaussian.hpp|input_gradient.topRows(k) = output_gradient + beta * input.topRows(k);|input_gradient.topRows(k) = output_gradient;|the Gaussian layer's mean gets no KL gradient"
  "include/autorec/model/ease.hpp|weights(j, j) = 0;||EASE keeps a non-zero diagonal"
  "include/autorec/serve/ease_decoder.hpp|out.noalias() = model_.weights().transpose() * x;|out.noalias() = model_.weights() * x;|a known EASE user is scored with B, not B transposed"
  "include/autorec/serve/user_layout_decoder.hpp|out.colwise() += network_.output_bias();||a user-layout decoder loses the output bias"
  "include/autorec/serve/scorer.hpp|items.erase(std::unique(items.begin(), items.end()), items.end());||a repeated item is folded in twice"
  "include/autorec/serve/scorer.hpp|if (value != 1.0f)|if (false)|an implicit model takes any fold-in value"
  "include/autorec/data/load.hpp|const bool header_like = event ? names_event_columns(fields[0], fields[1]) : !any_number;|const bool header_like = !any_number;|an events file loses a first line of ids as a header"
  "include/autorec/serve/fold_in.hpp|const Matrix<Scalar> Hc = H.middleCols(j, width).colwise() - mean;|const Matrix<Scalar> Hc = H.middleCols(j, width);|the primal ridge fit does not centre the codes"
  "include/autorec/layers/layer_kinds.hpp|register_activation_for<Scalar, Tanh>();||the built-in tanh is never registered"
  "include/autorec/model/blend.hpp|(weight * (values.array() - mean) / deviation)|(weight * (values.array() - mean))|a blend adds its members' scores centred but not scaled"
  "include/autorec/sharding/sharded_trainer.hpp|own[0] += ordered_dot(|own[0] += 0 * ordered_dot(|the sharded inner product leaves out the replicated part"
  "include/autorec/sharding/sharded_network.hpp|reducer.sum(summed_parts_, summed_sum_);|summed_sum_ = summed_parts_.front();|a kernel's hidden-unit embeddings take their gradient from the first shard only"
)

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=($(seq 1 ${#mutants[@]}))

echo "== copying the tree to $work and building the unit tests once =="
rm -rf "$work/src" && mkdir -p "$work/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DAUTOREC_BUILD_BENCHMARKS=OFF \
  -DAUTOREC_BUILD_EXAMPLES=OFF > "$work/configure.log" || { echo "configure failed"; exit 2; }
cmake --build "$work/build" -j2 --target autorec_tests > "$work/build.log" 2>&1 || { echo "build failed"; exit 2; }
"$work/build/tests/autorec_tests" > "$work/clean.log" 2>&1 || { echo "the unmutated tests fail: see $work/clean.log"; exit 2; }

caught=0 survived=0 stale=0
for n in "${selected[@]}"; do
  IFS='|' read -r file from to what <<< "${mutants[$((n - 1))]}"
  target="$work/src/$file"
  cp "$root/$file" "$target"
  if ! FROM="$from" TO="$to" python3 - "$target" <<'PY'
import os, sys
path = sys.argv[1]
text = open(path).read()
if os.environ["FROM"] not in text:
    sys.exit(1)
open(path, "w").write(text.replace(os.environ["FROM"], os.environ["TO"], 1))
PY
  then
    echo "mutant $n: does not apply any more ($what in $file)"
    stale=$((stale + 1))
    continue
  fi
  if ! cmake --build "$work/build" -j2 --target autorec_tests > "$work/mutant-$n.log" 2>&1; then
    echo "mutant $n: caught by the compiler ($what)"
    caught=$((caught + 1))
  elif timeout 600 "$work/build/tests/autorec_tests" >> "$work/mutant-$n.log" 2>&1; then
    echo "mutant $n: SURVIVED: $what ($file)"
    survived=$((survived + 1))
  else
    failing=$(awk '/TEST CASE:/ { case = $0 } /ERROR:/ { print case; exit }' "$work/mutant-$n.log" | sed 's/TEST CASE: *//')
    echo "mutant $n: caught ($what) by: $failing"
    caught=$((caught + 1))
  fi
  cp "$root/$file" "$target"
done
cmake --build "$work/build" -j2 --target autorec_tests > /dev/null 2>&1
echo "planted $((caught + survived + stale)), caught $caught, survived $survived, no longer applying $stale"
[ "$survived" -eq 0 ] && [ "$stale" -eq 0 ]
