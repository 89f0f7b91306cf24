#pragma once
// The implicit-feedback protocol (strong generalisation, data/implicit.hpp): models learn
// from the training users alone and make every choice by NDCG@100 on the validation users;
// the test users are scored once, by the chosen model.
//
// EASE's one choice is lambda. Its grid is scaled to the data: lambda is added to the Gram
// matrix's diagonal, whose entries are the items' positive counts, so the grid centres on the
// count of a typical positive's item, c = sum of counts^2 / sum of counts: c / 4, c / 2, c,
// 2 c, 4 c, extended past an end while the best lies there. The best lay inside it on ML-1M
// (c 660, best 530) and ml-latest-small (c 46, best 110); docs/results.md.

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/train/lambda_search.hpp"

namespace autorec {

/// A scoring function (eval/heldout_ranking.hpp) for the popularity baseline.
inline auto popularity_scorer(const ImplicitData& data) {
  return [counts = popularity_scores(data.train, data.catalogue())](const ItemSets&, int, int count,
                                                                     Matrix<float>& out) {
    out = counts.transpose().replicate(count, 1);
  };
}

/// A scoring function (eval/heldout_ranking.hpp) for an EASE model.
template <typename Scalar>
auto ease_scorer(const Ease<Scalar>& model) {
  return [&model](const ItemSets& users, int first, int count, Matrix<float>& out) {
    model.scores(users, first, count, out);
  };
}

/// The first lambda grid for EASE on `train`: c = sum of item counts^2 / their sum, times
/// 1/4 to 4.
inline std::vector<double> ease_lambda_grid(const ItemSets& train, int items) {
  if (items < 1 || train.entries() == 0) throw std::invalid_argument("ease_lambda_grid: no training positives");
  const Vector<float> counts = popularity_scores(train, items);
  const double centre = std::max(counts.cast<double>().squaredNorm() / counts.cast<double>().sum(), 1.0);
  return {two_digits(centre / 4), two_digits(centre / 2), two_digits(centre), two_digits(centre * 2),
          two_digits(centre * 4)};
}

/// One lambda tried: the validation users' metrics and the fit's seconds.
struct EaseTrial {
  double lambda = 0;
  HeldoutMetrics validation;
  double seconds = 0;
};

/// The chosen model and every trial, in the order tried.
struct EaseFit {
  std::optional<Ease<float>> model;
  std::vector<EaseTrial> trials;
};

/// Fits EASE for each lambda of `grid` (one lambda: no choice, and the grid is not extended)
/// on the training users and keeps the one with the best validation NDCG@100. `on_trial`
/// sees each trial as it ends.
inline EaseFit fit_ease(const ImplicitData& data, std::vector<double> grid,
                        const std::function<void(const EaseTrial&)>& on_trial = {}, int extensions = 3) {
  const int items = data.catalogue();
  Ease<float>::check_memory(items, available_memory_bytes(), grid.size() > 1);
  const Eigen::MatrixXd gram = Ease<float>::gram(data.train, items);
  EaseFit result;
  double best_ndcg = -1;
  auto trial = [&](double lambda) {
    const auto start = std::chrono::steady_clock::now();
    Ease<float> model = Ease<float>::fit(gram, lambda);
    EaseTrial outcome{lambda, {}, 0};
    outcome.validation = heldout_metrics(data.validation, items, ease_scorer(model));
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!(outcome.validation.ndcg <= 1))
      throw std::runtime_error("EASE: no validation user has a target, so lambda cannot be chosen");
    if (outcome.validation.ndcg > best_ndcg) {
      best_ndcg = outcome.validation.ndcg;
      result.model.emplace(std::move(model));
    }
    result.trials.push_back(outcome);
    if (on_trial) on_trial(outcome);
    return outcome;
  };
  if (grid.size() == 1) {
    trial(grid.front());
    return result;
  }
  std::size_t best = 0;
  search_grid<EaseTrial>(grid, trial, [](const EaseTrial& t) { return -t.validation.ndcg; }, extensions, best);
  return result;
}

}  // namespace autorec
