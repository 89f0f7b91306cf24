// The squared error over observed entries: its gradient, its per-entry form, and its
// blindness to unobserved entries. (The network's fused observed-entries path is checked
// against this dense form in test_model.cpp.)
#include <doctest/doctest.h>

#include <limits>

#include "autorec/check/gradient_check.hpp"
#include "autorec/loss/squared_error.hpp"
#include "synthetic.hpp"

using namespace autorec;
using autorec::testing::observed_mask;
using autorec::testing::random_dense;
using autorec::testing::random_ratings;

TEST_CASE("Masked squared error gradient matches finite differences") {
  const SparseColumns<double> ratings = random_ratings<double>(8, 5, 0.4, 1);
  const Matrix<double> target(ratings), mask = observed_mask(ratings);
  Matrix<double> prediction = 3.0 + random_dense<double>(8, 5, 2).array();
  Matrix<double> gradient, scratch;
  masked_squared_error(prediction, target, mask, gradient);
  Eigen::Map<Vector<double>> flat(prediction.data(), prediction.size());
  const Vector<double> numeric = numerical_gradient<double>(
      [&] { return masked_squared_error(prediction, target, mask, scratch); }, flat);
  CHECK(relative_error(Eigen::Map<Vector<double>>(gradient.data(), gradient.size()), numeric) < 1e-6);
}

TEST_CASE("Masked squared error is the plain sum over observed entries") {
  Matrix<double> prediction(2, 2), target(2, 2), mask(2, 2), gradient;
  prediction << 1, 2, 3, 4;
  target << 2, 2, 1, 0;
  mask << 1, 1, 1, 0;
  CHECK(masked_squared_error(prediction, target, mask, gradient) == doctest::Approx(1.0 + 0 + 4));
  CHECK(gradient(0, 0) == -2.0);
  CHECK(gradient(1, 0) == 4.0);
  CHECK(gradient(1, 1) == 0.0);
}

TEST_CASE("Unobserved entries have no influence on the masked loss or its gradient") {
  const SparseColumns<double> ratings = random_ratings<double>(6, 4, 0.5, 3);
  const Matrix<double> mask = observed_mask(ratings);
  Matrix<double> target(ratings), prediction = random_dense<double>(6, 4, 4);
  Matrix<double> gradient_before, gradient_after;
  const double before = masked_squared_error(prediction, target, mask, gradient_before);
  const Matrix<double> noise = random_dense<double>(6, 4, 5);
  for (Index i = 0; i < target.size(); ++i)
    if (mask.data()[i] == 0) {
      target.data()[i] = std::numeric_limits<double>::quiet_NaN();
      prediction.data()[i] += 100 * noise.data()[i];
    }
  const double after = masked_squared_error(prediction, target, mask, gradient_after);
  CHECK(after == before);
  CHECK(gradient_after == gradient_before);
  CHECK(((mask.array() == 0).select(gradient_after.array(), 0.0) == 0).all());
}

TEST_CASE("The per-entry squared error and its derivative are (o - r)^2 and 2 (o - r)") {
  Eigen::Array3d o(1, 2, 4), r(2, 2, 1);
  const Eigen::Array3d value = SquaredError::value(o, r), derivative = SquaredError::derivative(o, r);
  CHECK((value == Eigen::Array3d(1, 0, 9)).all());
  CHECK((derivative == Eigen::Array3d(-2, 0, 6)).all());
}
