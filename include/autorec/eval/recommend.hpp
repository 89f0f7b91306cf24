#pragma once
// Top-N recommendation: the unseen items with the highest predicted rating for one user.

#include <algorithm>
#include <vector>

#include "autorec/eval/predict.hpp"

namespace autorec {

struct Recommendation {
  int item;
  float rating;
};

/// Keeps the `count` best of `ranked`, best first; ties go to the lower item index.
inline void keep_best(std::vector<Recommendation>& ranked, std::size_t count) {
  const std::size_t n = std::min(count, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(n), ranked.end(),
                    [](const Recommendation& a, const Recommendation& b) {
                      return a.rating != b.rating ? a.rating > b.rating : a.item < b.item;
                    });
  ranked.resize(n);
}

/// The `count` items that `user` has not rated in `input` (the training matrix in the model's
/// layout) with the highest predicted ratings, best first; ties go to the lower item index.
/// Items without any training rating are left out: the model can only give them the default.
template <typename Model, typename Scalar>
std::vector<Recommendation> recommend(const Model& model, const SparseColumns<Scalar>& input,
                                      Variant variant, const PredictionRules& rules, int user,
                                      std::size_t count) {
  const Index items = variant == Variant::item ? input.cols() : input.rows();
  const Coverage coverage(input);
  std::vector<char> seen(static_cast<std::size_t>(items), 0);
  std::vector<Rating> candidates;
  for (Index j = 0; j < input.outerSize(); ++j)
    for (typename SparseColumns<Scalar>::InnerIterator it(input, j); it; ++it) {
      const int u = variant == Variant::item ? int(it.row()) : int(j);
      if (u == user) seen[std::size_t(variant == Variant::item ? j : it.row())] = 1;
    }
  for (int i = 0; i < items; ++i) {
    const Rating pair{user, i, 0};
    if (!seen[std::size_t(i)] && coverage.covers(entry_of(pair, variant))) candidates.push_back(pair);
  }
  const std::vector<float> predicted = predict_ratings(model, input, candidates, variant, rules);
  std::vector<Recommendation> ranked(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) ranked[c] = {candidates[c].item, predicted[c]};
  keep_best(ranked, count);
  return ranked;
}

}  // namespace autorec
