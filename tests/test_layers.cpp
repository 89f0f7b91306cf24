// Gradient checks of every layer against central differences, in double precision.
#include <doctest/doctest.h>

#include "autorec/check/gradient_check.hpp"
#include "autorec/layers/dense.hpp"
#include "autorec/layers/identity.hpp"
#include "autorec/layers/sigmoid.hpp"
#include "synthetic.hpp"

using namespace autorec;
using autorec::testing::random_dense;
using autorec::testing::random_ratings;

namespace {
template <int Layout>
GradientCheck check_dense(Index in, Index out, bool sparse_input) {
  Dense<double, Layout> layer(in, out);
  Vector<double> parameters = 0.3 * random_dense<double>(layer.parameter_count(), 1, 7);
  if constexpr (Layout == Eigen::ColMajor)  // sparse inputs need column-major weights
    if (sparse_input) return check_layer_gradient(layer, random_ratings<double>(in, 5, 0.4, 3), parameters);
  return check_layer_gradient(layer, Matrix<double>(random_dense<double>(in, 5, 3)), parameters);
}
}  // namespace

TEST_CASE("Dense backward matches finite differences for a dense input") {
  const GradientCheck result = check_dense<Eigen::ColMajor>(7, 4, false);
  CHECK(result.input < 1e-6);
  CHECK(result.parameters < 1e-6);
}

TEST_CASE("Dense backward matches finite differences for a sparse input") {
  const GradientCheck result = check_dense<Eigen::ColMajor>(9, 4, true);
  CHECK(result.input < 1e-6);
  CHECK(result.parameters < 1e-6);
}

TEST_CASE("Dense with row-major weights matches finite differences too") {
  const GradientCheck dense = check_dense<Eigen::RowMajor>(6, 5, false);
  CHECK(dense.input < 1e-6);
  CHECK(dense.parameters < 1e-6);
}

TEST_CASE("Dense forward of a sparse input equals the dense product") {
  Dense<double> layer(8, 3);
  Vector<double> parameters = random_dense<double>(layer.parameter_count(), 1, 2);
  Vector<double> gradients(parameters.size());
  layer.bind(parameters.data(), gradients.data());
  const SparseColumns<double> x = random_ratings<double>(8, 6, 0.3, 4);
  Matrix<double> from_sparse, from_dense;
  layer.forward(x, from_sparse);
  layer.forward(Matrix<double>(x), from_dense);
  CHECK(relative_error(from_sparse, from_dense) < 1e-14);
}

TEST_CASE("Dense forward_at equals the full output at the requested entries") {
  Dense<double, Eigen::RowMajor> layer(4, 10);
  Vector<double> parameters = random_dense<double>(layer.parameter_count(), 1, 5);
  Vector<double> gradients(parameters.size());
  layer.bind(parameters.data(), gradients.data());
  const Matrix<double> h = random_dense<double>(4, 6, 6);
  const SparseColumns<double> pattern = random_ratings<double>(10, 6, 0.3, 8);
  Matrix<double> full;
  Vector<double> at;
  layer.forward(h, full);
  layer.forward_at(h, pattern, at);
  REQUIRE(at.size() == pattern.nonZeros());
  for (Index j = 0; j < pattern.outerSize(); ++j)
    for (int p = pattern.outerIndexPtr()[j]; p < pattern.outerIndexPtr()[j + 1]; ++p)
      CHECK(at[p] == doctest::Approx(full(pattern.innerIndexPtr()[p], j)).epsilon(1e-12));
}

TEST_CASE("A sparse batch holds the same matrix by rows, with each entry's column position") {
  const SparseColumns<double> x = random_ratings<double>(7, 9, 0.3, 10);
  const SparseBatch<double> batch(x);
  CHECK(Matrix<double>(batch.by_row) == Matrix<double>(x));
  for (Index u = 0; u < batch.by_row.rows(); ++u)
    for (int q = batch.by_row.outerIndexPtr()[u]; q < batch.by_row.outerIndexPtr()[u + 1]; ++q)
      CHECK(x.valuePtr()[batch.column_position[std::size_t(q)]] == batch.by_row.valuePtr()[q]);
}

TEST_CASE("Dense rejects inputs of the wrong size with a message naming both sizes") {
  Dense<double> layer(3, 2);
  Vector<double> parameters = Vector<double>::Zero(layer.parameter_count());
  Vector<double> gradients = parameters;
  layer.bind(parameters.data(), gradients.data());
  Matrix<double> y;
  CHECK_THROWS_WITH_AS(layer.forward(Matrix<double>::Zero(4, 1), y),
                       "Dense: forward input has 4 rows, expected 3", std::invalid_argument);
}

TEST_CASE("Sigmoid backward matches finite differences") {
  CHECK(check_activation_gradient(Sigmoid<double>(), random_dense<double>(5, 4, 9)).input < 1e-6);
}

TEST_CASE("Identity backward matches finite differences") {
  CHECK(check_activation_gradient(Identity<double>(), random_dense<double>(5, 4, 9)).input < 1e-6);
}

TEST_CASE("Sigmoid stays finite and saturates for large |x|") {
  Matrix<float> z(1, 4);
  z << -1e4f, -100.f, 100.f, 1e4f;
  Matrix<float> h;
  Sigmoid<float>().forward(z, h);
  CHECK(h.allFinite());
  CHECK(h(0, 0) == 0.f);
  CHECK(h(0, 3) == 1.f);
  Matrix<double> zd = z.cast<double>(), hd;
  Sigmoid<double>().forward(zd, hd);
  CHECK(hd.allFinite());
  CHECK(hd(0, 1) == doctest::Approx(3.720075976020836e-44).epsilon(1e-9));
  CHECK(hd(0, 2) == 1.0);
}
