// Throughput of autorec's kernels at AutoRec sizes (Google Benchmark).
//   bench_kernels [--benchmark_filter=REGEX]
// Counters: GFLOP/s; for the dense layer also `of_gemm`, its rate as a fraction of a plain
// Eigen GEMM of the same shapes measured in the same process; nnz/s for the sparse kernels;
// GB/s, the bytes each kernel must move by its cost model (below) per second, and the
// STREAM triad's measured bandwidth, for the roofline (bench/roofline.py).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "autorec/autorec.hpp"
#include "autorec/data/generate.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"

using namespace autorec;

namespace {

constexpr Index kHidden = 500;

Matrix<float> random_matrix(Index rows, Index cols, std::uint64_t seed) {
  Random random(seed);
  Matrix<float> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = float(random.normal());
  return m;
}

// Seconds per plain Eigen evaluation of the three products of a dense layer's forward and
// backward pass (W X, W^T dY, dY X^T), best of a few runs: the yardstick for the layer.
double plain_gemm_seconds(Index in, Index out, Index batch) {
  static std::map<std::tuple<Index, Index, Index>, double> cache;
  const auto key = std::make_tuple(in, out, batch);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const Matrix<float> W = random_matrix(out, in, 1), X = random_matrix(in, batch, 2), dY = random_matrix(out, batch, 3);
  Matrix<float> Y(out, batch), dX(in, batch), dW(out, in);
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    const auto start = std::chrono::steady_clock::now();
    Y.noalias() = W * X;
    dX.noalias() = W.transpose() * dY;
    dW.noalias() = dY * X.transpose();
    benchmark::DoNotOptimize(Y.data());
    benchmark::DoNotOptimize(dX.data());
    benchmark::DoNotOptimize(dW.data());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return cache[key] = best;
}

// Dense layer forward + backward, in -> 500, dense batch: 6 in out batch flops.
void BM_DenseForwardBackward(benchmark::State& state) {
  const Index in = state.range(0), batch = state.range(1);
  Dense<float> layer(in, kHidden);
  Vector<float> parameters = Eigen::Map<Vector<float>>(random_matrix(layer.parameter_count(), 1, 4).data(), layer.parameter_count());
  Vector<float> gradients = Vector<float>::Zero(parameters.size());
  const Matrix<float> X = random_matrix(in, batch, 5), dY = random_matrix(kHidden, batch, 6);
  Matrix<float> Y, dX;
  auto pass = [&] {
    layer.forward(parameters.data(), X, Y);
    layer.backward(parameters.data(), X, Y, dY, dX);
    layer.accumulate_gradient(gradients.data(), X, dY);
  };
  pass();  // warm up: allocate and touch the outputs outside the timed loop, as
           // plain_gemm_seconds does with its best of three
  for (auto _ : state) {
    pass();
    benchmark::DoNotOptimize(dX.data());
  }
  const double flops = 6.0 * double(in) * double(kHidden) * double(batch);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  // each of the three products reads its two operands and writes its result once
  const double bytes = 3 * 4.0 * (double(in) * kHidden + double(in) * batch + double(kHidden) * batch);
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  const double gemm_rate = flops / plain_gemm_seconds(in, kHidden, batch);
  state.counters["gemm_GFLOP/s"] = gemm_rate * 1e-9;
  state.counters["of_gemm"] = benchmark::Counter(flops / gemm_rate, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DenseForwardBackward)
    ->Args({6040, 256})->Args({6040, 3706})->Args({69878, 256})->Args({69878, 10677})
    ->ArgNames({"in", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime();

// ML-1M-shaped I-AutoRec input (6,040 users x 3,706 items, 1,000,209 ratings), generated.
const SparseBatch<float>& ml1m_batch() {
  static const SparseBatch<float> batch = [] {
    const RatingShape shape = movielens_1m_shape();
    return SparseBatch<float>(rating_matrix<float>(generate_ratings(shape, 1), shape.users, shape.items, Variant::item));
  }();
  return batch;
}

AutoRec<float> ml1m_model() {
  AutoRec<float>::Options options;
  options.inputs = ml1m_batch().rows();
  options.hidden = kHidden;
  options.lambda = 1;
  return AutoRec<float>(options);
}

// A sparse product's cost model: per nonzero, 2 k flops, and one k-vector of floats read
// from a scattered address plus its index and value (4 k + 8 bytes). `vectors` is the number
// of k-vectors a nonzero reads across the kernel's `products` (the decoder's fused sweep
// reads W's row once for two products).
void set_sparse_counters(benchmark::State& state, double nnz, double products, double vectors) {
  state.counters["nnz/s"] = benchmark::Counter(nnz, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(products * 2 * nnz * kHidden * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(vectors * nnz * (4.0 * kHidden + 8) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// Encoder Z = V X + mu 1^T with sparse X: 2 nnz k flops.
void BM_SparseEncoderForward(benchmark::State& state) {
  const AutoRec<float> model = ml1m_model();
  Matrix<float> Z;
  for (auto _ : state) {
    model.input_layer().forward(model.parameters().data(), ml1m_batch().by_column, Z);
    benchmark::DoNotOptimize(Z.data());
  }
  set_sparse_counters(state, double(ml1m_batch().nonZeros()), 1, 1);
}
BENCHMARK(BM_SparseEncoderForward)->Unit(benchmark::kMillisecond)->UseRealTime();

// Encoder gradient dV += dZ X^T with sparse X (by rows): 2 nnz k flops.
void BM_SparseEncoderGradient(benchmark::State& state) {
  SparseInputDense<float> encoder(ml1m_batch().rows(), kHidden);
  Vector<float> gradients = Vector<float>::Zero(encoder.parameter_count());
  const Matrix<float> dZ = random_matrix(kHidden, ml1m_batch().cols(), 7);
  for (auto _ : state) {
    encoder.accumulate_gradient(gradients.data(), ml1m_batch().by_row, dZ);
    benchmark::DoNotOptimize(gradients.data());
  }
  set_sparse_counters(state, double(ml1m_batch().nonZeros()), 1, 1);
}
BENCHMARK(BM_SparseEncoderGradient)->Unit(benchmark::kMillisecond)->UseRealTime();

// Decoder at observed entries + squared error + backward (dH, dW, db): 6 nnz k flops.
void BM_ObservedDecoderLossBackward(benchmark::State& state) {
  ObservedOutputDense<float> decoder(kHidden, ml1m_batch().rows());
  Vector<float> parameters = 0.01f * Eigen::Map<Vector<float>>(random_matrix(decoder.parameter_count(), 1, 8).data(), decoder.parameter_count());
  Vector<float> gradients = Vector<float>::Zero(parameters.size());
  const Matrix<float> H = random_matrix(kHidden, ml1m_batch().cols(), 9).array().logistic();
  const float* rating = ml1m_batch().by_column.valuePtr();
  Vector<float> dO;
  Matrix<float> dH;
  for (auto _ : state) {
    decoder.forward_backward_at(
        parameters.data(), H, ml1m_batch().by_column,
        [rating](Index, int begin, int end, float* o) {
          for (int p = begin; p < end; ++p) o[p] = 2 * (o[p] - rating[p]);  // the squared error's dL/dO
        },
        dO, dH);
    decoder.accumulate_gradient_at(gradients.data(), H, ml1m_batch(), dO);
    benchmark::DoNotOptimize(dH.data());
  }
  set_sparse_counters(state, double(ml1m_batch().nonZeros()), 3, 2);
}
BENCHMARK(BM_ObservedDecoderLossBackward)->Unit(benchmark::kMillisecond)->UseRealTime();

// One full-batch objective and gradient on ML-1M-shaped data: 5 products of 2 nnz k flops.
void BM_LossAndGradientML1MShape(benchmark::State& state) {
  AutoRec<float> model = ml1m_model();
  TrainingPass<float> pass(model);
  for (auto _ : state) benchmark::DoNotOptimize(pass.loss_and_gradient(model, ml1m_batch()));
  set_sparse_counters(state, double(ml1m_batch().nonZeros()), 5, 4);
}
BENCHMARK(BM_LossAndGradientML1MShape)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same on the real ML-1M ratings when present (AUTOREC_ML1M or ../shared/data).
void BM_LossAndGradientML1MReal(benchmark::State& state) {
  const char* env = std::getenv("AUTOREC_ML1M");
  const std::string path = env ? env : AUTOREC_SHARED_DATA_DIR "/ml-1m-uir/ratings.tsv";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("ML-1M ratings not found at " + path + " (set AUTOREC_ML1M)").c_str());
    for (auto _ : state) {}
    return;
  }
  static RatingData data;
  static SparseBatch<float> batch;
  if (data.ratings.empty()) {
    load_ratings(path, data);
    batch = SparseBatch<float>(rating_matrix<float>(data.ratings, data.users.size(), data.items.size(), Variant::item));
  }
  AutoRec<float>::Options options;
  options.inputs = batch.rows();
  options.hidden = kHidden;
  options.bf16_weights = state.range(0) != 0;
  AutoRec<float> model(options);
  TrainingPass<float> pass(model);
  for (auto _ : state) benchmark::DoNotOptimize(pass.loss_and_gradient(model, batch));
  set_sparse_counters(state, double(batch.nonZeros()), 5, 4);
}
// bf16:1 is --bf16-weights; --benchmark_enable_random_interleaving compares the two in one run.
BENCHMARK(BM_LossAndGradientML1MReal)->ArgName("bf16")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Optimizer steps over the ML-1M I-AutoRec parameter vector (2 d k + d + k = 6.05 M).
template <typename Step>
void optimizer_benchmark(benchmark::State& state, Step&& step, Vector<float>& parameters, double flops_per_parameter) {
  const Vector<float> gradient = Eigen::Map<Vector<float>>(random_matrix(parameters.size(), 1, 10).data(), parameters.size());
  for (auto _ : state) {
    step(parameters, gradient);
    benchmark::DoNotOptimize(parameters.data());
  }
  state.counters["params/s"] = benchmark::Counter(double(parameters.size()), benchmark::Counter::kIsIterationInvariantRate);
  // both read parameter, gradient and two state vectors and write three: 28 bytes a parameter
  state.counters["GB/s"] = benchmark::Counter(28e-9 * double(parameters.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_parameter * 1e-9 * double(parameters.size()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
void BM_AdamStep(benchmark::State& state) {
  AutoRec<float> model = ml1m_model();
  Adam<float> adam(model.parameter_groups(), model.parameters().size(), {});
  optimizer_benchmark(state, [&](auto& p, const auto& g) { adam.step(p, g); }, model.parameters(), 12);
}
BENCHMARK(BM_AdamStep)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_RPropStep(benchmark::State& state) {
  AutoRec<float> model = ml1m_model();
  RProp<float> rprop(model.parameters().size(), {});
  optimizer_benchmark(state, [&](auto& p, const auto& g) { rprop.step(p, g); }, model.parameters(), 4);
}
BENCHMARK(BM_RPropStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// The sparse products' kernel alone at the ML-1M pass's shape (900,000 entries into 3,706
// outputs of k = 500) with its source vectors drawn from range(0) of them, so that they lie
// in L1 (8: 16 KiB), L2 (256: 500 KiB) or L3 (6,040: 11.8 MiB, ML-1M's V), as float or
// (range(1) = 1) bfloat16: what the memory level alone costs a product. 2 nnz k flops.
void BM_GatherAxpySources(benchmark::State& state) {
  const Index sources = state.range(0), outputs = 3706, per_output = 243;
  const bool bf16 = state.range(1) != 0;
  const Matrix<float> source = random_matrix(kHidden, sources, 11);
  std::vector<Bf16> source_bf16(std::size_t(source.size()));
  to_bf16(source.data(), source.size(), source_bf16.data());
  Random random(12);
  std::vector<int> index(std::size_t(outputs * per_output));
  for (auto& i : index) i = int(random.below(std::uint64_t(sources)));
  for (Index j = 0; j < outputs; ++j)  // sorted within each output, as a pass's entries are
    std::sort(index.begin() + j * per_output, index.begin() + (j + 1) * per_output);
  Matrix<float> out(kHidden, outputs);
  const auto index_of = [&index](int p) { return index[std::size_t(p)]; };
  const auto value_of = [](int p) { return 1.0f / float(p % 7 + 1); };
  for (auto _ : state) {
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < outputs; ++j) {
      const int begin = int(j * per_output), end = int((j + 1) * per_output);
      if (bf16)
        gather_axpy(out.col(j).data(), static_cast<const float*>(nullptr), source_bf16.data(), kHidden, kHidden, begin,
                    end, index_of, value_of);
      else
        gather_axpy(out.col(j).data(), static_cast<const float*>(nullptr), source.data(), kHidden, kHidden, begin, end,
                    index_of, value_of);
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_sparse_counters(state, double(index.size()), 1, bf16 ? 0.5 : 1);  // bfloat16: half the bytes
}
BENCHMARK(BM_GatherAxpySources)
    ->ArgNames({"sources", "bf16"})
    ->ArgsProduct({{8, 256, 6040}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// STREAM's triad a = b + s c over three float arrays of MiB/3 each (range(0) = MiB in all):
// 12 bytes and 2 flops an element. 6 MiB stays in the 32 MiB L3, 768 MiB comes from memory.
void BM_StreamTriad(benchmark::State& state) {
  const Index n = state.range(0) * (Index(1) << 20) / 12;
  Vector<float> a = Vector<float>::Zero(n), b = Vector<float>::Constant(n, 1), c = Vector<float>::Constant(n, 2);
  float* pa = a.data();
  const float* pb = b.data();
  const float* pc = c.data();
  const float scalar = 3;
  for (auto _ : state) {
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index i = 0; i < n; ++i) pa[i] = pb[i] + scalar * pc[i];
    benchmark::DoNotOptimize(pa);
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(12e-9 * double(n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * double(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StreamTriad)->Arg(6)->Arg(24)->Arg(768)->ArgName("MiB")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
