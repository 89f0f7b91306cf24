#pragma once
// autorec-train --feedback implicit: the flags of the implicit-feedback protocol and the run
// that prints it (the protocol itself is the library's: data/implicit.hpp and
// train/fit_implicit.hpp).

#include <CLI/CLI.hpp>

#include <cmath>
#include <functional>
#include <optional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/data/load.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/io/heldout_split_files.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/io/peak_memory.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "autorec/train/mult_recipe.hpp"
#include "network_flags.hpp"
#include "program_support.hpp"
#include "run_flags.hpp"
#include "training_flags.hpp"

namespace autorec_programs {

struct ImplicitFlags {
  std::string feedback = "explicit";
  std::string model = "ease";
  int heldout_users = 0;  // 0: a tenth of the users kept
  std::string heldout_split;
  std::string write_split;
  double positive_threshold = std::numeric_limits<double>::quiet_NaN();
  int min_positives = 5;
  autorec::Index latent = 200;
  double beta_cap = 0.2;
  long anneal_steps = 0;

  void add_to(CLI::App& app, CLI::Option* data_option) {
    app.add_option("--feedback", feedback,
                   "explicit: ratings, RMSE; implicit: positives (values above --positive-threshold, or every "
                   "event of a file without ratings), top-N on held-out users")
        ->check(CLI::IsMember({"explicit", "implicit"}))->capture_default_str();
    app.add_option("--model", model,
                   "with --feedback implicit: ease (closed form; --lambda) or mult-dae (a network with a softmax "
                   "over all items; --hidden [200], --activation [tanh], --input-dropout [0.5], --optimizer [adam], "
                   "--lr, --batch [500], --epochs [200], --lambda [4e-5 x training users; 0 for mult-vae]) or mult-vae (the same "
                   "with a Gaussian code: --hidden [600], --latent, --beta-cap, --anneal-steps), or ease+mult-dae or "
                   "ease+mult-vae (EASE with lambda chosen, and the network as above; their standardised scores "
                   "blended with EASE's weight chosen on the validation users)")
        ->check(CLI::IsMember({"ease", "mult-dae", "mult-vae", "ease+mult-dae", "ease+mult-vae"}))->capture_default_str();
    app.add_option("--latent", latent, "with --model mult-vae: the Gaussian code's size (the encoder is --hidden "
                   "[600], then 2 x latent)")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--beta-cap", beta_cap, "with --model mult-vae: the KL weight beta rises linearly to this")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    app.add_option("--anneal-steps", anneal_steps,
                   "with --model mult-vae: beta reaches its cap after this many steps (0: at the last step)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    app.add_option("--heldout-users", heldout_users,
                   "with --feedback implicit: H validation and H test users [a tenth of the users kept]")
        ->check(CLI::PositiveNumber);
    app.add_option("--heldout-split", heldout_split,
                   "with --feedback implicit: a folder of train.csv, validation_tr.csv, validation_te.csv, "
                   "test_tr.csv and test_te.csv (header uid,sid) instead of splitting --data")
        ->check(CLI::ExistingDirectory)->excludes(data_option);
    app.add_option("--write-split", write_split,
                   "with --feedback implicit: also write the split as those five files into this folder");
    app.add_option("--positive-threshold", positive_threshold,
                   "with --feedback implicit: a value above it is a positive [0.7 of the top rating, 3.5 on "
                   "MovieLens; every event when the file has no ratings]");
    app.add_option("--min-positives", min_positives, "with --feedback implicit: users with fewer are dropped")
        ->check(CLI::PositiveNumber)->capture_default_str();
  }
  bool implicit() const { return feedback == "implicit"; }
  /// The network of --model (mult-dae or mult-vae, alone or blended with EASE); empty for EASE alone.
  std::string network_model() const {
    if (model == "ease") return "";
    const std::size_t plus = model.find('+');
    return plus == std::string::npos ? model : model.substr(plus + 1);
  }
  bool blend() const { return model.find('+') != std::string::npos; }
  bool variational() const { return network_model() == "mult-vae"; }

  /// The flags of one kind of feedback given with the other: an error naming them.
  void check_against(const CLI::App& app) const {
    const std::vector<std::string> explicit_only{"--train", "--test", "--test-fraction", "--validation-fraction",
                                                 "--variant", "--top-k", "--device", "--curve", "--ensemble",
                                                 "--default-rating", "--kernel-dims", "--kernel-lambda",
                                                 "--bf16-weights", "--output-activation", "--no-refit"};
    const std::vector<std::string> implicit_only{"--model", "--heldout-users", "--heldout-split", "--write-split",
                                                 "--positive-threshold", "--min-positives", "--latent",
                                                 "--beta-cap", "--anneal-steps"};
    for (const std::string& name : implicit() ? explicit_only : implicit_only)
      if (app.get_option_no_throw(name) && app.count(name) > 0)
        throw std::runtime_error(name + " does not apply with --feedback " + feedback +
                                 (implicit() ? "" : " (it is an option of --feedback implicit)"));
    if (implicit() && !variational())
      for (const std::string name : {"--latent", "--beta-cap", "--anneal-steps"})
        if (app.count(name) > 0) throw std::runtime_error(name + " applies to --model mult-vae only");
    if (implicit() && model == "ease")
      for (const std::string name : {"--hidden", "--activation", "--dropout", "--input-dropout", "--weight-scale",
                                     "--optimizer", "--lr", "--batch", "--epochs", "--patience", "--lbfgs-history"})
        if (app.get_option_no_throw(name) && app.count(name) > 0)
          throw std::runtime_error(name + " does not apply to --model ease (it has no network)");
  }
};

inline void print_heldout(std::ostream& out, const char* name, const autorec::HeldoutMetrics& m) {
  out << std::fixed << std::setprecision(4) << name << "NDCG@100 " << m.ndcg << " Recall@20 " << m.recall_small
      << " Recall@50 " << m.recall_large << std::defaultfloat << std::setprecision(6) << "\n";
}

// The split of --data (or the embedded data) by the library's protocol, or --heldout-split's.
inline autorec::ImplicitData implicit_data(std::ostream& out, const RunFlags& run, const ImplicitFlags& flags,
                                           const std::string& data_file) {
  using namespace autorec;
  ImplicitSummary summary;
  ImplicitData split;
  if (!flags.heldout_split.empty()) {
    split = load_heldout_split(flags.heldout_split, &summary);
    out << "held-out split " << flags.heldout_split << ": " << split.train.entries() << " training positives\n";
  } else {
    LoadOptions load = run.load_options();
    load.ratings_required = false;
    load.duplicates = DuplicatePolicy::keep_max;
    RatingData data;
    print_summary(out, load_ratings(data_file, data, load), "merged (the largest value kept)");
    ImplicitSplitOptions options;
    options.threshold = flags.positive_threshold;
    options.min_positives = flags.min_positives;
    options.heldout_users = flags.heldout_users;
    options.seed = run.seed;
    split = split_strong_generalisation(data, options, &summary);
    std::ostringstream threshold;
    threshold << summary.threshold;
    out << "positives: " << (std::isinf(summary.threshold) ? "every event" : "values above " + threshold.str()) << ", " << summary.positives << " of " << summary.events << " pairs; " << summary.users_kept
        << " users with at least " << flags.min_positives << " (" << summary.users_dropped << " with fewer dropped)\n";
  }
  out << "split (seed " << run.seed << "): " << split.train.rows() << " training users, " << split.validation.users.size()
      << " validation and " << split.test.users.size() << " test users; " << split.catalogue() << " items";
  if (summary.heldout_outside) out << "; " << summary.heldout_outside << " held-out positives of other items dropped";
  if (summary.unscored_users) out << "; " << summary.unscored_users << " held-out users without targets (not scored)";
  out << "\n";
  if (!flags.write_split.empty()) {
    write_heldout_split(flags.write_split, split);
    out << "split written to " << flags.write_split << "\n";
  }
  return split;
}

/// A fitted model as the metrics read it.
using ImplicitScorer = autorec::HeldoutScorer;

// EASE, lambda given or chosen on the validation users; keeps the model in `model`.
inline ImplicitScorer fit_ease_model(const RunFlags& run, const autorec::ImplicitData& split,
                                     std::optional<autorec::Ease<float>>& model) {
  using namespace autorec;
  const int items = split.catalogue();
  const bool choose = run.lambda == "auto";
  const std::vector<double> grid =
      choose ? ease_lambda_grid(split.train, items) : std::vector<double>{std::stod(run.lambda)};
  std::cout << "EASE on " << items << " items (about " << std::fixed << std::setprecision(0)
            << Ease<float>::fit_bytes(items, grid.size() > 1) / double(1 << 20) << std::defaultfloat
            << std::setprecision(6) << " MiB to fit)";
  if (choose) {
    std::cout << "; choosing lambda on the validation users from the grid";
    for (double value : grid) std::cout << " " << value;
  }
  std::cout << "\n";
  check_model_space(run.save, model_file_bytes(double(items) * double(items), double(split.train.entries()),
                                               double(split.train.rows()), split.train_users, split.items.raw_ids()));
  EaseFit fit = fit_ease(split, grid, [](const EaseTrial& trial) {
    std::ostringstream line;
    line << "lambda " << std::setw(6) << trial.lambda << ": validation ";
    print_heldout(line, "", trial.validation);
    std::cout << line.str().substr(0, line.str().size() - 1) << std::fixed << std::setprecision(1) << " ("
              << trial.seconds << " s)" << std::defaultfloat << std::setprecision(6) << std::endl;
  });
  if (choose) std::cout << "chose lambda " << fit.model->lambda() << "\n";
  model = std::move(fit.model);
  return ease_scorer(*model);
}

// Mult-DAE or Mult-VAE (Liang et al. 2018): the paper's settings where no flag is given.
inline ImplicitScorer fit_network_model(const CLI::App& app, const RunFlags& run, const ImplicitFlags& flags,
                                        const NetworkFlags& network_flags, const TrainingFlags& training_flags,
                                        const autorec::ImplicitData& split,
                                        std::optional<autorec::Network<float>>& model) {
  using namespace autorec;
  auto given = [&app](const char* name) { return app.count(name) > 0; };
  const Index items = split.catalogue(), users = split.train.rows();
  // The recipe (train/mult_recipe.hpp) fills in what the flags leave unset.
  const bool variational = flags.variational();
  MultRecipe recipe;
  recipe.variational = variational;
  recipe.latent = flags.latent;
  if (given("--hidden")) recipe.hidden = network_flags.hidden;
  if (given("--activation")) recipe.activation = network_flags.activation;
  if (given("--input-dropout")) recipe.input_dropout = network_flags.input_dropout;
  if (given("--weight-scale")) recipe.weight_scale = network_flags.weight_scale;
  if (run.lambda != "auto") recipe.lambda = std::stod(run.lambda);
  model.emplace(recipe.network(network_flags.options(items, 0, run.seed), items, users));
  const double lambda = double(model->options().lambda);
  MultTraining recipe_training;
  if (given("--optimizer")) recipe_training.optimizer = training_flags.optimizer;
  if (given("--batch")) recipe_training.batch = training_flags.batch;
  if (given("--epochs")) recipe_training.epochs = training_flags.epochs;
  if (given("--patience")) recipe_training.patience = training_flags.patience;
  const TrainOptions<float> train_options = recipe_training.options(training_flags.options(Variant::user, run.seed));
  check_model_space(run.save, model_file_bytes(double(model->parameters().size()), double(split.train.entries()),
                                               double(users), split.train_users, split.items.raw_ids()));
  KlAnnealing annealing{flags.beta_cap, flags.anneal_steps};
  std::cout << (variational ? "Mult-VAE" : "Mult-DAE") << ": network " << model->architecture().describe()
            << ", lambda " << lambda << ", " << train_options.optimizer << ", batch " << train_options.batch_size;
  if (variational)
    std::cout << ", beta to " << annealing.cap << " over "
              << (annealing.steps > 0 ? std::to_string(annealing.steps) + " steps" : std::string("the training"));
  std::cout << "\n";
  const ImplicitTrainReport report = train_implicit(*model, split, train_options, [variational](const ImplicitEpochReport& e) {
    std::ostringstream line;
    line << "epoch " << std::setw(4) << e.epoch << "  train loss " << std::fixed << std::setprecision(3)
         << e.train_loss << "  validation ";
    print_heldout(line, "", e.validation);
    std::cout << line.str().substr(0, line.str().size() - 1) << std::setprecision(2) << "  " << e.seconds << " s";
    if (variational) std::cout << std::setprecision(3) << "  beta " << e.beta;
    std::cout << (e.best ? "  *" : "") << std::defaultfloat << std::setprecision(6) << std::endl;
  }, annealing);
  std::cout << "kept epoch " << report.best_epoch << " (validation NDCG@100 " << std::fixed << std::setprecision(4)
            << report.best_ndcg << std::defaultfloat << std::setprecision(6) << ")" << (report.stopped_early ? ", stopped early" : "") << "\n";
  return network_scorer(*model);
}

/// The implicit run: the split, the popularity baseline, the model chosen on validation
/// users, and the test users' metrics (the baseline's line, then the model's as the last).
inline int run_implicit(const CLI::App& app, const RunFlags& run, const ImplicitFlags& flags,
                        const NetworkFlags& network_flags, const TrainingFlags& training_flags,
                        const std::string& data_file) {
  using namespace autorec;
  if (!run.save.empty()) check_outputs({run.save}, {data_file, flags.heldout_split});
  const ImplicitData split = implicit_data(std::cout, run, flags, data_file);
  const int items = split.catalogue();
  print_heldout(std::cout, "popularity: validation ", heldout_metrics(split.validation, items, popularity_scorer(split)));
  std::optional<Ease<float>> ease;
  std::optional<Network<float>> network;
  ImplicitScorer scorer;
  double ease_weight = 0;  // in a blend
  if (flags.model == "ease") {
    scorer = fit_ease_model(run, split, ease);
  } else if (flags.blend()) {  // EASE and a network
    RunFlags ease_run = run;
    ease_run.lambda = "auto";  // --lambda is the network's
    const ImplicitScorer first = fit_ease_model(ease_run, split, ease);
    const ImplicitScorer second = fit_network_model(app, run, flags, network_flags, training_flags, split, network);
    std::cout << "blending EASE's and " << (flags.variational() ? "Mult-VAE" : "Mult-DAE")
              << "'s standardised scores; EASE's weight chosen on the validation users\n";
    ease_weight = choose_blend(split, first, second, blend_weight_grid(), [](const BlendTrial& trial) {
      std::ostringstream line;
      line << "EASE weight " << trial.weight << ": validation ";
      print_heldout(line, "", trial.validation);
      std::cout << line.str();
    });
    std::cout << "chose EASE weight " << ease_weight << "\n";
    scorer = blended_scorer({first, second}, {ease_weight, 1 - ease_weight});
  } else {
    scorer = fit_network_model(app, run, flags, network_flags, training_flags, split, network);
  }
  std::cout << "peak memory " << std::fixed << std::setprecision(1) << peak_resident_mib() << std::defaultfloat
            << std::setprecision(6) << " MiB\n";
  print_heldout(std::cout, "popularity test ", heldout_metrics(split.test, items, popularity_scorer(split)));
  const HeldoutMetrics test = heldout_metrics(split.test, items, scorer);
  if (!std::isfinite(test.ndcg)) throw std::runtime_error("no test user has a target to score");
  print_heldout(std::cout, "test ", test);
  if (!run.save.empty()) {
    if (ease && network)
      save_model(run.save, saved_blend<float>({{ease_weight, std::move(*ease)}, {1 - ease_weight, std::move(*network)}},
                                              split));
    else if (ease)
      save_model(run.save, saved_model(std::move(*ease), split));
    else
      save_model(run.save, saved_model(std::move(*network), split));
    std::cout << "model saved to " << run.save << " (" << split.train.rows() << " training users; fold new users in "
              << "with autorec-recommend --new-user)\n";
  }
  return 0;
}

}  // namespace autorec_programs
