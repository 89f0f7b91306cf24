#pragma once
// Choosing lambda on validation, the paper's protocol and autorec-train's default: one network
// per lambda of a grid, each stopped early on the validation ratings; the lambda with the best
// validation RMSE wins, and its best epoch is how long the refit on all training ratings runs.
//
// The grid is scaled to the data: the loss sums squared errors over the n training ratings
// while the penalty (lambda / 2)(|W|^2 + |V|^2) does not grow with them, so the same balance
// needs lambda in proportion to n. Ratings are in network units (eval/predict.hpp), so their
// scale does not enter. The centre 35 n / 1e5 is where the best validation RMSE lay on
// ml-latest-small (n = 81,677: lambda 30 of 10, 30, 90, 270) and on ML-1M (n = 810,170:
// lambda 280 of 95, 280, 850); docs/results.md.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <vector>

#include "autorec/report.hpp"

namespace autorec {

/// One lambda tried, with the report of the network trained with it.
struct LambdaTrial {
  double lambda = 0;
  TrainReport report;
};

struct LambdaChoice {
  double lambda = 0;
  int epochs = 0;                   ///< the chosen trial's best epoch: the refit runs this many
  double validation_rmse = 0;       ///< the chosen trial's best
  std::vector<LambdaTrial> trials;  ///< in the order tried
  /// The chosen trial's report (empty when no trial ran).
  TrainReport chosen_report() const {
    for (const LambdaTrial& trial : trials)
      if (trial.lambda == lambda) return trial.report;
    return {};
  }
};

/// Rounds to two significant digits, so that grids print as the numbers they are.
inline double two_digits(double value) {
  const double exponent = std::floor(std::log10(value)) - 1;
  const double unit = std::pow(10.0, std::abs(exponent));  // exact: a power of 10 as an integer
  // dividing by 10^k rather than multiplying by 10^-k gives the double nearest 3.3, say
  return exponent < 0 ? std::round(value * unit) / unit : std::round(value / unit) * unit;
}

/// The first grid for `ratings` training ratings: c / 3, c and 3 c with c = 35 n / 1e5.
inline std::vector<double> lambda_grid(std::size_t ratings) {
  if (ratings == 0) throw std::invalid_argument("lambda_grid: no training ratings");
  const double centre = 35 * double(ratings) / 1e5;
  return {two_digits(centre / 3), two_digits(centre), two_digits(centre * 3)};
}

/// Tries each value of `grid` (ascending, each the previous times a constant ratio) through
/// `trial(value) -> Result`, and ranks the results by `loss(result)` (lower is better). While
/// the best lies at an end of the grid, the grid grows past that end by its ratio, at most
/// `extensions` times, so data unlike those the grid was scaled on still gets an interior
/// optimum. Returns the (value, result) pairs in the order tried and sets `best` to the best's.
template <typename Result, typename Trial, typename Loss>
std::vector<std::pair<double, Result>> search_grid(const std::vector<double>& grid, Trial&& trial, Loss&& loss,
                                                   int extensions, std::size_t& best) {
  if (grid.size() < 2 || !std::is_sorted(grid.begin(), grid.end()) || !(grid.front() > 0))
    throw std::invalid_argument("search_grid: the grid needs at least two ascending positive values");
  const double ratio = grid[1] / grid[0];
  std::vector<std::pair<double, Result>> tried;
  auto find_best = [&] {
    best = 0;
    for (std::size_t t = 1; t < tried.size(); ++t)
      if (loss(tried[t].second) < loss(tried[best].second)) best = t;
    return tried[best].first;
  };
  for (double value : grid) tried.emplace_back(value, trial(value));
  double low = grid.front(), high = grid.back();
  for (int extension = 0; extension < extensions; ++extension) {
    const double best_value = find_best();
    double next;
    if (best_value == low)
      next = low = two_digits(low / ratio);
    else if (best_value == high)
      next = high = two_digits(high * ratio);
    else
      break;
    tried.emplace_back(next, trial(next));
  }
  find_best();
  return tried;
}

/// Trains with each lambda of `grid` through `train_with(lambda) -> TrainReport`, which
/// trains a fresh network with validation, and chooses by validation RMSE (search_grid).
template <typename TrainWith>
LambdaChoice choose_lambda(const std::vector<double>& grid, TrainWith&& train_with, int extensions = 3) {
  if (grid.size() < 2 || !std::is_sorted(grid.begin(), grid.end()) || !(grid.front() > 0))
    throw std::invalid_argument("choose_lambda: the grid needs at least two ascending positive values");
  std::size_t best = 0;
  const auto tried = search_grid<TrainReport>(
      grid, train_with, [](const TrainReport& report) { return report.best_validation_rmse; }, extensions, best);
  LambdaChoice choice;
  for (const auto& [lambda, report] : tried) choice.trials.push_back({lambda, report});
  const LambdaTrial& chosen = choice.trials[best];
  if (!(chosen.report.best_validation_rmse < 1e300))
    throw std::runtime_error("choose_lambda: no lambda gave a finite validation RMSE (is there validation data?)");
  choice.lambda = chosen.lambda;
  choice.epochs = chosen.report.best_epoch;
  choice.validation_rmse = chosen.report.best_validation_rmse;
  return choice;
}

}  // namespace autorec
