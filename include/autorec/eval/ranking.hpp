#pragma once
// Ranking metrics of top-K lists against held-out ratings, and the popularity baseline they
// are read beside.
//
// Protocol (the usual one): an item is relevant to a user when its test rating is at or above
// `threshold`; every user with at least one relevant test item is scored, whatever their
// list (an empty list scores 0); lists leave out the items the user rated in training. With
// hits = |top-K n relevant| and rel = the user's relevant items:
//   Precision@K = hits / K          Recall@K = hits / |rel|         hit rate = [hits > 0]
//   NDCG@K = sum over hits at rank i (from 1) of 1 / log2(i + 1), over the same for
//            min(|rel|, K) hits at the top
//   MAP@K = sum over hits at rank i of Precision@i, over min(|rel|, K)
// each averaged over the scored users; coverage = distinct items recommended to anyone /
// items with training ratings.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/eval/top_n.hpp"

namespace autorec {

struct RankingMetrics {
  int k = 0;
  double threshold = 0;
  long users = 0;  ///< users with a relevant test item: the ones averaged over
  double precision = std::numeric_limits<double>::quiet_NaN();
  double recall = std::numeric_limits<double>::quiet_NaN();
  double ndcg = std::numeric_limits<double>::quiet_NaN();
  double map = std::numeric_limits<double>::quiet_NaN();
  double hit_rate = std::numeric_limits<double>::quiet_NaN();
  double coverage = std::numeric_limits<double>::quiet_NaN();
};

/// The default relevance threshold for ratings in [min_rating, max_rating]: three quarters of
/// the way up (4 on a 1-5 scale, 75.25 on 1-100).
inline double default_relevance_threshold(float min_rating, float max_rating) {
  return min_rating + 0.75 * (double(max_rating) - double(min_rating));
}

/// Scores `top_k(users)`, which returns each listed user's top-K list (best first, training
/// items left out), against `test`. `catalogue` is the number of items with training ratings.
template <typename TopK>
RankingMetrics ranking_metrics(TopK&& top_k, const std::vector<Rating>& test, int users, int k, double threshold,
                               long catalogue) {
  if (k < 1) throw std::invalid_argument("ranking_metrics: K must be at least 1, got " + std::to_string(k));
  RankingMetrics metrics;
  metrics.k = k;
  metrics.threshold = threshold;
  std::vector<std::vector<int>> relevant(std::size_t(std::max(users, 0)));
  for (const Rating& r : test) {
    if (r.user < 0 || r.user >= users)
      throw std::out_of_range("ranking_metrics: test user " + std::to_string(r.user) + " is outside [0, " +
                              std::to_string(users) + ")");
    if (r.value >= threshold) relevant[std::size_t(r.user)].push_back(r.item);
  }
  std::vector<int> scored;
  for (int u = 0; u < users; ++u)
    if (!relevant[std::size_t(u)].empty()) {
      scored.push_back(u);
      std::sort(relevant[std::size_t(u)].begin(), relevant[std::size_t(u)].end());
    }
  metrics.users = long(scored.size());
  if (scored.empty()) return metrics;
  const std::vector<std::vector<Recommendation>> lists = top_k(scored);
  if (lists.size() != scored.size()) throw std::logic_error("ranking_metrics: top_k returned the wrong number of lists");
  double precision = 0, recall = 0, ndcg = 0, map = 0, hits_any = 0;
  std::vector<char> recommended;
  for (std::size_t s = 0; s < scored.size(); ++s) {
    const std::vector<int>& rel = relevant[std::size_t(scored[s])];
    const auto& list = lists[s];
    double hits = 0, dcg = 0, average_precision = 0, ideal = 0;
    for (std::size_t rank = 0; rank < list.size() && rank < std::size_t(k); ++rank) {
      const int item = list[rank].item;
      if (item >= int(recommended.size())) recommended.resize(std::size_t(item) + 1, 0);
      recommended[std::size_t(item)] = 1;
      if (!std::binary_search(rel.begin(), rel.end(), item)) continue;
      hits += 1;
      dcg += 1 / std::log2(double(rank) + 2);
      average_precision += hits / double(rank + 1);
    }
    const std::size_t best = std::min(rel.size(), std::size_t(k));
    for (std::size_t rank = 0; rank < best; ++rank) ideal += 1 / std::log2(double(rank) + 2);
    precision += hits / k;
    recall += hits / double(rel.size());
    ndcg += dcg / ideal;
    map += average_precision / double(best);
    hits_any += hits > 0;
  }
  const double n = double(scored.size());
  metrics.precision = precision / n;
  metrics.recall = recall / n;
  metrics.ndcg = ndcg / n;
  metrics.map = map / n;
  metrics.hit_rate = hits_any / n;
  long distinct = 0;
  for (char r : recommended) distinct += r;
  metrics.coverage = catalogue > 0 ? double(distinct) / double(catalogue) : 0;
  return metrics;
}

/// The popularity baseline: every user gets the items with the most training ratings that
/// they have not rated, ties to the lower index; the score is the item's rating count.
class PopularityRanker {
 public:
  PopularityRanker(const std::vector<Rating>& training, int users, int items)
      : counts_(std::size_t(items), 0.0f), rated_(std::size_t(users)) {
    for (const Rating& r : training) {
      counts_.at(std::size_t(r.item)) += 1;
      rated_.at(std::size_t(r.user)).push_back(r.item);
    }
    for (auto& list : rated_) std::sort(list.begin(), list.end());
    for (float count : counts_) eligible_.push_back(count > 0);
  }
  std::vector<std::vector<Recommendation>> recommend(const std::vector<int>& users, const TopN& request) const {
    std::vector<std::vector<Recommendation>> lists;
    for (int u : users) {
      const std::vector<int>& rated = rated_.at(std::size_t(u));
      lists.push_back(detail::select_top(counts_, eligible_, request, rated.data(), rated.size()));
    }
    return lists;
  }
  long catalogue() const { return long(std::count(eligible_.begin(), eligible_.end(), char(1))); }

 private:
  std::vector<float> counts_;
  std::vector<std::vector<int>> rated_;
  std::vector<char> eligible_;
};

}  // namespace autorec
