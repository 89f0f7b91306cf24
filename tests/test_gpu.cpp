// The GPU path against the CPU path. Built with -DAUTOREC_CUDA=ON; the cases that need a
// device skip with a message when there is none.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "autorec/check/gradient_check.hpp"
#include "autorec/data/generate.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/recommend.hpp"
#include "autorec/gpu/train.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {
bool skip_without_device() {
  std::string reason;
  if (gpu::device_available(&reason)) return false;
  MESSAGE("skipped: no CUDA device (" << reason << ")");
  return true;
}

AutoRec<float> model_for(Index inputs, Index hidden, float lambda) {
  AutoRec<float>::Options options;
  options.inputs = inputs;
  options.hidden = hidden;
  options.lambda = lambda;
  options.weight_scale = 0.1f;
  options.bias_scale = 0.1f;
  return AutoRec<float>(options);
}

SparseColumns<float> ml1m_shaped_input(std::uint64_t seed) {
  const RatingShape shape = movielens_1m_shape();
  return rating_matrix<float>(generate_ratings(shape, seed), shape.users, shape.items, Variant::item);
}

TrainOptions<float> full_batch_rprop(int epochs) {
  TrainOptions<float> options;
  options.optimizer = "rprop";
  options.epochs = epochs;
  options.patience = 0;
  return options;
}
}  // namespace

TEST_CASE("Without a usable GPU a device model cannot be made, and the error says why") {
  std::string reason;
  if (gpu::device_available(&reason)) {
    MESSAGE("a device is present: " << gpu::device_name());
    CHECK(!gpu::device_name().empty());
    return;
  }
  CHECK(!reason.empty());
  const SparseColumns<float> x = autorec::testing::random_ratings<float>(20, 10, 0.3, 1);
  const AutoRec<float> model = model_for(20, 4, 1);
  CHECK_THROWS_WITH_AS(gpu::upload(model, x), doctest::Contains("no usable CUDA device"), gpu::CudaError);
}

TEST_CASE("The GPU path takes the paper network's layout from the network and rejects other networks") {
  const AutoRec<float> paper = model_for(20, 4, 1);
  const gpu::DeviceLayout layout = gpu::layout_of(paper);
  CHECK(layout.V == 0);
  CHECK(layout.mu == 80);
  CHECK(layout.W == 84);
  CHECK(layout.b == 164);
  CHECK(layout.count == paper.parameters().size());
  AutoRec<float>::Options options;
  options.inputs = 20;
  options.hidden = {8, 4, 8};
  CHECK_THROWS_WITH_AS(gpu::layout_of(AutoRec<float>(options)),
                       doctest::Contains("this network is 20-8-4-8-20, sigmoid, output identity: train it on the CPU"),
                       std::invalid_argument);
  options.hidden = 4;
  options.dropout = 0.5;
  CHECK_THROWS_AS(gpu::layout_of(AutoRec<float>(options)), std::invalid_argument);
  options.dropout = 0;
  options.kernel_dims = 5;  // the paper's shape, kernelised
  CHECK_THROWS_WITH_AS(gpu::layout_of(AutoRec<float>(options)), doctest::Contains("local kernel 5/5"),
                       std::invalid_argument);
}

TEST_CASE("One GPU training step equals the CPU step within 1e-4") {
  if (skip_without_device()) return;
  const SparseColumns<float> x = autorec::testing::random_ratings<float>(300, 200, 0.05, 2);
  AutoRec<float> cpu = model_for(300, 64, 2);
  gpu::DeviceModel device = gpu::upload(cpu, x);
  TrainingPass cpu_pass(cpu);

  const float cpu_loss = cpu_pass.loss_and_gradient(cpu, SparseBatch<float>(x));
  const float gpu_loss = device.loss_and_gradient();
  CHECK(gpu_loss == doctest::Approx(cpu_loss).epsilon(1e-4));
  Vector<float> gradient(cpu.parameters().size());
  device.download_gradient(gradient.data());
  CHECK(relative_error(gradient, cpu_pass.gradient()) < 1e-4);

  Adam<float> adam(cpu.parameter_groups(), cpu.parameters().size(), {});
  adam.step(cpu.parameters(), cpu_pass.gradient());
  device.adam_step({});
  Vector<float> parameters(cpu.parameters().size());
  device.download_parameters(parameters.data());
  CHECK(relative_error(parameters, cpu.parameters()) < 1e-4);

  cpu_pass.loss_and_gradient(cpu, SparseBatch<float>(x));
  device.loss_and_gradient();
  RProp<float> rprop(cpu.parameters().size(), {});
  rprop.step(cpu.parameters(), cpu_pass.gradient());
  device.rprop_step({});
  device.download_parameters(parameters.data());
  CHECK(relative_error(parameters, cpu.parameters()) < 1e-4);
}

TEST_CASE("A short GPU training on ML-1M-shaped data matches the CPU test RMSE within 0.002") {
  if (skip_without_device()) return;
  const RatingShape shape = movielens_1m_shape();
  const RatingSplit split = split_ratings(generate_ratings(shape, 5), 0.1, 1);
  const SparseColumns<float> input = rating_matrix<float>(split.train, shape.users, shape.items, Variant::item);
  const PredictionRules rules = rules_from(split.train, 3);
  const TrainOptions<float> options = full_batch_rprop(20);
  AutoRec<float> on_cpu = model_for(input.rows(), 500, 200), on_gpu = on_cpu;
  train(on_cpu, input, {}, Variant::item, rules, options);
  gpu::train(on_gpu, input, {}, Variant::item, rules, options);
  const double cpu_rmse = evaluate(on_cpu, input, split.test, Variant::item, rules).rmse;
  const double gpu_rmse = evaluate(on_gpu, input, split.test, Variant::item, rules).rmse;
  MESSAGE("test RMSE: CPU " << cpu_rmse << ", GPU-trained " << gpu_rmse);
  CHECK(std::abs(cpu_rmse - gpu_rmse) < 0.002);
}

TEST_CASE("GPU training follows RProp's shrinking cap as the CPU does") {
  if (skip_without_device()) return;
  const SparseColumns<float> input = ml1m_shaped_input(9);
  TrainOptions<float> options = full_batch_rprop(6);
  options.rprop.first_max_step = 0.05f;  // 0.05 shrinking to 0.01 over 4 epochs
  options.rprop.max_step_steps = 4;
  options.rprop.initial_step = 0.04f;
  AutoRec<float> on_cpu = model_for(input.rows(), 500, 200), on_gpu = on_cpu;
  train(on_cpu, input, {}, Variant::item, {}, options);
  gpu::train(on_gpu, input, {}, Variant::item, {}, options);
  // Sign steps: a parameter whose gradient is near zero may step the other way on the
  // device, so compare the share of parameters that agree, not every one.
  const Vector<float> difference = (on_cpu.parameters() - on_gpu.parameters()).cwiseAbs();
  const double agreeing = double((difference.array() <= 1e-4f).count()) / double(difference.size());
  MESSAGE("parameters within 1e-4 of the CPU's: " << agreeing);
  CHECK(agreeing > 0.99);
}

TEST_CASE("GPU training from the same model and data gives bit-identical parameters") {
  if (skip_without_device()) return;
  const SparseColumns<float> input = ml1m_shaped_input(7);
  const TrainOptions<float> options = full_batch_rprop(5);
  AutoRec<float> first = model_for(input.rows(), 500, 200), second = first;
  gpu::train(first, input, {}, Variant::item, {}, options);
  gpu::train(second, input, {}, Variant::item, {}, options);
  CHECK((first.parameters() - second.parameters()).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("GPU predictions and top-N equal the CPU ones") {
  if (skip_without_device()) return;
  const SparseColumns<float> x = autorec::testing::random_ratings<float>(50, 40, 0.2, 3);
  const AutoRec<float> model = model_for(50, 16, 1);
  const gpu::DeviceModel device = gpu::upload(model, x);
  std::vector<Rating> pairs;
  for (int u = 0; u < 50; u += 7)
    for (int i = 0; i < 40; i += 5) pairs.push_back({u, i, 0});
  const PredictionRules rules{-100, 100, 3};
  const std::vector<float> on_gpu = gpu::predict_ratings(device, x, pairs, Variant::item, rules);
  const std::vector<float> on_cpu = predict_ratings(model, x, pairs, Variant::item, rules);
  for (std::size_t i = 0; i < pairs.size(); ++i) CHECK(on_gpu[i] == doctest::Approx(on_cpu[i]).epsilon(1e-4));

  const std::vector<Recommendation> cpu_top = recommend(model, x, Variant::item, rules, 3, 5);
  std::vector<char> skip(40, 0);
  const SparseColumns<float> by_user = x.transpose();
  for (SparseColumns<float>::InnerIterator it(by_user, 3); it; ++it) skip[std::size_t(it.row())] = 1;
  const Coverage coverage(x);
  for (std::size_t i = 0; i < skip.size(); ++i) skip[i] |= !coverage.col[i];
  const std::vector<gpu::Scored> gpu_top = device.top_in_row(3, 5, skip);
  REQUIRE(gpu_top.size() == cpu_top.size());
  for (std::size_t r = 0; r < gpu_top.size(); ++r) {
    CHECK(gpu_top[r].index == cpu_top[r].item);
    CHECK(gpu_top[r].value == doctest::Approx(cpu_top[r].rating).epsilon(1e-4));
  }
}
