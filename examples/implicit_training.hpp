#pragma once
// autorec-train --feedback implicit: the flags of the implicit-feedback protocol and the run
// that prints it (the protocol itself is the library's: data/implicit.hpp and
// train/fit_implicit.hpp).

#include <CLI/CLI.hpp>

#include <cmath>
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
#include "autorec/io/peak_memory.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "program_support.hpp"
#include "run_flags.hpp"

namespace autorec_programs {

struct ImplicitFlags {
  std::string feedback = "explicit";
  std::string model = "ease";
  int heldout_users = 0;  // 0: a tenth of the users kept
  std::string heldout_split;
  std::string write_split;
  double positive_threshold = std::numeric_limits<double>::quiet_NaN();
  int min_positives = 5;

  void add_to(CLI::App& app, CLI::Option* data_option) {
    app.add_option("--feedback", feedback,
                   "explicit: ratings, RMSE; implicit: positives (values above --positive-threshold, or every "
                   "event of a file without ratings), top-N on held-out users")
        ->check(CLI::IsMember({"explicit", "implicit"}))->capture_default_str();
    app.add_option("--model", model, "with --feedback implicit: ease")
        ->check(CLI::IsMember({"ease"}))->capture_default_str();
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

  /// The flags of one kind of feedback given with the other: an error naming them.
  void check_against(const CLI::App& app) const {
    const std::vector<std::string> explicit_only{"--train", "--test", "--test-fraction", "--validation-fraction",
                                                 "--variant", "--top-k", "--device", "--curve", "--hidden",
                                                 "--ensemble", "--optimizer", "--epochs", "--default-rating"};
    const std::vector<std::string> implicit_only{"--model", "--heldout-users", "--heldout-split", "--write-split",
                                                 "--positive-threshold", "--min-positives"};
    for (const std::string& name : implicit() ? explicit_only : implicit_only)
      if (app.get_option_no_throw(name) && app.count(name) > 0)
        throw std::runtime_error(name + " does not apply with --feedback " + feedback +
                                 (implicit() ? "" : " (it is an option of --feedback implicit)"));
  }
};

inline void print_heldout(std::ostream& out, const char* name, const autorec::HeldoutMetrics& m) {
  out << std::fixed << std::setprecision(4) << name << "NDCG@100 " << m.ndcg << " Recall@20 " << m.recall_small
      << " Recall@50 " << m.recall_large << std::defaultfloat << "\n";
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

/// The implicit run: the split, the popularity baseline, the model chosen on validation
/// users, and the test users' metrics (the baseline's line, then the model's as the last).
inline int run_implicit(const RunFlags& run, const ImplicitFlags& flags, const std::string& data_file) {
  using namespace autorec;
  if (!run.save.empty())
    throw std::runtime_error("--save with --feedback implicit: model files do not hold EASE models yet");
  const ImplicitData split = implicit_data(std::cout, run, flags, data_file);
  const int items = split.catalogue();
  print_heldout(std::cout, "popularity: validation ", heldout_metrics(split.validation, items, popularity_scorer(split)));

  const bool choose = run.lambda == "auto";
  const std::vector<double> grid =
      choose ? ease_lambda_grid(split.train, items) : std::vector<double>{std::stod(run.lambda)};
  std::cout << "EASE on " << items << " items (about " << std::setprecision(3)
            << Ease<float>::fit_bytes(items, grid.size() > 1) / double(1 << 20) << std::defaultfloat << " MiB to fit)";
  if (choose) {
    std::cout << "; choosing lambda on the validation users from the grid";
    for (double value : grid) std::cout << " " << value;
  }
  std::cout << "\n";
  const EaseFit fit = fit_ease(split, grid, [](const EaseTrial& trial) {
    std::ostringstream line;
    line << "lambda " << std::setw(6) << trial.lambda << ": validation NDCG@100 " << std::fixed << std::setprecision(4)
         << trial.validation.ndcg << " Recall@20 " << trial.validation.recall_small << " Recall@50 "
         << trial.validation.recall_large << std::setprecision(1) << " (" << trial.seconds << " s)";
    std::cout << line.str() << std::endl;
  });
  if (choose) std::cout << "chose lambda " << fit.model->lambda() << "\n";
  std::cout << "peak memory " << std::fixed << std::setprecision(1) << peak_resident_mib() << std::defaultfloat
            << " MiB\n";
  print_heldout(std::cout, "popularity test ", heldout_metrics(split.test, items, popularity_scorer(split)));
  const HeldoutMetrics test = heldout_metrics(split.test, items, ease_scorer(*fit.model));
  if (!std::isfinite(test.ndcg)) throw std::runtime_error("no test user has a target to score");
  print_heldout(std::cout, "test ", test);
  return 0;
}

}  // namespace autorec_programs
