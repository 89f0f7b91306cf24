// Whole training passes (objective, gradient and optimizer step) on a real ratings file or on
// generated data with the shape of ML-1M, ML-10M or Netflix. Prints seconds per pass, GFLOP/s
// (10 nnz k flops per pass), the peak resident memory, and the memory the formula in
// docs/performance.md predicts.
//   bench_training_pass --shape netflix --passes 2
//   bench_training_pass --data ../shared/data/ml-1m-uir/ratings.tsv --passes 20
//   bench_training_pass --data ../shared/data/ml-1m-uir/ratings.tsv --passes 20 --by-popularity

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <vector>

#include "autorec/autorec.hpp"
#include "autorec/data/generate.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/io/peak_memory.hpp"
#ifdef AUTOREC_HAS_CUDA
#include "autorec/gpu/train.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The permutation that numbers the entries of `count` from the largest down.
Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> most_first(const std::vector<int>& count) {
  std::vector<int> order(count.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return count[std::size_t(a)] > count[std::size_t(b)]; });
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> rank(int(count.size()));
  for (std::size_t r = 0; r < order.size(); ++r) rank.indices()[order[r]] = int(r);
  return rank;
}

// `m` with its rows and its columns renumbered by their counts of ratings, the most rated
// first, so that the densest rows of V and W share cache blocks (reordering for locality).
autorec::SparseColumns<float> by_popularity(const autorec::SparseColumns<float>& m) {
  std::vector<int> rows(std::size_t(m.rows()), 0), columns(std::size_t(m.cols()), 0);
  for (autorec::Index j = 0; j < m.outerSize(); ++j)
    for (autorec::SparseColumns<float>::InnerIterator it(m, j); it; ++it) {
      ++rows[std::size_t(it.row())];
      ++columns[std::size_t(j)];
    }
  const autorec::SparseColumns<float> renumbered_rows = most_first(rows) * m;
  autorec::SparseColumns<float> renumbered = renumbered_rows * most_first(columns).transpose();
  renumbered.makeCompressed();
  return renumbered;
}

int run(const std::string& shape_name, const std::string& data_path, const std::string& variant_name,
        autorec::Index hidden, int passes, const std::string& optimizer, int threads, const std::string& device,
        bool bf16_weights, bool popularity_order) {
  using namespace autorec;
  set_thread_count(threads);
  const Variant variant = parse_variant(variant_name);
  auto start = Clock::now();
  SparseColumns<float> matrix;
  std::string what;
  if (!data_path.empty()) {
    if (!std::filesystem::exists(data_path)) {
      std::cout << "skipped: no ratings file at " << data_path << "\n";
      return 0;
    }
    RatingData data;
    load_ratings(data_path, data);
    matrix = rating_matrix<float>(data.ratings, data.users.size(), data.items.size(), variant);
    what = data_path;
  } else {
    const RatingShape shape = shape_name == "ml1m"    ? movielens_1m_shape()
                              : shape_name == "ml10m" ? movielens_10m_shape()
                              : shape_name == "netflix"
                                  ? netflix_shape()
                                  : throw std::invalid_argument("unknown shape " + shape_name);
    matrix = rating_matrix<float>(generate_ratings(shape, 1), shape.users, shape.items, variant);
    what = "generated " + shape_name + "-shaped data";
  }
  if (popularity_order) {
    matrix = by_popularity(matrix);
    what += ", rows and columns by popularity";
  }
  const SparseBatch<float> batch(std::move(matrix));
  const double nnz = double(batch.nonZeros());
  std::cout << what << ": " << batch.rows() << " x " << batch.cols() << " input, " << std::fixed
            << std::setprecision(0) << nnz << " ratings, ready in " << std::setprecision(1) << seconds_since(start)
            << " s; " << to_string(variant) << "-AutoRec k = " << hidden << ", " << optimizer << ", "
            << thread_count() << " threads" << std::endl;

  AutoRec<float>::Options options;
  options.inputs = batch.rows();
  options.hidden = hidden;
  options.lambda = 200;
  options.bf16_weights = bf16_weights;
  AutoRec<float> model(options);
  TrainingPass<float> pass(model);
  const Index parameters = model.parameters().size();
  std::function<void()> pass_step;
  std::optional<Adam<float>> adam;
  std::optional<RProp<float>> rprop;
#ifdef AUTOREC_HAS_CUDA
  std::unique_ptr<gpu::DeviceModel> on_device;
#endif
  if (device == "cuda") {
#ifdef AUTOREC_HAS_CUDA
    on_device = std::make_unique<gpu::DeviceModel>(gpu::upload(model, batch.by_column));
    std::cout << "device: " << gpu::device_name() << std::endl;
    pass_step = [&] {
      on_device->loss_and_gradient();
      if (optimizer == "adam")
        on_device->adam_step({});
      else
        on_device->rprop_step({});
      on_device->synchronize();  // kernels run asynchronously: wait before reading the clock
    };
#else
    throw std::runtime_error("--device cuda: this build has no CUDA support (configure with -DAUTOREC_CUDA=ON)");
#endif
  } else {
    if (optimizer == "adam")
      adam.emplace(model.parameter_groups(), parameters, Adam<float>::Options{});
    else
      rprop.emplace(parameters, RProp<float>::Options{});
    pass_step = [&] {
      pass.loss_and_gradient(model, batch);
      if (adam)
        adam->step(model.parameters(), pass.gradient());
      else
        rprop->step(model.parameters(), pass.gradient());
    };
  }

  double total = 0, best = 1e30;
  for (int pass = 1; pass <= passes; ++pass) {
    start = Clock::now();
    pass_step();
    const double s = seconds_since(start);
    total += s;
    best = std::min(best, s);
    std::cout << "pass " << pass << ": " << std::setprecision(3) << s << " s" << std::endl;
  }
  const double flops = 10 * nnz * double(hidden);
  // Resident floats: parameters, gradient and two optimizer vectors (4 of 2dk+d+k); the data
  // by column and by row (value + index each) plus the column positions; the output gradient
  // (nnz); the hidden layer's input and output and two gradient buffers (4 k B).
  const double predicted_bytes = 4.0 * 4 * double(parameters) + (2 * 8.0 + 4 + 4) * nnz +
                                 4.0 * 4 * double(hidden) * double(batch.cols());
  std::cout << std::setprecision(3) << "mean " << total / passes << " s/pass, best " << best << " s ("
            << std::setprecision(1) << flops / best * 1e-9 << " GFLOP/s); peak memory "
            << std::setprecision(2) << peak_resident_mib() / 1024 << " GiB, formula " << predicted_bytes / (1 << 30) << " GiB" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string shape = "ml1m", data, variant = "item", optimizer = "rprop", device = "cpu";
  autorec::Index hidden = 500;
  int passes = 3, threads = 0;
  bool bf16_weights = false, popularity_order = false;
  CLI::App app{"Seconds per training pass of AutoRec on real or generated ratings."};
  app.add_option("--shape", shape, "generated data shaped like ml1m, ml10m or netflix")
      ->check(CLI::IsMember({"ml1m", "ml10m", "netflix"}))->capture_default_str();
  app.add_option("--data", data, "a real ratings file instead (skips when absent)");
  app.add_option("--variant", variant, "item or user")->capture_default_str();
  app.add_option("--hidden", hidden, "hidden units")->capture_default_str();
  app.add_option("--passes", passes, "passes to time")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--optimizer", optimizer, "rprop or adam")->check(CLI::IsMember({"rprop", "adam"}))->capture_default_str();
  app.add_option("--threads", threads, "threads (0: all)")->capture_default_str();
  app.add_option("--device", device, "cpu, or cuda when built with -DAUTOREC_CUDA=ON")
      ->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  app.add_flag("--bf16-weights", bf16_weights, "read V and W as bfloat16 in the pass (CPU)");
  app.add_flag("--by-popularity", popularity_order,
               "renumber the rows and columns by their counts of ratings, the most rated first");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(shape, data, variant, hidden, passes, optimizer, threads, device, bf16_weights, popularity_order);
  } catch (const std::exception& error) {
    std::cerr << "bench_training_pass: " << error.what() << "\n";
    return 1;
  }
}
