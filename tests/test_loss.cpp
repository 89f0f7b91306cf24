// Masked squared error: gradients, the observed-entries form against the dense form, and
// the blindness to unobserved entries.
#include <doctest/doctest.h>

#include <limits>

#include "autorec/check/gradient_check.hpp"
#include "autorec/loss/masked_mse.hpp"
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

namespace {
struct DecoderFixture {
  Dense<double, Eigen::RowMajor> decoder{4, 9};
  Vector<double> parameters, gradients;
  Matrix<double> hidden = random_dense<double>(4, 6, 11);
  SparseColumns<double> ratings = random_ratings<double>(9, 6, 0.35, 12);
  DecoderFixture() {
    parameters = random_dense<double>(decoder.parameter_count(), 1, 13);
    gradients = Vector<double>::Zero(parameters.size());
    decoder.bind(parameters.data(), gradients.data());
  }
  double observed_loss() {
    Vector<double> g;
    Matrix<double> dH;
    return observed_squared_error(decoder, hidden, ratings, g, dH);
  }
  double dense_loss(Matrix<double>& gradient) {
    Matrix<double> output;
    decoder.forward(hidden, output);
    return masked_squared_error(output, Matrix<double>(ratings), observed_mask(ratings), gradient);
  }
};
}  // namespace

TEST_CASE("Observed-entries loss gradient, through the decoder, matches finite differences") {
  DecoderFixture f;
  Vector<double> dO;
  Matrix<double> dH;
  observed_squared_error(f.decoder, f.hidden, f.ratings, dO, dH);
  f.decoder.accumulate_gradient_at(f.hidden, SparseBatch<double>(f.ratings), dO);
  const Vector<double> numeric_params = numerical_gradient<double>([&] { return f.observed_loss(); }, f.parameters);
  CHECK(relative_error(f.gradients, numeric_params) < 1e-6);
  Eigen::Map<Vector<double>> flat_hidden(f.hidden.data(), f.hidden.size());
  const Vector<double> numeric_hidden = numerical_gradient<double>([&] { return f.observed_loss(); }, flat_hidden);
  CHECK(relative_error(Eigen::Map<Vector<double>>(dH.data(), dH.size()), numeric_hidden) < 1e-6);
}

TEST_CASE("Observed-entries loss and gradient equal the dense masked form") {
  DecoderFixture f;
  Vector<double> sparse_gradient;
  Matrix<double> dense_gradient, dH;
  const double observed = observed_squared_error(f.decoder, f.hidden, f.ratings, sparse_gradient, dH);
  const double dense = f.dense_loss(dense_gradient);
  CHECK(observed == doctest::Approx(dense).epsilon(1e-12));
  SparseColumns<double> as_matrix = f.ratings;
  Eigen::Map<Vector<double>>(as_matrix.valuePtr(), as_matrix.nonZeros()) = sparse_gradient;
  CHECK(relative_error(Matrix<double>(as_matrix), dense_gradient) < 1e-12);
  const Matrix<double> dense_dH = f.decoder.weights().transpose() * dense_gradient;
  CHECK(relative_error(dH, dense_dH) < 1e-12);
}
