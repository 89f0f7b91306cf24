#pragma once
// Top-N metrics over held-out users (the Mult-VAE paper's): each user's items folded in are
// never recommended; their targets are the relevant items (binary relevance). With the
// user's list ranked best first and t = the number of targets:
//   NDCG@K   = sum over targets at rank i (from 1) of 1 / log2(i + 1), over the same for
//              min(t, K) targets at the top
//   Recall@K = targets in the top K / min(K, t)
// averaged over the users with at least one target. Ties rank the lower item index first.
//
// A model is read through a scoring function: scores(fold_in, first, count, out) fills the
// count x items matrix `out` with the scores of rows [first, first + count) of `fold_in`.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/eval/recommend.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

struct HeldoutMetrics {
  long users = 0;    ///< held-out users with a target: the ones averaged over
  double ndcg = std::numeric_limits<double>::quiet_NaN();      ///< NDCG@ndcg_at
  double recall_small = std::numeric_limits<double>::quiet_NaN();  ///< Recall@recall_at[0]
  double recall_large = std::numeric_limits<double>::quiet_NaN();  ///< Recall@recall_at[1]
};

/// The cut-offs: NDCG@100, Recall@20 and Recall@50 as the Mult-VAE paper reports them.
struct HeldoutCutoffs {
  int ndcg_at = 100;
  int recall_at[2] = {20, 50};
  int longest() const { return std::max({ndcg_at, recall_at[0], recall_at[1]}); }
};

namespace detail {

// The `count` best items of `scores` (one user's row) not in `fold_in`, best first, ties to
// the lower index (keep_best, as the Scorer's lists).
inline std::vector<int> top_items(const float* scores, int items, const ItemSets::Row& fold_in, int count) {
  std::vector<Recommendation> ranked;
  ranked.reserve(std::size_t(items));
  for (int item = 0; item < items; ++item)
    if (!fold_in.contains(item)) ranked.push_back({item, scores[item]});
  keep_best(ranked, std::size_t(count));
  std::vector<int> top(ranked.size());
  for (std::size_t r = 0; r < ranked.size(); ++r) top[r] = ranked[r].item;
  return top;
}

}  // namespace detail

/// The metrics of the model `scores` reads, over `users`, scored `batch` users at a time.
template <typename Scores>
HeldoutMetrics heldout_metrics(const HeldoutUsers& users, int items, Scores&& scores,
                               const HeldoutCutoffs& cutoffs = {}, int batch = 500) {
  if (users.fold_in.rows() != users.targets.rows() || int(users.users.size()) != users.fold_in.rows())
    throw std::invalid_argument("heldout_metrics: fold-in, targets and users differ in length");
  HeldoutMetrics metrics;
  double ndcg = 0, recall[2] = {0, 0};
  Matrix<float> block;
  for (int first = 0; first < users.fold_in.rows(); first += batch) {
    const int count = std::min(batch, users.fold_in.rows() - first);
    block.resize(count, items);
    scores(users.fold_in, first, count, block);
    if (block.hasNaN())
      throw std::runtime_error("heldout_metrics: the model scored a held-out user NaN (among users " +
                               std::to_string(first) + " to " + std::to_string(first + count - 1) + ")");
    Matrix<float> row_major_scores = block.transpose();  // one user a column: contiguous
    std::vector<double> user_ndcg(std::size_t(count), 0), user_recall[2];
    for (auto& r : user_recall) r.assign(std::size_t(count), 0);
    AUTOREC_PARALLEL_FOR
    for (int r = 0; r < count; ++r) {
      const ItemSets::Row targets = users.targets.row(first + r);
      if (targets.empty()) continue;
      const std::vector<int> top = detail::top_items(row_major_scores.col(r).data(), items,
                                                     users.fold_in.row(first + r), cutoffs.longest());
      double dcg = 0, ideal = 0;
      long hits[2] = {0, 0};
      for (std::size_t rank = 0; rank < top.size(); ++rank) {
        if (!targets.contains(top[rank])) continue;
        if (rank < std::size_t(cutoffs.ndcg_at)) dcg += 1 / std::log2(double(rank) + 2);
        for (int c = 0; c < 2; ++c) hits[c] += rank < std::size_t(cutoffs.recall_at[c]);
      }
      for (std::size_t rank = 0; rank < std::min(targets.size(), std::size_t(cutoffs.ndcg_at)); ++rank)
        ideal += 1 / std::log2(double(rank) + 2);
      user_ndcg[std::size_t(r)] = dcg / ideal;
      for (int c = 0; c < 2; ++c)
        user_recall[c][std::size_t(r)] =
            double(hits[c]) / double(std::min(targets.size(), std::size_t(cutoffs.recall_at[c])));
    }
    for (int r = 0; r < count; ++r) {
      if (users.targets.row(first + r).empty()) continue;
      ++metrics.users;
      ndcg += user_ndcg[std::size_t(r)];
      for (int c = 0; c < 2; ++c) recall[c] += user_recall[c][std::size_t(r)];
    }
  }
  if (metrics.users == 0) return metrics;
  metrics.ndcg = ndcg / double(metrics.users);
  metrics.recall_small = recall[0] / double(metrics.users);
  metrics.recall_large = recall[1] / double(metrics.users);
  return metrics;
}

/// The popularity baseline's scores: each item's number of training users.
inline Vector<float> popularity_scores(const ItemSets& train, int items) {
  Vector<float> counts = Vector<float>::Zero(items);
  for (int r = 0; r < train.rows(); ++r)
    for (int item : train.row(r)) counts[item] += 1;
  return counts;
}

}  // namespace autorec
