#pragma once
// Top-N recommendation: the unseen items with the highest predicted rating for one user.

#include <algorithm>
#include <limits>
#include <vector>

#include "autorec/eval/predict.hpp"

namespace autorec {

struct Recommendation {
  int item;
  float rating;  ///< the predicted rating, clipped to the rating range (lists are ordered before clipping)
};

/// Keeps the `count` best of `ranked`, best first. Ties go to the item with the larger
/// `tie_break` (when given: one per item, such as item_rating_counts), then to the lower index.
inline void keep_best(std::vector<Recommendation>& ranked, std::size_t count,
                      const std::vector<int>* tie_break = nullptr) {
  const std::size_t n = std::min(count, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(n), ranked.end(),
                    [tie_break](const Recommendation& a, const Recommendation& b) {
                      if (a.rating != b.rating) return a.rating > b.rating;
                      if (tie_break) {
                        const int x = (*tie_break)[std::size_t(a.item)], y = (*tie_break)[std::size_t(b.item)];
                        if (x != y) return x > y;
                      }
                      return a.item < b.item;
                    });
  ranked.resize(n);
}

/// How many training ratings each item has in `input` (the training matrix in the model's
/// layout). Top-N lists break ties with it: a user folded in from one rating gets the same
/// prediction for every item, and then the most-rated items.
template <typename Scalar>
std::vector<int> item_rating_counts(const SparseColumns<Scalar>& input, Variant variant) {
  std::vector<int> counts(static_cast<std::size_t>(variant == Variant::item ? input.cols() : input.rows()), 0);
  for (Index j = 0; j < input.outerSize(); ++j)
    for (typename SparseColumns<Scalar>::InnerIterator it(input, j); it; ++it)
      ++counts[std::size_t(variant == Variant::item ? j : it.row())];
  return counts;
}

/// The `count` items that `user` has not rated in `input` (the training matrix in the model's
/// layout) with the highest predictions before clipping, best first, each with its (clipped)
/// predicted rating; ties go to the more-rated item, then to the lower index.
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
  // Ranked before clipping, so that the items predicted above the top of the range keep
  // their order instead of tying; each is then reported as its clipped prediction.
  PredictionRules unclipped = rules;
  unclipped.min_rating = std::numeric_limits<float>::lowest();
  unclipped.max_rating = std::numeric_limits<float>::max();
  const std::vector<float> predicted = predict_ratings(model, input, candidates, variant, unclipped);
  std::vector<Recommendation> ranked(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) ranked[c] = {candidates[c].item, predicted[c]};
  const std::vector<int> ratings_of_item = item_rating_counts(input, variant);
  keep_best(ranked, count, &ratings_of_item);
  for (Recommendation& r : ranked) r.rating = rules.clip(r.rating);
  return ranked;
}

}  // namespace autorec
