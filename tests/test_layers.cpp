// Every layer against the contract (layers/layer.hpp): gradient checks in double precision,
// the sparse roles against the dense products, activations, dropout and the registry.
#include <doctest/doctest.h>

#include <string>

#include "autorec/check/gradient_check.hpp"
#include "autorec/layers/layer_kinds.hpp"
#include "autorec/layers/dense.hpp"
#include "autorec/layers/dropout.hpp"
#include "autorec/layers/input_dropout.hpp"
#include "autorec/layers/observed_output.hpp"
#include "autorec/layers/sparse_input.hpp"
#include "synthetic.hpp"

using namespace autorec;
using autorec::testing::random_dense;
using autorec::testing::random_ratings;

namespace {
Vector<double> random_parameters(Index count, std::uint64_t seed) {
  return Vector<double>(0.3 * random_dense<double>(count, 1, seed));
}
GradientCheck check_activation(const std::string& kind) {
  auto layer = make_activation<double>(kind, 5);
  Vector<double> none;
  return check_layer_gradient<double>(*layer, random_dense<double>(5, 4, 9), none);
}
}  // namespace

TEST_CASE("Dense backward and parameter gradient match finite differences") {
  Dense<double> layer(7, 4);
  Vector<double> parameters = random_parameters(layer.parameter_count(), 7);
  const GradientCheck result = check_layer_gradient<double>(layer, random_dense<double>(7, 5, 3), parameters);
  CHECK(result.input < 1e-6);
  CHECK(result.parameters < 1e-6);
}

TEST_CASE("The sparse-input layer's parameter gradient matches finite differences") {
  SparseInputDense<double> layer(9, 4);
  Vector<double> parameters = random_parameters(layer.parameter_count(), 7);
  CHECK(check_layer_gradient(layer, random_ratings<double>(9, 5, 0.4, 3), parameters).parameters < 1e-6);
}

TEST_CASE("The observed-output layer's fused pass matches finite differences in dH and its parameters") {
  ObservedOutputDense<double> layer(4, 9);
  Vector<double> parameters = random_parameters(layer.parameter_count(), 13);
  const SparseBatch<double> pattern(random_ratings<double>(9, 6, 0.35, 12));
  const GradientCheck result = check_layer_gradient(layer, random_dense<double>(4, 6, 11), pattern, parameters);
  CHECK(result.input < 1e-6);
  CHECK(result.parameters < 1e-6);
}

TEST_CASE("The sparse-input layer's sparse forward equals the dense product") {
  SparseInputDense<double> layer(8, 3);
  const Vector<double> parameters = random_dense<double>(layer.parameter_count(), 1, 2);
  const SparseColumns<double> x = random_ratings<double>(8, 6, 0.3, 4);
  Matrix<double> from_sparse, from_dense;
  layer.forward(parameters.data(), x, from_sparse);
  layer.forward(parameters.data(), Matrix<double>(x), from_dense);
  CHECK(relative_error(from_sparse, from_dense) < 1e-14);
}

TEST_CASE("The sparse-input layer's sparse gradient equals the dense one") {
  SparseInputDense<double> layer(8, 3);
  const SparseColumns<double> x = random_ratings<double>(8, 6, 0.3, 4);
  const Matrix<double> dZ = random_dense<double>(3, 6, 5);
  Vector<double> sparse = Vector<double>::Zero(layer.parameter_count()), dense = sparse;
  layer.accumulate_gradient(sparse.data(), SparseRows<double>(x), dZ);
  layer.accumulate_gradient(dense.data(), Matrix<double>(x), dZ);
  CHECK(relative_error(sparse, dense) < 1e-14);
}

TEST_CASE("The observed-output layer's forward_at equals the full output at the requested entries") {
  ObservedOutputDense<double> layer(4, 10);
  const Vector<double> parameters = random_dense<double>(layer.parameter_count(), 1, 5);
  const Matrix<double> h = random_dense<double>(4, 6, 6);
  const SparseColumns<double> pattern = random_ratings<double>(10, 6, 0.3, 8);
  Matrix<double> full;
  Vector<double> at;
  layer.forward(parameters.data(), h, full);
  layer.forward_at(parameters.data(), h, pattern, at);
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
  const Vector<double> parameters = Vector<double>::Zero(layer.parameter_count());
  Matrix<double> y;
  CHECK_THROWS_WITH_AS(layer.forward(parameters.data(), Matrix<double>::Zero(4, 1), y),
                       "Dense: forward input has 4 rows, expected 3", std::invalid_argument);
}

TEST_CASE("Dense rejects sizes whose weight count overflows") {
  CHECK_THROWS_AS(Dense<float>(Index(1) << 40, Index(1) << 40), std::invalid_argument);
}

TEST_CASE("Each layer reports its weights as decaying and its biases as not") {
  const auto groups = Dense<double>(3, 2).parameter_groups();
  REQUIRE(groups.size() == 2);
  CHECK((groups[0].offset == 0 && groups[0].size == 6 && groups[0].decays));
  CHECK((groups[1].offset == 6 && groups[1].size == 2 && !groups[1].decays));
  CHECK(make_activation<double>("elu", 4)->parameter_groups().empty());
  CHECK(Dropout<double>(4, 0.5).parameter_count() == 0);
}

TEST_CASE("Sigmoid backward matches finite differences") { CHECK(check_activation("sigmoid").input < 1e-6); }
TEST_CASE("Identity backward matches finite differences") { CHECK(check_activation("identity").input < 1e-6); }
TEST_CASE("Tanh backward matches finite differences") { CHECK(check_activation("tanh").input < 1e-6); }
TEST_CASE("ReLU backward matches finite differences") { CHECK(check_activation("relu").input < 1e-6); }
TEST_CASE("ELU backward matches finite differences") { CHECK(check_activation("elu").input < 1e-6); }
TEST_CASE("SELU backward matches finite differences") { CHECK(check_activation("selu").input < 1e-6); }

TEST_CASE("Activations compute their textbook values") {
  Matrix<double> z(1, 3), h;
  z << -1.0, 0.5, 2.0;
  make_activation<double>("relu", 1)->forward(nullptr, z, h);
  CHECK(h == (Matrix<double>(1, 3) << 0.0, 0.5, 2.0).finished());
  make_activation<double>("elu", 1)->forward(nullptr, z, h);
  CHECK(h(0, 0) == doctest::Approx(std::exp(-1.0) - 1));
  CHECK(h(0, 2) == 2.0);
  make_activation<double>("selu", 1)->forward(nullptr, z, h);
  CHECK(h(0, 0) == doctest::Approx(1.0507009873554805 * 1.6732632423543772 * (std::exp(-1.0) - 1)));
  CHECK(h(0, 1) == doctest::Approx(1.0507009873554805 * 0.5));
  make_activation<double>("tanh", 1)->forward(nullptr, z, h);
  CHECK(h(0, 1) == doctest::Approx(std::tanh(0.5)));
  make_activation<double>("sigmoid", 1)->forward(nullptr, z, h);
  CHECK(h(0, 1) == doctest::Approx(1 / (1 + std::exp(-0.5))));
}

TEST_CASE("Sigmoid stays finite and saturates for large |x|") {
  Matrix<float> z(1, 4), h;
  z << -1e4f, -100.f, 100.f, 1e4f;
  make_activation<float>("sigmoid", 1)->forward(nullptr, z, h);
  CHECK(h.allFinite());
  CHECK(h(0, 0) == 0.f);
  CHECK(h(0, 3) == 1.f);
  Matrix<double> hd;
  make_activation<double>("sigmoid", 1)->forward(nullptr, z.cast<double>(), hd);
  CHECK(hd(0, 1) == doctest::Approx(3.720075976020836e-44).epsilon(1e-9));
  CHECK(hd(0, 2) == 1.0);
}

TEST_CASE("ELU and SELU stay finite for large inputs") {
  Matrix<float> z(1, 2), h;
  z << -1e4f, 1e4f;
  for (const char* kind : {"elu", "selu"}) {
    make_activation<float>(kind, 1)->forward(nullptr, z, h);
    CHECK(h.allFinite());
  }
}

TEST_CASE("Dropout's backward applies the mask its training forward drew") {
  Dropout<double> layer(6, 0.4);
  Vector<double> none;
  const GradientCheck result = check_layer_gradient<double>(layer, random_dense<double>(6, 5, 2), none);
  CHECK(result.input < 1e-6);
}

TEST_CASE("Dropout keeps every entry unscaled at prediction") {
  Dropout<double> layer(6, 0.5);
  const Matrix<double> x = random_dense<double>(6, 4, 1);
  Matrix<double> y;
  layer.forward(nullptr, x, y);
  CHECK(y == x);
}

TEST_CASE("Dropout zeroes about the rate's share and scales the rest by 1 / (1 - rate)") {
  Dropout<double> layer(100, 0.25);
  const Matrix<double> x = Matrix<double>::Ones(100, 100);
  Matrix<double> y;
  layer.forward_training(nullptr, x, y, 3);
  const double dropped = double((y.array() == 0).count()) / double(y.size());
  CHECK(dropped == doctest::Approx(0.25).epsilon(0.1));
  CHECK(((y.array() == 0) || ((y.array() - 1 / 0.75).abs() < 1e-12)).all());
}

TEST_CASE("Dropout masks are fixed by the seed and differ between seeds") {
  Dropout<double> layer(20, 0.5);
  const Matrix<double> x = Matrix<double>::Ones(20, 10);
  Matrix<double> a, b, c;
  layer.forward_training(nullptr, x, a, 1);
  layer.forward_training(nullptr, x, b, 1);
  layer.forward_training(nullptr, x, c, 2);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Input dropout zeroes stored ratings in both storage orders alike and keeps the pattern") {
  const SparseBatch<double> batch(random_ratings<double>(50, 40, 0.3, 4));
  SparseBatch<double> noisy;
  drop_inputs(batch, 0.5, 9, noisy);
  CHECK(noisy.nonZeros() == batch.nonZeros());
  CHECK(Matrix<double>(noisy.by_row) == Matrix<double>(noisy.by_column));
  Index zeroed = 0;
  for (Index p = 0; p < batch.nonZeros(); ++p) {
    const double kept = noisy.by_column.valuePtr()[p];
    zeroed += kept == 0;
    CHECK((kept == 0 || kept == doctest::Approx(2 * batch.by_column.valuePtr()[p])));
  }
  CHECK(double(zeroed) / double(batch.nonZeros()) == doctest::Approx(0.5).epsilon(0.15));
}

TEST_CASE("The registry makes every built-in kind and names the known ones for an unknown kind") {
  for (const char* kind : {"sigmoid", "identity", "tanh", "relu", "elu", "selu"})
    CHECK(make_layer<float>({kind, 0, 0}, 3)->spec().kind == kind);
  CHECK(make_layer<double>({"dense", 4, 0}, 3)->outputs() == 4);
  CHECK(make_layer<double>({"dropout", 0, 0.2}, 3)->spec().rate == 0.2);
  CHECK_THROWS_WITH_AS(make_layer<float>({"mish", 0, 0}, 3),
                       doctest::Contains("unknown layer kind 'mish' (known: dense, "), std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_activation<float>("mish", 3), doctest::Contains("relu, selu, sigmoid"),
                       std::invalid_argument);
}
