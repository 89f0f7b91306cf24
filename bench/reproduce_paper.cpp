// The paper's protocol (Sedhain et al. 2015, section 3): K random 90/10 splits of the ratings;
// 10% of each training part held out to choose lambda and the stopping epoch; test RMSE
// averaged over the splits with a 95% interval. Prints one line per split and lambda, then a
// Markdown table row.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "autorec/autorec.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/io/peak_memory.hpp"
#include "autorec/train/fit.hpp"
#include "autorec/train/trainer.hpp"
#include "network_flags.hpp"
#include "training_flags.hpp"
#ifdef AUTOREC_HAS_CUDA
#include "autorec/gpu/train.hpp"
#endif

namespace {

struct Settings {
  std::string data, format = "auto", variant = "item", label, device = "cpu";
  std::vector<float> lambdas = {200.f};
  int splits = 5, threads = 0;
  autorec_programs::NetworkFlags network;
  autorec_programs::TrainingFlags training;
  double test_fraction = 0.1, validation_fraction = 0.1;
  bool refit = true;
  std::uint64_t seed = 1;
};

// Two-sided 97.5% quantile of Student's t with n - 1 degrees of freedom (n <= 31).
double t_quantile(int n) {
  static const double table[] = {0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  return n >= 2 && n <= 31 ? table[n - 1] : 1.96;
}

int run(const Settings& s) {
  using namespace autorec;
  set_thread_count(s.threads);
  RatingData data;
  LoadOptions load_options;
  load_options.format = parse_rating_format(s.format);
  const LoadSummary summary = load_ratings(s.data, data, load_options);
  const Variant variant = parse_variant(s.variant);
  std::cout << "data " << s.data << ": " << summary.ratings << " ratings, " << summary.users << " users, "
            << summary.items << " items; " << to_string(variant) << "-AutoRec " << s.network.describe() << ", "
            << s.training.optimizer << ", " << thread_count() << " threads" << std::endl;
  // Training runs on the CPU or, with --device cuda, on the GPU; evaluation on the CPU.
  auto fit_model = [&](AutoRec<float>& model, const SparseColumns<float>& input, const std::vector<Rating>& validation,
                       const PredictionRules& rules, const TrainOptions<float>& options) {
    if (s.device == "cuda") {
#ifdef AUTOREC_HAS_CUDA
      return gpu::train(model, input, validation, variant, rules, options);
#else
      throw std::runtime_error("--device cuda: this build has no CUDA support (configure with -DAUTOREC_CUDA=ON)");
#endif
    }
    return train(model, input, validation, variant, rules, options);
  };
  if (s.device == "cuda") {
#ifdef AUTOREC_HAS_CUDA
    std::cout << "device: " << gpu::device_name() << std::endl;
#endif
  }

  std::vector<double> test_rmse;
  double seconds = 0;
  for (int split_index = 0; split_index < s.splits; ++split_index) {
    const std::uint64_t seed = s.seed + std::uint64_t(split_index);
    const RatingSplit split = split_ratings(data.ratings, s.test_fraction, seed);
    const RatingSplit fit = split_ratings(split.train, s.validation_fraction, seed + 1000);
    const PredictionRules rules = rules_from(split.train, 3.0f);
    const SparseColumns<float> fit_input = rating_matrix<float>(fit.train, data.users.size(), data.items.size(), variant);
    const SparseColumns<float> train_input = rating_matrix<float>(split.train, data.users.size(), data.items.size(), variant);

    // The library's protocol (train/fit.hpp): lambda and the epoch count chosen on the
    // validation slice, then a refit on the whole training part (an ensemble refits one network
    // per seed), or the model chosen on validation; either way the whole training part is the
    // input at test time.
    FitSettings protocol;
    protocol.lambdas.assign(s.lambdas.begin(), s.lambdas.end());
    std::sort(protocol.lambdas.begin(), protocol.lambdas.end());
    protocol.grid_extensions = 0;  // the candidates given, no more
    protocol.refit = s.refit;
    protocol.members = s.network.ensemble;
    protocol.seed = seed;
    protocol.member_seed_step = 100000;
    FitEvents<float> events;
    events.on_trial = [&](const LambdaTrial& trial) {
      const TrainReport& report = trial.report;
      std::cout << "split " << split_index + 1 << " lambda " << trial.lambda << ": validation RMSE "
                << std::setprecision(5) << report.best_validation_rmse << " at epoch " << report.best_epoch << " of "
                << report.history.size() << " (" << report.history.back().seconds << " s/epoch)" << std::endl;
    };
    events.on_member = [&](int member, const Network<float>& model, const TrainReport&) {
      if (s.network.ensemble > 1 && s.refit)
        std::cout << "split " << split_index + 1 << " member " << member + 1 << ": test RMSE " << std::setprecision(5)
                  << evaluate(model, train_input, split.test, variant, rules).rmse << std::endl;
    };
    const Fitted<float> fitted = autorec::fit<float>(
        protocol, FitData<float>{fit_input, fit.test, train_input}, s.training.options(variant, seed),
        [&](double lambda, std::uint64_t model_seed) {
          return AutoRec<float>(s.network.options(fit_input.rows(), float(lambda), model_seed));
        },
        [&](AutoRec<float>& model, const SparseColumns<float>& input, const std::vector<Rating>& validation,
            const TrainOptions<float>& options) { return fit_model(model, input, validation, rules, options); },
        events);
    seconds += fitted.seconds;
    const Ensemble<float>& ensemble = fitted.ensemble;
    const double best_lambda = fitted.lambda;
    const int best_epochs = fitted.choice.epochs;
    const Metrics metrics = evaluate(ensemble, train_input, split.test, variant, rules);
    std::cout << "split " << split_index + 1 << ": lambda " << best_lambda << ", " << best_epochs
              << " epochs" << (s.refit ? " (refit on the whole training part)" : "") << ", test RMSE "
              << std::setprecision(5) << metrics.rmse << " MAE " << metrics.mae << std::endl;
    test_rmse.push_back(metrics.rmse);
  }

  double mean = 0, variance = 0;
  for (double r : test_rmse) mean += r / double(test_rmse.size());
  for (double r : test_rmse) variance += (r - mean) * (r - mean) / std::max<double>(1, double(test_rmse.size()) - 1);
  const double half_width = t_quantile(int(test_rmse.size())) * std::sqrt(variance / double(test_rmse.size()));
  std::ostringstream lambdas;
  for (std::size_t i = 0; i < s.lambdas.size(); ++i) lambdas << (i ? ", " : "") << s.lambdas[i];
  std::cout << "mean test RMSE " << std::fixed << std::setprecision(4) << mean << " +- " << half_width
            << " (95% interval, " << test_rmse.size() << " splits); training " << std::setprecision(1)
            << seconds << " s; peak memory " << peak_resident_mib() << " MiB" << std::endl;
  std::cout << "| " << (s.label.empty() ? s.data : s.label) << " | " << to_string(variant) << " | "
            << std::setprecision(4) << mean << " ± " << half_width << " | " << test_rmse.size() << " | {"
            << lambdas.str() << "} | " << std::setprecision(0) << seconds << " s |" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Reproduce AutoRec's Table 1 protocol on a ratings file."};
  app.add_option("--data", s.data, "ratings file")->required()->check(CLI::ExistingFile);
  app.add_option("--format", s.format, "auto, ml100k, ml1m, csv or tsv")->capture_default_str();
  app.add_option("--label", s.label, "name of the data set in the table row");
  app.add_option("--variant", s.variant, "item or user")->capture_default_str();
  app.add_option("--lambda", s.lambdas, "lambda values to choose from on validation")->capture_default_str();
  app.add_option("--splits", s.splits, "random 90/10 splits")->capture_default_str();
  s.network.add_to(app);
  s.training.add_to(app);
  app.set_config("--config", "", "read options from a TOML file (a recipe; see examples/recipes)");
  app.add_option("--refit", s.refit, "after choosing on validation, retrain on the whole training part")
      ->capture_default_str();
  app.add_option("--threads", s.threads, "threads (0: all)")->capture_default_str();
  app.add_option("--device", s.device, "train on the cpu, or on cuda when built with -DAUTOREC_CUDA=ON")
      ->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  app.add_option("--seed", s.seed, "seed of the first split")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (s.network.ensemble > 1 && !s.refit)
      throw std::invalid_argument("--ensemble refits its members on the whole training part: it needs --refit true");
    return run(s);
  } catch (const std::exception& error) {
    std::cerr << "reproduce_paper: " << error.what() << "\n";
    return 1;
  }
}
