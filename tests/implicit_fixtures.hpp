#pragma once
// Small implicit-feedback data and networks for the serving tests, made in code.

#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/model/network.hpp"
#include "autorec/random.hpp"

namespace autorec::testing {

// 90 users in 3 taste groups of 12 items; each likes 6 of its group's (rated 5); 9
// validation and 9 test users.
inline ImplicitData grouped_split() {
  RatingData data;
  Random random(7);
  for (int u = 0; u < 90; ++u) {
    const int user = data.users.insert("u" + std::to_string(u));
    std::vector<int> items(12);
    for (int i = 0; i < 12; ++i) items[std::size_t(i)] = (u % 3) * 12 + i;
    random.shuffle(items);
    for (int i = 0; i < 6; ++i)
      data.ratings.push_back({user, data.items.insert("i" + std::to_string(items[std::size_t(i)])), 5.0f});
  }
  ImplicitSplitOptions options;
  options.heldout_users = 9;
  options.seed = 3;
  return split_strong_generalisation(data, options);
}

// A small Mult-DAE: [items-8-items], tanh, normalised input with dropout 0.5, multinomial loss.
inline Network<float> multinomial_network(Index items, std::uint64_t seed = 5) {
  Network<float>::Options options;
  options.inputs = items;
  options.hidden = 8;
  options.activation = "tanh";
  options.input_dropout = 0.5;
  options.lambda = 0.1f;
  options.seed = seed;
  options.weight_scale = 0.3f;
  options.loss = "multinomial";
  options.normalize_input = true;
  return Network<float>(options);
}

}  // namespace autorec::testing
