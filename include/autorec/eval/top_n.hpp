#pragma once
// A top-N request and the selection it makes from one user's scores over the catalogue.

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/eval/recommend.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// What to rank. Items are indices; a Scorer translates raw ids.
struct TopN {
  std::size_t count = 10;       ///< at most this many items, best first
  std::vector<int> candidates;  ///< rank only these items (empty: the whole catalogue)
  std::vector<int> exclude;     ///< never these items
  bool exclude_rated = true;    ///< leave out the items the user rated in training
};

namespace detail {

/// The `request.count` best of `scores` (one per item) among the items that are `eligible`
/// (items with training ratings), in the request's candidates and not excluded, skipping
/// `rated` (sorted) when the request says so; best first, ties as keep_best breaks them.
inline std::vector<Recommendation> select_top(const std::vector<float>& scores, const std::vector<char>& eligible,
                                              const TopN& request, const int* rated, std::size_t rated_count,
                                              const std::vector<int>* tie_break = nullptr) {
  const int items = static_cast<int>(scores.size());
  auto check = [items](int item) {
    if (item < 0 || item >= items)
      throw std::out_of_range("top-N: item index " + std::to_string(item) + " is outside the catalogue of " +
                              std::to_string(items));
  };
  std::vector<char> allowed;
  if (request.candidates.empty()) {
    allowed = eligible;
  } else {
    allowed.assign(std::size_t(items), 0);
    for (int item : request.candidates) {
      check(item);
      allowed[std::size_t(item)] = eligible[std::size_t(item)];
    }
  }
  for (int item : request.exclude) {
    check(item);
    allowed[std::size_t(item)] = 0;
  }
  if (request.exclude_rated)
    for (std::size_t r = 0; r < rated_count; ++r) allowed[std::size_t(rated[r])] = 0;
  std::vector<Recommendation> ranked;
  for (int item = 0; item < items; ++item)
    if (allowed[std::size_t(item)]) ranked.push_back({item, scores[std::size_t(item)]});
  keep_best(ranked, request.count, tie_break);
  return ranked;
}

}  // namespace detail
}  // namespace autorec
