// autorec-train: train I-AutoRec or U-AutoRec on a ratings file and report test RMSE and MAE;
// with --feedback implicit, a top-N model on positives, scored on held-out users.
// With no arguments it trains on the embedded MovieLens ml-latest-small data set.

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>

#include "autorec/autorec.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/eval/ranking.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/learning_curve.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/train/fit_ratings.hpp"
#include "autorec/train/lambda_search.hpp"
#include "autorec/train/trainer.hpp"
#include "implicit_training.hpp"
#include "network_flags.hpp"
#include "program_support.hpp"
#include "run_flags.hpp"
#include "training_flags.hpp"
#ifdef AUTOREC_HAS_CUDA
#include "autorec/gpu/train.hpp"
#endif
#include "autorec/io/peak_memory.hpp"

namespace {

struct Settings : autorec_programs::RunFlags {
  std::string device = "cpu";
  autorec_programs::NetworkFlags network;
  autorec_programs::TrainingFlags training;
  int threads = 0;
  int top_k = 0;
  double relevance_threshold = std::numeric_limits<double>::quiet_NaN();
  autorec_programs::ImplicitFlags implicit;
};

void print_ranking(const char* name, const autorec::RankingMetrics& m) {
  std::cout << std::fixed << std::setprecision(4) << name << "@" << m.k << ": precision " << m.precision << " recall "
            << m.recall << " NDCG " << m.ndcg << " MAP " << m.map << " hit rate " << m.hit_rate << " coverage "
            << m.coverage << std::defaultfloat << "\n";
}

// Precision, recall, NDCG, MAP, hit rate and coverage at K of the model (an ensemble's Scorer
// ranks by its members' mean) and of the popularity baseline, on the test ratings.
void print_ranking_metrics(const autorec::Ensemble<float>& ensemble, const autorec::SparseColumns<float>& train_input,
                           const std::vector<autorec::Rating>& train_part, const std::vector<autorec::Rating>& test,
                           const autorec::RatingData& data, autorec::Variant variant,
                           const autorec::PredictionRules& rules, int k, double threshold) {
  using namespace autorec;
  if (std::isnan(threshold)) threshold = default_relevance_threshold(rules.min_rating, rules.max_rating);
  const Scorer<float> scorer(ensemble, variant, rules, train_input);
  const TopN request{std::size_t(k), {}, {}, true};
  auto model_top = [&](const std::vector<int>& users) { return scorer.recommend(users, request); };
  const PopularityRanker popularity(train_part, data.users.size(), data.items.size());
  std::cout << "ranking: relevant = test rating >= " << threshold << ", rated training items left out\n";
  print_ranking("model", ranking_metrics(model_top, test, data.users.size(), k, threshold, popularity.catalogue()));
  print_ranking("popularity",
                ranking_metrics([&](const std::vector<int>& users) { return popularity.recommend(users, request); },
                                test, data.users.size(), k, threshold, popularity.catalogue()));
}

// Refuses, before anything large is allocated, a network whose training would not fit in the
// memory available: docs/performance.md's formula, 16 P + 24 nnz + 16 (sum of widths) B bytes.
void check_memory(const autorec::Network<float>::Options& options, const autorec::SparseColumns<float>& input) {
  using namespace autorec;
  const Architecture architecture = Architecture::stack(options.inputs, options.hidden, options.activation,
                                                        options.output_activation, options.dropout, options.input_dropout);
  const double parameters = double(Network<float>::parameter_count(architecture));
  double widths = 0;
  for (Index width : options.hidden) widths += double(width);
  const double needed = 16 * parameters + 24 * double(input.nonZeros()) + 16 * widths * double(input.cols());
  const double available = available_memory_bytes();
  if (available > 0 && needed > available)
    throw std::runtime_error("the network " + architecture.describe() + " needs about " +
                             std::to_string(int(needed / (1 << 30))) + " GiB to train, and " +
                             std::to_string(int(available / (1 << 30))) + " GiB are available: use smaller --hidden");
}

int run(const Settings& settings) {
  using namespace autorec;
  if (settings.device == "cuda" && settings.network.bf16_weights)
    throw std::runtime_error("--bf16-weights with --device cuda: the GPU pass reads float weights; drop one of the two");
  const std::string data_file = settings.train_file.empty() && settings.data.empty() ? autorec_programs::default_data() : settings.data;
  if (!settings.train_file.empty() && same_file(settings.train_file, settings.test_file))
    throw std::runtime_error("--train and --test name the same file " + settings.test_file +
                             ": the test RMSE would score the training data");
  std::vector<std::string> outputs;
  const std::string stem = settings.curve.empty() ? "" : autorec_programs::strip_extension(settings.curve);
  if (!stem.empty()) outputs = {stem + ".csv", stem + ".svg"};
  if (!settings.save.empty()) outputs.push_back(settings.save);
  autorec_programs::check_outputs(outputs, {data_file, settings.train_file, settings.test_file});
  set_thread_count(settings.threads);
  const LoadOptions load_options = settings.load_options();
  const Variant variant = parse_variant(settings.variant);

  // Ratings: a predefined train/test pair, or one file split at random (by rating).
  RatingData data;
  std::vector<Rating> train_part, test;
  std::uint64_t source_fingerprint;  // of the file the model is trained from, for its model file
  if (!settings.train_file.empty()) {
    autorec_programs::print_summary(std::cout, load_ratings(settings.train_file, data, load_options));
    source_fingerprint = fingerprint(data);
    train_part = std::move(data.ratings);
    data.ratings.clear();
    autorec_programs::print_summary(std::cout, load_ratings(settings.test_file, data, load_options));
    test = std::move(data.ratings);
  } else {
    autorec_programs::print_summary(std::cout, load_ratings(data_file, data, load_options));
    source_fingerprint = fingerprint(data);
    RatingSplit split = split_ratings(data.ratings, settings.test_fraction, settings.seed);
    train_part = std::move(split.train);
    test = std::move(split.test);
  }
  if (test.empty())
    throw std::runtime_error("no test ratings to score (" + std::to_string(train_part.size()) +
                             " ratings in all; raise --test-fraction or give a larger file)");
  // The library's protocol (train/fit_ratings.hpp): a validation slice of the training part
  // chooses lambda (given, or from a grid scaled to the data) and the epoch count, then every
  // network, ensemble members alike, is refit on the whole training part for that many epochs.
  const bool choose = settings.lambda == "auto";
  if (choose && std::llround(settings.validation_fraction * double(train_part.size())) == 0)
    throw std::runtime_error("--lambda auto chooses lambda on validation ratings, and there are none "
                             "(--validation-fraction " + std::to_string(settings.validation_fraction) +
                             "): raise it, or give --lambda");
  RatingFitSettings<float> fit_settings;
  fit_settings.variant = variant;
  fit_settings.network = settings.network.options(0, 1, settings.seed);
  fit_settings.training = settings.training.options(variant, settings.seed);
  if (!choose) fit_settings.lambda = std::stod(settings.lambda);
  fit_settings.refit = !settings.no_refit;
  fit_settings.members = settings.network.ensemble;
  fit_settings.seed = settings.seed;
  fit_settings.validation_fraction = settings.validation_fraction;
  fit_settings.default_rating = settings.default_rating;
  const RatingFit<float> job(train_part, data.users.size(), data.items.size(), fit_settings);
  const PredictionRules& rules = job.rules();
  const SparseColumns<float>& input = job.fit_input();
  const SparseColumns<float>& train_input = job.train_input();
  std::cout << to_string(variant) << "-AutoRec: " << input.rows() << " inputs, " << input.cols()
            << " encoded vectors; " << job.fit_ratings().size() << " training, " << job.validation().size()
            << " validation, " << test.size() << " test ratings; " << thread_count() << " threads\n";
  std::cout << "predictions clipped to [" << rules.min_rating << ", " << rules.max_rating << "], " << rules.default_rating
            << " for users and items without training ratings";
  if (rules.scale != 1) std::cout << "; the network sees ratings / " << rules.scale;
  std::cout << "\n";

  const bool interactive = isatty(STDERR_FILENO);
  auto print_epoch = [&](const EpochReport& e) { autorec_programs::print_epoch(std::cout, e, interactive); };
  TrainCallbacks callbacks;
  if (interactive)
    callbacks.on_progress = [](double done) {
      std::cerr << "\r  " << int(done * 100) << "% of epoch" << std::flush;
    };
  auto fit_model = [&](AutoRec<float>& model, const SparseColumns<float>& on, const std::vector<Rating>& validation,
                       const TrainOptions<float>& options, const TrainCallbacks& with) {
    if (settings.device == "cuda") {
#ifdef AUTOREC_HAS_CUDA
      return gpu::train(model, on, validation, variant, rules, options, with);
#else
      throw std::runtime_error("--device cuda: this build has no CUDA support (configure with -DAUTOREC_CUDA=ON)");
#endif
    }
    return train(model, on, validation, variant, rules, options, with);
  };
#ifdef AUTOREC_HAS_CUDA
  if (settings.device == "cuda") std::cout << "device: " << gpu::device_name() << "\n";
#endif

  check_memory(settings.network.options(input.rows(), choose ? 0.f : std::stof(settings.lambda), settings.seed), input);
  autorec_programs::check_model_space(
      settings.save, autorec_programs::model_file_bytes(
                         double(Network<float>::parameter_count(settings.network.architecture(input.rows()))) *
                             std::max(1, settings.network.ensemble),
                         double(train_part.size()), double(train_input.cols()), data.users.raw_ids(),
                         data.items.raw_ids()));
  const FitSettings& protocol = job.protocol();
  if (choose) {
    std::cout << "choosing lambda on the validation ratings, starting from the grid";
    for (double value : protocol.lambdas) std::cout << " " << value;
    std::cout << " (--lambda sets one)\n";
  }
  // Trials with a grid show their progress on the terminal alone, a single trial (or a member
  // trained without a refit) every epoch.
  TrainCallbacks trial_callbacks = callbacks;
  double trial_lambda = 0;
  if (!choose)
    trial_callbacks.on_epoch = print_epoch;
  else if (interactive)
    trial_callbacks.on_epoch = [&](const EpochReport& e) {
      std::cerr << "\r\033[K  lambda " << trial_lambda << ": epoch " << e.epoch << ", validation RMSE " << std::fixed
                << std::setprecision(4) << e.validation_rmse << std::defaultfloat << std::flush;
    };
  TrainCallbacks refit_callbacks = callbacks;
  if (interactive)
    refit_callbacks.on_epoch = [&](const EpochReport& e) {
      std::cerr << "\r\033[K  refit: epoch " << e.epoch << std::flush;
    };
  FitEvents<float> events;
  events.on_trial_start = [&](double value) { trial_lambda = value; };
  events.on_trial = [&](const LambdaTrial& trial) {
    if (interactive) std::cerr << "\r\033[K";
    autorec_programs::print_trial(std::cout, trial);
  };
  events.on_choice = [&](const LambdaChoice& choice) {
    std::cout << (choose ? "chose lambda " : "lambda ") << choice.lambda;
    if (protocol.refit)
      std::cout << "; refitting on all " << train_part.size() << " training ratings for " << choice.epochs << " epochs\n";
    else
      std::cout << "; training on the training ratings less validation, stopped early as the trials were\n";
  };
  events.on_member_start = [&](int member, std::uint64_t seed) {
    if (protocol.members > 1) std::cout << "ensemble member " << member + 1 << " (seed " << seed << ")\n";
  };
  events.on_member = [&](int, const Network<float>&, const TrainReport& member_report) {
    if (interactive) std::cerr << "\r\033[K";
    if (!protocol.refit)
      std::cout << "kept epoch " << member_report.best_epoch << " (validation RMSE " << std::fixed
                << std::setprecision(4) << member_report.best_validation_rmse << std::defaultfloat << ")"
                << (member_report.stopped_early ? ", stopped early" : "") << "\n";
  };
  std::cout << "network " << settings.network.architecture(input.rows()).describe()
            << (settings.network.bf16_weights ? ", bf16 weights in the passes" : "") << "\n";
  const Fitted<float> fitted = job.run(
      [&](AutoRec<float>& model, const SparseColumns<float>& on, const std::vector<Rating>& validation,
          const TrainOptions<float>& options) {
        // a refit shows its progress on the terminal; any other training is shown as a trial is
        return fit_model(model, on, validation, options,
                         protocol.refit && validation.empty() ? refit_callbacks : trial_callbacks);
      },
      events);
  const Ensemble<float>& ensemble = fitted.ensemble;
  const double lambda = fitted.lambda;
  const TrainReport& report = fitted.report;
  if (ensemble.size() > 1 && !protocol.refit)
    std::cout << "ensemble validation RMSE " << std::fixed << std::setprecision(4)
              << evaluate(ensemble, input, job.validation(), variant, rules).rmse << std::defaultfloat << "\n";

  // Each output is written on its own: one that fails does not keep the others from disk.
  std::vector<std::string> failed;
  if (!stem.empty()) {
    try {
      autorec_programs::write_learning_curve(std::cout, stem, report.history, variant, settings.network.describe(),
                                             lambda, settings.training.optimizer);
    } catch (const std::exception& error) {
      failed.push_back(error.what());
    }
  }
  if (!settings.save.empty()) {
    try {
      // Self-contained: the whole training part is what predictions read, as for the test below.
      SavedModel<float> saved = saved_model(ensemble, variant, rules, data, train_part);
      saved.fingerprint = source_fingerprint;
      save_model(settings.save, saved);
      std::cout << "model saved to " << settings.save
                << (ensemble.size() > 1 ? " (" + std::to_string(ensemble.size()) + " networks)" : std::string()) << "\n";
    } catch (const std::exception& error) {
      failed.push_back(error.what());
    }
  }
  const Metrics metrics = evaluate(ensemble, train_input, test, variant, rules);
  std::cout << "peak memory " << std::fixed << std::setprecision(1) << peak_resident_mib() << std::defaultfloat << " MiB\n";
  if (!std::isfinite(metrics.rmse)) throw std::runtime_error("the test RMSE is not a number (" + std::to_string(metrics.count) + " test ratings)");
  std::cout << std::setprecision(6) << "test RMSE " << metrics.rmse << " MAE " << metrics.mae << std::endl;
  if (settings.top_k > 0)
    print_ranking_metrics(ensemble, train_input, train_part, test, data, variant, rules, settings.top_k,
                          settings.relevance_threshold);
  for (const std::string& error : failed) std::cerr << "autorec-train: " << error << "\n";
  return failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Train AutoRec on a ratings file and report test RMSE and MAE.\n"
               "With no arguments: I-AutoRec on the embedded MovieLens ml-latest-small data."};
  s.add_run_options(app);
  app.add_option("--device", s.device, "cpu, or cuda when built with -DAUTOREC_CUDA=ON (full batch)")
      ->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  s.network.add_to(app);
  s.training.add_to(app);
  app.add_option("--threads", s.threads, "threads (0: all cores)")->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--top-k", s.top_k, "also report Precision, Recall, NDCG, MAP, hit rate and coverage at K "
                 "(and the popularity baseline's)")->check(CLI::PositiveNumber);
  app.add_option("--relevance-threshold", s.relevance_threshold,
                 "a test rating at or above it is relevant (default: 3/4 up the training range, 4 on 1-5)");
  s.implicit.add_to(app, app.get_option("--data"));
  CLI11_PARSE(app, argc, argv);
  try {
    s.implicit.check_against(app);
    if (s.implicit.implicit())
      return autorec_programs::run_implicit(app, s, s.implicit, s.network, s.training,
                                            s.data.empty() ? autorec_programs::default_data() : s.data);
    return run(s);
  } catch (const std::exception& error) {
    std::cerr << "autorec-train: " << error.what() << "\n";
    return 1;
  }
}
