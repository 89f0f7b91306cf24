#pragma once
// The options autorec-train and autorec-train-mpi share: the data, its split, lambda and the
// outputs; and the lambda search's lines, which both print alike.

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "autorec/data/load.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/train/lambda_search.hpp"

namespace autorec_programs {

struct RunFlags {
  std::string data;  // empty: the embedded data set (default_data())
  std::string train_file, test_file;
  std::string format = "auto";
  std::string variant = "item";
  bool keep_last_duplicate = false;
  std::string lambda = "auto";
  bool no_refit = false;
  std::uint64_t seed = 1;
  double test_fraction = 0.1;
  double validation_fraction = 0.1;
  std::optional<float> default_rating;  // default: the training mean
  std::string save, curve;

  void add_run_options(CLI::App& app) {
    auto* data_option = app.add_option("--data", data, "ratings file to split at random into train and test "
                                       "[the embedded ml-latest-small]")->check(CLI::ExistingFile);
    auto* train_option = app.add_option("--train", train_file, "predefined training file (with --test)")
                             ->check(CLI::ExistingFile)->excludes(data_option);
    auto* test_option = app.add_option("--test", test_file, "predefined test file (with --train)")
                            ->check(CLI::ExistingFile)->excludes(data_option);
    train_option->needs(test_option);
    test_option->needs(train_option);
    app.add_option("--format", format, "file format")
        ->check(CLI::IsMember({"auto", "ml100k", "ml1m", "csv", "tsv"}))->capture_default_str();
    app.add_flag("--keep-last-duplicate", keep_last_duplicate,
                 "a repeated (user, item) keeps its last rating instead of being an error");
    app.add_option("--variant", variant, "item (I-AutoRec) or user (U-AutoRec)")
        ->check(CLI::IsMember({"item", "user"}))->capture_default_str();
    app.add_option("--lambda", lambda, "L2 strength (paper's units), or auto: chosen on validation from a grid "
                   "scaled to the data (autorec-train then refits on all training ratings for the epoch count "
                   "chosen on validation, with a given lambda too)")
        ->check(CLI::IsMember({"auto"}) | CLI::NonNegativeNumber)->capture_default_str();
    app.add_flag("--no-refit", no_refit,
                 "keep the networks trained as the trials were (stopped early on validation) instead of refitting "
                 "on all training ratings");
    app.set_config("--config", "", "read options from a TOML file (a recipe; see examples/recipes)");
    app.add_option("--seed", seed, "seed for the split, the initial weights and the batch order")->capture_default_str();
    app.add_option("--test-fraction", test_fraction, "share of ratings held out for test (with --data)")
        ->check(CLI::Range(0.001, 0.99))->capture_default_str();
    app.add_option("--validation-fraction", validation_fraction,
                   "share of training ratings held out for early stopping")
        ->check(CLI::Range(0.0, 0.99))->capture_default_str();
    app.add_option("--default-rating", default_rating,
                   "prediction for users or items without training ratings [a bias model: the training mean plus "
                   "user and item biases]")
        ->check(CLI::Validator([](const std::string& text) {
          float value = 0;
          try { value = std::stof(text); } catch (const std::exception&) { return std::string("not a number"); }
          return std::isfinite(value) ? std::string() : std::string("must be a finite number");
        }, "FINITE"));
    app.add_option("--save", save, "write the trained model to this file");
    app.add_option("--curve", curve, "write the learning curve to PATH.csv and PATH.svg");
  }

  autorec::LoadOptions load_options() const {
    autorec::LoadOptions options;
    options.format = autorec::parse_rating_format(format);
    if (keep_last_duplicate) options.duplicates = autorec::DuplicatePolicy::keep_last;
    return options;
  }

  /// --default-rating: a constant, as the paper's 3, instead of the fitted bias model.
  void apply_default_rating(autorec::PredictionRules& rules) const {
    if (!default_rating) return;
    rules.default_rating = *default_rating;
    rules.user_bias.clear();
    rules.item_bias.clear();
  }
};

/// --lambda auto as both programs run it: prints the grid for `training_ratings`, a line per
/// trial (`trial(lambda)` trains one network on the validation split), and the choice; on a
/// terminal, each trial line first clears the progress line.
template <typename Trial>
autorec::LambdaChoice search_lambda(std::ostream& out, std::size_t training_ratings, bool interactive,
                                    Trial&& trial) {
  const std::vector<double> grid = autorec::lambda_grid(training_ratings);
  out << "choosing lambda on the validation ratings, starting from the grid";
  for (double value : grid) out << " " << value;
  out << " (--lambda sets one)\n";
  return autorec::choose_lambda(grid, [&](double value) {
    const autorec::TrainReport report = trial(value);
    double seconds = 0;
    for (const autorec::EpochReport& e : report.history) seconds += e.seconds;
    if (interactive) std::cerr << "\r\033[K";
    std::ostringstream line;
    line << "lambda " << std::setw(6) << value << ": validation RMSE " << std::fixed << std::setprecision(4)
         << report.best_validation_rmse << " at epoch " << report.best_epoch << std::setprecision(1) << " ("
         << seconds << " s)";
    out << line.str() << std::endl;
    return report;
  });
}

/// "lambda    280: validation RMSE 0.8612 at epoch 41 (3.2 s)": one trial of the protocol.
inline void print_trial(std::ostream& out, const autorec::LambdaTrial& trial) {
  double seconds = 0;
  for (const autorec::EpochReport& e : trial.report.history) seconds += e.seconds;
  std::ostringstream line;
  line << "lambda " << std::setw(6) << trial.lambda << ": validation RMSE " << std::fixed << std::setprecision(4)
       << trial.report.best_validation_rmse << " at epoch " << trial.report.best_epoch << std::setprecision(1) << " ("
       << seconds << " s)";
  out << line.str() << std::endl;
}

/// The chosen trial's learning curve, and the line that says what happens next.
inline autorec::TrainReport report_choice(std::ostream& out, const autorec::LambdaChoice& choice, bool refit,
                                          double all_training_ratings) {
  out << "chose lambda " << choice.lambda;
  if (refit)
    out << "; refitting on all " << std::size_t(all_training_ratings) << " training ratings for " << choice.epochs
        << " epochs\n";
  else
    out << "; training on the training ratings less validation, stopped early as the trials were\n";
  return choice.chosen_report();
}

}  // namespace autorec_programs
