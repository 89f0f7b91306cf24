#pragma once
// Random splits of ratings (not of users or items: the paper's protocol holds out ratings,
// so every test rating is of a user and an item the model may have seen).

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/random.hpp"

namespace autorec {

struct RatingSplit {
  std::vector<Rating> train;
  std::vector<Rating> test;
};

/// Which of `n` ratings, by position, a split holds out: round(fraction * n) of them, chosen
/// uniformly at random with `seed`. The same seed gives the same positions.
inline std::vector<char> held_out(std::size_t n, double fraction, std::uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1))
    throw std::invalid_argument("split fraction must lie in [0, 1), got " + std::to_string(fraction));
  const auto test_count = static_cast<std::size_t>(std::llround(fraction * double(n)));
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  Random random(seed);
  random.shuffle(order);
  std::vector<char> in_test(n, 0);
  for (std::size_t i = 0; i < test_count; ++i) in_test[order[i]] = 1;
  return in_test;
}

/// Puts the ratings held_out(n, fraction, seed) names in `test` and the rest in `train`; both
/// keep the input's order. The same seed gives the same split.
inline RatingSplit split_ratings(const std::vector<Rating>& ratings, double fraction,
                                 std::uint64_t seed) {
  const std::vector<char> in_test = held_out(ratings.size(), fraction, seed);
  RatingSplit split;
  for (std::size_t i = 0; i < ratings.size(); ++i) (in_test[i] ? split.test : split.train).push_back(ratings[i]);
  return split;
}

}  // namespace autorec
