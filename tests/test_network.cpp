// The network container: the layout it derives, gradients of composed networks of depth 1 to
// 3 with every activation, the sparse path against the dense reference path, dropout masks
// held through backward, copies, and a host's own layer.
#include <doctest/doctest.h>

#include <string>

#include "autorec/check/gradient_check.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/model/ensemble.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;
using autorec::testing::observed_mask;
using autorec::testing::random_ratings;

namespace {
Network<double> network(const HiddenSizes& hidden, const std::string& activation,
                        const std::string& output_activation = "identity", double dropout = 0,
                        double input_dropout = 0) {
  Network<double>::Options options;
  options.inputs = 8;
  options.hidden = hidden;
  options.activation = activation;
  options.output_activation = output_activation;
  options.dropout = dropout;
  options.input_dropout = input_dropout;
  options.lambda = 0.7;
  options.weight_scale = 0.3;  // larger than the default so the check sees curvature
  options.bias_scale = 0.1;
  return Network<double>(options);
}

// Relative error of the sparse path's gradient against central differences, with the noise
// step held so that every evaluation draws the same dropout masks.
double gradient_error(Network<double>& model) {
  const SparseBatch<double> batch(random_ratings<double>(8, 5, 0.4, 2));
  TrainingPass pass(model);
  pass.set_noise_step(3);
  pass.loss_and_gradient(model, batch, 0.5);
  const Vector<double> analytic = pass.gradient();
  const Vector<double> numeric = numerical_gradient<double>(
      [&] {
        pass.set_noise_step(3);
        return pass.loss_and_gradient(model, batch, 0.5);
      },
      model.parameters());
  return relative_error(analytic, numeric);
}
}  // namespace

TEST_CASE("AutoRec's layout is [V | mu | W | b], derived from its layers") {
  const Network<double> model = network(3, "sigmoid");
  const auto& groups = model.parameter_groups();
  REQUIRE(groups.size() == 4);
  const Index d = 8, k = 3;
  CHECK((groups[0].offset == 0 && groups[0].size == k * d && groups[0].decays));
  CHECK((groups[1].offset == k * d && groups[1].size == k && !groups[1].decays));
  CHECK((groups[2].offset == k * d + k && groups[2].size == d * k && groups[2].decays));
  CHECK((groups[3].offset == 2 * k * d + k && groups[3].size == d && !groups[3].decays));
  CHECK(model.parameters().size() == 2 * d * k + d + k);
}

TEST_CASE("A deep network's layout holds every Dense's weights and biases in order") {
  const Network<double> model = network({5, 2, 4}, "elu");
  CHECK(model.hidden_sizes() == std::vector<Index>{5, 2, 4});
  const auto& groups = model.parameter_groups();
  REQUIRE(groups.size() == 8);  // V, mu, then two hidden Dense, then W, b
  CHECK(groups[2].size == 2 * 5);
  CHECK(groups[4].size == 4 * 2);
  CHECK(groups[6].size == 8 * 4);
  CHECK(model.parameters().size() == (8 * 5 + 5) + (5 * 2 + 2) + (2 * 4 + 4) + (4 * 8 + 8));
}

TEST_CASE("Composed networks of depth 1 to 3 with each activation match finite differences") {
  for (const char* activation : {"sigmoid", "identity", "tanh", "relu", "elu", "selu"})
    for (const HiddenSizes& hidden : {HiddenSizes(4), HiddenSizes({4, 3}), HiddenSizes({4, 2, 3})}) {
      Network<double> model = network(hidden, activation);
      CAPTURE(model.architecture().describe());
      CHECK(gradient_error(model) < 1e-6);
    }
}

TEST_CASE("Any activation may be the output activation") {
  for (const char* output : {"sigmoid", "tanh", "elu", "selu", "relu"}) {
    Network<double> model = network({4, 3}, "sigmoid", output);
    CAPTURE(output);
    CHECK(gradient_error(model) < 1e-6);
  }
}

TEST_CASE("Dropout masks drawn in the forward pass are reproduced in backward") {
  Network<double> model = network({5, 4}, "elu", "identity", 0.3);
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("Input dropout's gradient is that of the corrupted input's network") {
  Network<double> model = network(4, "sigmoid", "identity", 0, 0.3);
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("Each training call draws new dropout masks and a replayed step the same ones") {
  Network<double> model = network({5, 4}, "elu", "identity", 0.5);
  const SparseBatch<double> batch(random_ratings<double>(8, 5, 0.4, 2));
  TrainingPass pass(model);
  const double first = pass.loss_and_gradient(model, batch);
  const double second = pass.loss_and_gradient(model, batch);
  pass.set_noise_step(0);
  CHECK(pass.loss_and_gradient(model, batch) == first);
  CHECK(second != first);
}

TEST_CASE("The sparse path equals the dense reference path for deep networks") {
  for (const char* activation : {"sigmoid", "relu", "selu"}) {
    Network<double> model = network({5, 3, 4}, activation, "tanh", 0.2);
    const SparseColumns<double> ratings = random_ratings<double>(8, 12, 0.3, 3);
    TrainingPass pass(model);
    pass.set_noise_step(1);
    const double sparse_loss = pass.loss_and_gradient(model, SparseBatch<double>(ratings), 0.25);
    const Vector<double> sparse_gradient = pass.gradient();
    pass.set_noise_step(1);
    const double dense_loss = pass.loss_and_gradient(model, Matrix<double>(ratings), observed_mask(ratings), 0.25);
    CAPTURE(activation);
    CHECK(sparse_loss == doctest::Approx(dense_loss).epsilon(1e-12));
    CHECK(relative_error(sparse_gradient, pass.gradient()) < 1e-12);
  }
}

TEST_CASE("Prediction ignores dropout and equals the full reconstruction at the requested entries") {
  const Network<double> model = network({5, 3}, "elu", "sigmoid", 0.5, 0.5);
  const SparseColumns<double> input = random_ratings<double>(8, 6, 0.4, 5);
  const SparseColumns<double> pattern = random_ratings<double>(8, 6, 0.3, 6);
  Matrix<double> full, again;
  Vector<double> at;
  model.predict(input, full);
  model.predict(input, again);
  model.predict_at(input, pattern, at);
  CHECK(full == again);
  for (Index j = 0; j < pattern.outerSize(); ++j)
    for (int p = pattern.outerIndexPtr()[j]; p < pattern.outerIndexPtr()[j + 1]; ++p)
      CHECK(at[p] == doctest::Approx(full(pattern.innerIndexPtr()[p], j)).epsilon(1e-12));
}

TEST_CASE("Only weights are regularised, in every layer of a deep network") {
  Network<double> model = network({5, 3}, "tanh");
  const SparseBatch<double> batch(random_ratings<double>(8, 6, 0.3, 4));
  model.set_lambda(0);
  TrainingPass pass(model);
  const double plain = pass.loss_and_gradient(model, batch);
  const Vector<double> plain_gradient = pass.gradient();
  model.set_lambda(3);
  const double regularised = pass.loss_and_gradient(model, batch, 0.5);
  double norms = 0;
  for (const auto& group : model.parameter_groups()) {
    const auto p = model.parameters().segment(group.offset, group.size);
    const auto delta = (pass.gradient() - plain_gradient).segment(group.offset, group.size);
    if (group.decays) {
      norms += p.squaredNorm();
      CHECK(relative_error(delta, 1.5 * p) < 1e-12);
    } else {
      CHECK(delta.norm() == 0.0);
    }
  }
  CHECK(regularised == doctest::Approx(plain + 0.75 * norms).epsilon(1e-12));
}

TEST_CASE("A copied deep network owns its parameters and its layers") {
  Network<double> model = network({5, 3}, "elu", "identity", 0.2);
  const SparseBatch<double> batch(random_ratings<double>(8, 6, 0.3, 6));
  TrainingPass pass(model);
  pass.set_noise_step(0);
  const double before = pass.loss_and_gradient(model, batch);
  Network<double> copy = model;
  copy.parameters().setZero();
  pass.set_noise_step(0);
  CHECK(pass.loss_and_gradient(model, batch) == before);
  Network<double> moved = std::move(copy);
  TrainingPass moved_pass(moved);
  moved_pass.set_noise_step(0);
  CHECK(moved_pass.loss_and_gradient(moved, batch) != before);
  moved = model;
  moved_pass.set_noise_step(0);
  CHECK(moved_pass.loss_and_gradient(moved, batch) == before);
}

TEST_CASE("A network rejects a mismatched architecture with a message") {
  Architecture architecture = Architecture::stack(8, 4, "sigmoid");
  architecture.stages.push_back({"mish", 0, 0});
  CHECK_THROWS_WITH_AS(Network<double>(architecture, {}), doctest::Contains("unknown layer kind 'mish'"),
                       std::invalid_argument);
  Network<double>::Options options;
  options.inputs = 8;
  options.hidden = 4;
  options.dropout = 1.0;
  CHECK_THROWS_WITH_AS(Network<double>{options}, doctest::Contains("dropout: the rate must lie in [0, 1)"),
                       std::invalid_argument);
  options.dropout = 0;
  options.hidden = HiddenSizes(std::vector<Index>{});
  CHECK_THROWS_AS(Network<double>{options}, std::invalid_argument);
}

namespace {
// A host's own layer: y = 2 x, registered under its own kind, used from an Architecture.
template <typename Scalar>
class Doubling final : public Layer<Scalar> {
 public:
  explicit Doubling(Index width) : width_(width) {}
  LayerSpec spec() const override { return {"doubling", 0, 0}; }
  Index inputs() const override { return width_; }
  Index outputs() const override { return width_; }
  void forward(const Scalar*, const Matrix<Scalar>& x, Matrix<Scalar>& y) const override { y = 2 * x; }
  void backward(const Scalar*, const Matrix<Scalar>&, const Matrix<Scalar>&, const Matrix<Scalar>& dy,
                Matrix<Scalar>& dx) const override {
    dx = 2 * dy;
  }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Doubling>(*this); }

 private:
  Index width_;
};
struct MakeDoubling {
  template <typename Scalar>
  static std::unique_ptr<Layer<Scalar>> make(const LayerSpec&, Index inputs) {
    return std::make_unique<Doubling<Scalar>>(inputs);
  }
};
const bool doubling_registered = register_layer<MakeDoubling>("doubling");
}  // namespace

TEST_CASE("A host's own registered layer composes into a network and its gradient checks") {
  REQUIRE(doubling_registered);
  Architecture architecture = Architecture::stack(8, {4, 3}, "tanh");
  architecture.stages.insert(architecture.stages.begin() + 1, {"doubling", 0, 0});
  Network<double>::Options options;
  options.weight_scale = 0.3;
  options.lambda = 0.5;
  Network<double> model(architecture, options);
  CHECK(model.architecture().describe() == "8-4-3-8, tanh, doubling, output identity");
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("An ensemble predicts the mean of its members' predictions") {
  Network<double>::Options options;
  options.inputs = 8;
  options.hidden = 4;
  options.weight_scale = 0.3;
  options.seed = 1;
  const Network<double> a(options);
  options.seed = 2;
  const Network<double> b(options);
  const Ensemble<double> ensemble({a, b});
  const SparseColumns<double> input = random_ratings<double>(8, 6, 0.4, 5);
  const SparseColumns<double> pattern = random_ratings<double>(8, 6, 0.3, 6);
  Vector<double> mean, from_a, from_b;
  ensemble.predict_at(input, pattern, mean);
  a.predict_at(input, pattern, from_a);
  b.predict_at(input, pattern, from_b);
  CHECK(relative_error(mean, (from_a + from_b) / 2) < 1e-15);
  Matrix<double> full, full_a, full_b;
  ensemble.predict(input, full);
  a.predict(input, full_a);
  b.predict(input, full_b);
  CHECK(relative_error(full, (full_a + full_b) / 2) < 1e-15);
  options.inputs = 9;
  CHECK_THROWS_AS(Ensemble<double>({a, Network<double>(options)}), std::invalid_argument);
}

TEST_CASE("A prediction copy predicts as the trained network, without its bf16 training option") {
  Network<float>::Options options;
  options.inputs = 8;
  options.hidden = 4;
  options.dropout = 0.2;
  options.bf16_weights = true;
  Network<float> trained(options);
  const SparseColumns<float> input = random_ratings<float>(8, 6, 0.4, 5);
  TrainingPass trained_pass(trained);
  CHECK(trained_pass.gradient().size() == 0);  // allocated by the first step
  trained_pass.loss_and_gradient(trained, SparseBatch<float>(input));
  REQUIRE(trained_pass.gradient().size() == trained.parameters().size());
  const Network<float> copy = trained.prediction_copy();
  CHECK_FALSE(copy.options().bf16_weights);
  CHECK(copy.parameters() == trained.parameters());
  CHECK(copy.architecture().describe() == trained.architecture().describe());
  Matrix<float> expected, got;
  trained.predict(input, expected);
  copy.predict(input, got);
  CHECK(got == expected);
}

TEST_CASE("A training pass refuses a network of another layout than the one it was made for") {
  Network<double> model = network({5, 3}, "tanh");
  Network<double> other = network({5, 4}, "tanh");
  TrainingPass pass(model);
  const SparseBatch<double> batch(random_ratings<double>(8, 6, 0.3, 4));
  CHECK_THROWS_WITH_AS(pass.loss_and_gradient(other, batch), doctest::Contains("made for a network of"),
                       std::invalid_argument);
}

TEST_CASE("A network given its parameters holds them, and refuses a vector of another size") {
  Network<float>::Options options;
  options.inputs = 8;
  options.hidden = 4;
  const Network<float> drawn(options);
  const Network<float> given(drawn.architecture(), options, drawn.parameters());
  CHECK(given.parameters() == drawn.parameters());
  CHECK_THROWS_WITH_AS(Network<float>(drawn.architecture(), options, Vector<float>::Zero(3)),
                       "Network: 3 parameters given, the architecture (8-4-8, sigmoid, output identity) has 76",
                       std::invalid_argument);
}

TEST_CASE("parameter_count gives a network's size from its architecture without building it") {
  for (HiddenSizes hidden : {HiddenSizes(7), HiddenSizes{6, 3, 5}}) {
    Network<float>::Options options;
    options.inputs = 9;
    options.hidden = hidden;
    options.dropout = 0.1;
    const Network<float> network(options);
    CHECK(Network<float>::parameter_count(network.architecture()) == network.parameters().size());
  }
  CHECK_THROWS_AS(Network<float>::parameter_count(Architecture::stack(610, Index(1) << 62, "sigmoid")),
                  std::invalid_argument);
}

TEST_CASE("With bf16 weights a pass computes the network whose V and W are rounded to bfloat16") {
  Network<float>::Options options;
  options.inputs = 70;  // vectors of 70 and 40: whole and partial register blocks
  options.hidden = {40, 24, 40};
  options.lambda = 0;   // the regulariser reads the float weights, the products the rounded ones
  options.weight_scale = 0.3f;
  const SparseBatch<float> batch(random_ratings<float>(70, 30, 0.3, 4));
  options.bf16_weights = true;
  Network<float> fast(options);
  options.bf16_weights = false;
  Network<float> rounded(options);
  const Vector<float> parameters = fast.parameters();
  // The rounded network: V (the input layer's weights) and W (the output layer's) in bfloat16.
  const Index v = 40 * 70, w_at = rounded.layer_offsets().back();
  for (Index i = 0; i < v; ++i) rounded.parameters()[i] = float(Bf16(rounded.parameters()[i]));
  for (Index i = w_at; i < w_at + 70 * 40; ++i) rounded.parameters()[i] = float(Bf16(rounded.parameters()[i]));
  REQUIRE(rounded.parameters() != parameters);

  TrainingPass fast_pass(fast);
  const float loss = fast_pass.loss_and_gradient(fast, batch);
  TrainingPass rounded_pass(rounded);
  CHECK(loss == doctest::Approx(rounded_pass.loss_and_gradient(rounded, batch)).epsilon(1e-5));
  CHECK((fast_pass.gradient() - rounded_pass.gradient()).norm() <= 1e-5f * rounded_pass.gradient().norm());
  CHECK(fast.parameters() == parameters);  // the pass rounds copies, never the parameters
}
