#pragma once
// Implicit feedback and the strong-generalisation split (Liang et al., "Variational
// Autoencoders for Collaborative Filtering", WWW 2018).
//
// Positives: the (user, item) pairs whose value is above a threshold (3.5 on MovieLens), or
// every event of a file without ratings. Users with at least `min_positives` are kept; H of
// them, at random, are test users and H validation users; the rest train. The catalogue is
// the items the training users have; a held-out user's positives outside it are dropped. Each
// held-out user's items are split at random: floor(target_fraction * n) are targets and the
// rest are folded in (a user left with no targets is not scored). Models never see a
// held-out user's targets, and choose everything (epoch, lambda, beta) on validation users.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/item_sets.hpp"
#include "autorec/data/ratings.hpp"
#include "autorec/random.hpp"

namespace autorec {

/// Held-out users: their raw ids, the items folded in and the items to find (row r of each
/// is user r; item indices are the catalogue's).
struct HeldoutUsers {
  std::vector<std::string> users;
  ItemSets fold_in;
  ItemSets targets;
};

/// A strong-generalisation split: the catalogue, the training users' positives, and the
/// validation and test users.
struct ImplicitData {
  IdMap items;                           ///< the catalogue: items of the training users
  std::vector<std::string> train_users;  ///< raw id of each row of `train`
  ItemSets train;
  HeldoutUsers validation;
  HeldoutUsers test;
  /// Of the events file it was split from (data/fingerprint.hpp); 0 for a split read from files.
  std::uint64_t source_fingerprint = 0;
  int catalogue() const { return items.size(); }
};

struct ImplicitSplitOptions {
  /// A value above it is a positive; NaN: default_positive_threshold of the values' range.
  double threshold = std::numeric_limits<double>::quiet_NaN();
  int min_positives = 5;
  /// H: as many validation users, and as many test users; 0: a tenth of the users kept
  /// (at least 1), about 600 on ML-1M as in the Mult-VAE paper.
  int heldout_users = 0;
  double target_fraction = 0.2;
  std::uint64_t seed = 1;
};

/// What the split kept and dropped, for the program to print.
struct ImplicitSummary {
  double threshold = 0;        ///< the threshold used (-inf: every event)
  long events = 0;             ///< (user, item) pairs read
  long positives = 0;          ///< of them above the threshold
  int users_kept = 0;          ///< with at least min_positives positives
  int users_dropped = 0;       ///< with fewer (but at least one event)
  int heldout_users = 0;       ///< H: validation users, and as many test users
  long heldout_outside = 0;    ///< held-out positives of items no training user has, dropped
  int unscored_users = 0;      ///< held-out users left with no targets
};

/// The default threshold for values in [lowest, highest]: every event when all values are
/// equal (a file of events); 0.7 of the top value on a non-negative scale (3.5 on MovieLens'
/// 1-5 and 0.5-5, as the Mult-VAE paper); 70% of the way up a scale that goes below zero.
inline double default_positive_threshold(float lowest, float highest) {
  if (!(highest > lowest)) return -std::numeric_limits<double>::infinity();
  if (lowest >= 0) return 0.7 * double(highest);
  return double(lowest) + 0.7 * (double(highest) - double(lowest));
}

namespace detail {

// Each user's positive items (raw item indices), in index order of the users.
inline std::vector<std::vector<int>> positives_by_user(const RatingData& data, double threshold,
                                                       ImplicitSummary& summary) {
  std::vector<std::vector<int>> positives(std::size_t(data.users.size()));
  for (const Rating& r : data.ratings) {
    ++summary.events;
    if (!(double(r.value) > threshold)) continue;
    ++summary.positives;
    positives[std::size_t(r.user)].push_back(r.item);
  }
  return positives;
}

// Splits `items` (catalogue indices) of one held-out user into fold-in and targets.
inline void split_heldout_row(std::vector<int> items, double target_fraction, Random& random, HeldoutUsers& into,
                              ImplicitSummary& summary) {
  std::sort(items.begin(), items.end());
  const auto targets = std::size_t(std::floor(target_fraction * double(items.size())));
  random.shuffle(items);
  into.targets.add_row({items.begin(), items.begin() + std::ptrdiff_t(targets)});
  into.fold_in.add_row({items.begin() + std::ptrdiff_t(targets), items.end()});
  summary.unscored_users += targets == 0;
}

}  // namespace detail

/// The strong-generalisation split of `data` (ratings or events), seeded: the same data and
/// options give the same split.
inline ImplicitData split_strong_generalisation(const RatingData& data, const ImplicitSplitOptions& options,
                                                ImplicitSummary* summary_out = nullptr) {
  if (options.heldout_users < 0)
    throw std::invalid_argument("held-out users: need at least 1 (or 0: a tenth), got " +
                                std::to_string(options.heldout_users));
  if (!(options.target_fraction > 0 && options.target_fraction < 1))
    throw std::invalid_argument("target fraction must lie in (0, 1), got " + std::to_string(options.target_fraction));
  ImplicitSummary summary;
  float lowest = std::numeric_limits<float>::infinity(), highest = -lowest;
  for (const Rating& r : data.ratings) lowest = std::min(lowest, r.value), highest = std::max(highest, r.value);
  summary.threshold = std::isnan(options.threshold) ? default_positive_threshold(lowest, highest) : options.threshold;
  const std::vector<std::vector<int>> positives = detail::positives_by_user(data, summary.threshold, summary);

  std::vector<int> kept;
  for (int u = 0; u < data.users.size(); ++u) {
    const std::size_t count = positives[std::size_t(u)].size();
    if (count >= std::size_t(std::max(options.min_positives, 1))) kept.push_back(u);
    else if (count > 0) ++summary.users_dropped;
  }
  summary.users_kept = int(kept.size());
  const int held = options.heldout_users > 0 ? options.heldout_users : std::max(1, int(kept.size() / 10));
  summary.heldout_users = held;
  const long heldout = 2L * held;
  if (long(kept.size()) <= heldout)
    throw std::invalid_argument(
        std::to_string(kept.size()) + " users have at least " + std::to_string(options.min_positives) +
        " positives (values above " + std::to_string(summary.threshold) + "), and holding out " +
        std::to_string(held) + " for validation and as many for test would leave none to train on: "
        "lower the held-out users");

  Random random(options.seed);
  random.shuffle(kept);
  std::vector<int> test(kept.begin(), kept.begin() + held);
  std::vector<int> validation(kept.begin() + held, kept.begin() + heldout);
  std::vector<int> train(kept.begin() + heldout, kept.end());
  for (auto* group : {&test, &validation, &train}) std::sort(group->begin(), group->end());

  ImplicitData split;
  split.source_fingerprint = fingerprint(data);
  std::vector<int> catalogue_index(std::size_t(data.items.size()), -1);
  for (int u : train) {
    std::vector<int> row;
    for (int item : positives[std::size_t(u)]) {
      int& index = catalogue_index[std::size_t(item)];
      if (index < 0) index = split.items.insert(data.items.raw(item));
      row.push_back(index);
    }
    split.train_users.push_back(data.users.raw(u));
    split.train.add_row(std::move(row));
  }
  Random targets(options.seed + 1);
  for (auto [group, into] : {std::pair{&validation, &split.validation}, std::pair{&test, &split.test}})
    for (int u : *group) {
      std::vector<int> row;
      for (int item : positives[std::size_t(u)]) {
        const int index = catalogue_index[std::size_t(item)];
        if (index < 0) ++summary.heldout_outside;
        else row.push_back(index);
      }
      into->users.push_back(data.users.raw(u));
      detail::split_heldout_row(std::move(row), options.target_fraction, targets, *into, summary);
    }
  if (summary_out) *summary_out = summary;
  return split;
}

}  // namespace autorec
