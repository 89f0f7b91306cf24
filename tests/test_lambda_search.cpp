// Choosing lambda on validation: a grid scaled to the data, extended past an end where the
// best lies, and the chosen trial's best epoch for the refit.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "autorec/train/lambda_search.hpp"

using namespace autorec;

namespace {
// A trial whose validation RMSE is a parabola in log10(lambda) with its minimum at `best`,
// and whose best epoch is lambda itself (rounded), so the choice's epochs can be checked.
struct Parabola {
  double best;
  std::vector<double> tried;
  TrainReport operator()(double lambda) {
    tried.push_back(lambda);
    TrainReport report;
    const double distance = std::log10(lambda) - std::log10(best);
    report.best_validation_rmse = 0.8 + distance * distance;
    report.best_epoch = int(std::lround(lambda));
    return report;
  }
};
}  // namespace

TEST_CASE("The lambda grid is centred on 35 per 1e5 ratings, a factor of 3 apart, in two digits") {
  CHECK(lambda_grid(100000) == std::vector<double>{12, 35, 110});
  CHECK(lambda_grid(800000) == std::vector<double>{93, 280, 840});
  CHECK(lambda_grid(2000) == std::vector<double>{0.23, 0.7, 2.1});
  CHECK_THROWS_AS(lambda_grid(0), std::invalid_argument);
}

TEST_CASE("choose_lambda keeps the lambda of the lowest validation RMSE and its best epoch") {
  Parabola trial{90, {}};
  const LambdaChoice choice = choose_lambda({30, 90, 270}, std::ref(trial));
  CHECK(trial.tried == std::vector<double>{30, 90, 270});  // an interior best: no extension
  CHECK(choice.lambda == 90);
  CHECK(choice.epochs == 90);
  CHECK(choice.validation_rmse == doctest::Approx(0.8));
  CHECK(choice.trials.size() == 3);
}

TEST_CASE("choose_lambda extends the grid past the end where the best lies, a bounded number of times") {
  Parabola low{2, {}};
  CHECK(choose_lambda({30, 90, 270}, std::ref(low)).lambda == 3.3);
  CHECK(low.tried == std::vector<double>{30, 90, 270, 10, 3.3, 1.1});  // 1.1 is worse than 3.3: stop
  Parabola high{1e6, {}};
  CHECK(choose_lambda({30, 90, 270}, std::ref(high), 2).lambda == 2400);
  CHECK(high.tried == std::vector<double>{30, 90, 270, 810, 2400});
}

TEST_CASE("choose_lambda refuses a grid it cannot extend, and trials without a validation RMSE") {
  Parabola trial{1, {}};
  CHECK_THROWS_AS(choose_lambda({1}, std::ref(trial)), std::invalid_argument);
  CHECK_THROWS_AS(choose_lambda({3, 1}, std::ref(trial)), std::invalid_argument);
  CHECK_THROWS_AS(choose_lambda({0, 1}, std::ref(trial)), std::invalid_argument);
  CHECK_THROWS_AS(choose_lambda({1, 3}, [](double) { return TrainReport{}; }), std::runtime_error);
}
