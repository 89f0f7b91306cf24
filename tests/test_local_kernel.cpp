// The local kernel (layers/local_kernel.hpp) in each role: its K, its gradients against
// finite differences with part of K clipped at 0, and its networks' predictions and files.
#include <doctest/doctest.h>

#include <cmath>

#include "autorec/check/gradient_check.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/model/network.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"
#include "temp_file.hpp"

using namespace autorec;
using testing::random_ratings;

namespace {
// A network over 8 inputs, hidden 4-3, whose kernelised layers are chosen by the three flags;
// embeddings drawn wide (scale 0.6) so that part of each K is clipped at 0.
Network<double> kernelised(bool input, bool hidden, bool output) {
  Architecture a = Architecture::stack(8, {4, 3}, "sigmoid");
  a.input_kernel_dims = input ? 2 : 0;
  a.output_kernel_dims = output ? 3 : 0;
  for (LayerSpec& stage : a.stages)
    if (stage.kind == "dense") stage.dims = hidden ? 2 : 0;
  Network<double>::Options options;
  options.lambda = 0.7;
  options.kernel_lambda = 0.3;
  options.kernel_scale = 0.6;
  options.weight_scale = 0.5;
  options.seed = 11;
  return Network<double>(a, options);
}

// The share of K's entries clipped at 0 over every kernelised layer, at the last pass.
double clipped_share(Network<double>& model) {
  const SparseBatch<double> batch(random_ratings<double>(8, 5, 0.4, 2));
  TrainingPass pass(model);
  pass.loss_and_gradient(model, batch);
  Vector<double> effective;
  double zeros = 0, entries = 0;
  for (const LocalKernel<double>& kernel : model.kernels()) {
    Vector<double> K;
    effective = model.parameters();
    kernel.form(model.parameters().data(), K, effective.data());
    zeros += double((K.array() == 0).count());
    entries += double(K.size());
  }
  return zeros / entries;
}

double gradient_error(Network<double>& model) {
  const SparseBatch<double> batch(random_ratings<double>(8, 5, 0.4, 2));
  TrainingPass pass(model);
  pass.loss_and_gradient(model, batch, 0.5);
  const Vector<double> analytic = pass.gradient();
  const Vector<double> numeric =
      numerical_gradient<double>([&] { return pass.loss_and_gradient(model, batch, 0.5); }, model.parameters());
  return relative_error(analytic, numeric);
}
}  // namespace

TEST_CASE("The local kernel is max(0, 1 - |c_o - a_i|^2) and the layer acts with W .* K") {
  const KernelSite site{0, 2, 3, false, 6, 1};  // W 2 x 3 column-major, then A (1 x 3), C (1 x 2)
  Vector<double> theta(11);
  theta << 1, 2, 3, 4, 5, 6, 0, 0.5, 2, 0, 0.9;
  //        W (col-major)    a = 0, 0.5, 2    c = 0, 0.9
  Vector<double> K, effective = theta;
  LocalKernel<double>{site}.form(theta.data(), K, effective.data());
  const double expected[6] = {1, 1 - 0.81, 1 - 0.25, 1 - 0.16, 0, 0};  // (o, i) in column order
  for (int p = 0; p < 6; ++p) {
    CHECK(K[p] == doctest::Approx(expected[p]).epsilon(1e-12));
    CHECK(effective[p] == doctest::Approx(theta[p] * expected[p]).epsilon(1e-12));
  }
  CHECK(effective.tail(5) == theta.tail(5));  // the embeddings are not weights
}

TEST_CASE("A kernelised sparse-input layer's gradients match finite differences with part of K clipped") {
  Network<double> model = kernelised(true, false, false);
  const double share = clipped_share(model);
  CHECK(share > 0.05);
  CHECK(share < 0.95);
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("A kernelised hidden Dense's gradients match finite differences with part of K clipped") {
  Network<double> model = kernelised(false, true, false);
  const double share = clipped_share(model);
  CHECK(share > 0.05);
  CHECK(share < 0.95);
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("A kernelised observed-output layer's gradients match finite differences with part of K clipped") {
  Network<double> model = kernelised(false, false, true);
  const double share = clipped_share(model);
  CHECK(share > 0.05);
  CHECK(share < 0.95);
  CHECK(gradient_error(model) < 1e-6);
}

TEST_CASE("A network kernelised in every layer matches finite differences, the dense path too") {
  Network<double> model = kernelised(true, true, true);
  CHECK(gradient_error(model) < 1e-6);
  const SparseColumns<double> ratings = random_ratings<double>(8, 5, 0.4, 2);
  Network<double> dense = model;
  TrainingPass pass(model);
  const double sparse_loss = pass.loss_and_gradient(model, SparseBatch<double>(ratings));
  const Matrix<double> values = Matrix<double>(ratings);
  TrainingPass dense_pass(dense);
  const double dense_loss = dense_pass.loss_and_gradient(dense, values, testing::observed_mask(ratings));
  CHECK(dense_loss == doctest::Approx(sparse_loss).epsilon(1e-12));
  CHECK(relative_error(dense_pass.gradient(), pass.gradient()) < 1e-12);
}

TEST_CASE("Each kernelised layer adds lambda_s / 2 |K|^2 to the objective") {
  Network<double> model = kernelised(true, true, true);
  const SparseBatch<double> batch(random_ratings<double>(8, 5, 0.4, 2));
  TrainingPass pass(model);
  const double with = pass.loss_and_gradient(model, batch);
  double penalty = 0;
  for (const LocalKernel<double>& kernel : model.kernels()) {
    Vector<double> K, effective = model.parameters();
    kernel.form(model.parameters().data(), K, effective.data());
    penalty += 0.3 / 2 * K.squaredNorm();
  }
  model.set_kernel_lambda(0);
  CHECK(with - pass.loss_and_gradient(model, batch) == doctest::Approx(penalty).epsilon(1e-10));
}

TEST_CASE("A kernelised network predicts with W .* K formed anew after its parameters change") {
  Network<double> model = kernelised(true, true, true);
  const SparseColumns<double> ratings = random_ratings<double>(8, 5, 0.4, 2);
  Matrix<double> before, after;
  model.predict(ratings, before);
  model.parameters() *= 1.5;
  model.predict(ratings, after);
  const Network<double> rebuilt(model.architecture(), model.options(), model.parameters());
  Matrix<double> expected;
  rebuilt.predict(ratings, expected);
  CHECK(after == expected);
  CHECK((after - before).norm() > 1e-3);
  // the layers see W .* K: a network of the same shape without kernels, given the effective
  // weights, does not predict the same
  CHECK(model.architecture().describe() == "8-4-3-8, sigmoid, output identity, local kernel 2/2/3");
}

TEST_CASE("A kernelised network starts with K near 1: its embeddings start at 1e-3") {
  Network<float>::Options options;
  options.inputs = 30;
  options.hidden = 6;
  options.kernel_dims = 5;
  const Network<float> model(options);
  REQUIRE(model.kernels().size() == 2);
  Vector<float> K, effective = model.parameters();
  model.kernels()[0].form(model.parameters().data(), K, effective.data());
  CHECK(K.minCoeff() > 0.9999f);
  CHECK(K.maxCoeff() <= 1.0f);
}

TEST_CASE("A kernelised layout keeps the input units' embeddings per input and the hidden units' replicated") {
  // What the sharded trainer splits: d = 20 inputs, k = 6 hidden units, 5-dimensional embeddings.
  const Architecture a = Architecture::stack(20, 6, "sigmoid", "identity", 0, 0, 5);
  using Run = Network<float>::InputRun;
  const std::vector<Run> runs = Network<float>::input_runs(a);
  const std::vector<Run> expected{
      {0, 120, 6, false},   // V, one column of 6 per input
      {120, 6, 0, false},   // mu
      {126, 100, 5, false}, // the input units' embeddings
      {226, 30, 0, true},   // the hidden units' (input layer), summed over the inputs
      {256, 120, 6, false}, // W, one row of 6 per output
      {376, 20, 1, false},  // b
      {396, 30, 0, true},   // the hidden units' (output layer)
      {426, 100, 5, false}, // the output units' embeddings
  };
  REQUIRE(runs.size() == expected.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    CAPTURE(r);
    CHECK(runs[r].offset == expected[r].offset);
    CHECK(runs[r].size == expected[r].size);
    CHECK(runs[r].per_input == expected[r].per_input);
    CHECK(runs[r].summed == expected[r].summed);
  }
  CHECK(Network<float>::parameter_count(a) == 526);
  CHECK(Network<float>(a, Network<float>::Options{}).replicated_size() == 66);
}

TEST_CASE("A kernelised network saves and loads with its kernel sizes and lambda_s, and predicts the same") {
  Network<float>::Options options;
  options.inputs = 2;  // I-AutoRec over 2 users
  options.hidden = {4, 3};
  options.kernel_dims = 3;
  options.kernel_lambda = 0.25f;
  options.kernel_scale = 0.5f;
  Network<float> model(options);
  RatingData data;
  for (const char* u : {"alice", "bob"}) data.users.insert(u);
  for (const char* i : {"m1", "m2", "m3"}) data.items.insert(i);
  data.ratings = {{0, 0, 4.5f}, {0, 2, 1}, {1, 1, 3}};
  PredictionRules rules;
  testing::TempFile file;
  save_model(file.path(), saved_model(model, Variant::item, rules, data, data.ratings));
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.architecture().describe() == model.architecture().describe());
  CHECK(loaded.model.kernel_lambda() == 0.25f);
  CHECK(loaded.model.parameters() == model.parameters());
  Matrix<float> expected, got;
  model.predict(loaded.training, expected);
  loaded.model.predict(loaded.training, got);
  CHECK(got == expected);
}
