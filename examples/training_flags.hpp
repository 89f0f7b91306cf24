#pragma once
// The training options autorec-train and bench/reproduce_paper share on their command lines.
// Those not given keep autorec::paper_train_options for the variant.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "autorec/train/trainer.hpp"

namespace autorec_programs {

struct TrainingFlags {
  std::string optimizer = "rprop";
  float learning_rate = 1e-3f;
  autorec::Index batch = 32;
  int patience = 30;
  int lbfgs_history = 10;
  std::optional<float> rprop_step, rprop_grow, rprop_max_step, rprop_first_max_step;
  std::optional<long> rprop_max_step_epochs;
  std::optional<int> epochs;

  void add_to(CLI::App& app) {
    app.add_option("--optimizer", optimizer,
                   "adam (minibatch), rprop (full batch, the paper's) or lbfgs (full batch, quasi-Newton)")
        ->check(CLI::IsMember(autorec::known_optimizers()))->capture_default_str();
    app.add_option("--lbfgs-history", lbfgs_history, "L-BFGS curvature pairs kept")
        ->check(CLI::Range(1, 1000))->capture_default_str();
    app.add_option("--lr", learning_rate, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--rprop-step", rprop_step, "RProp initial step size [0.01 (item), 1e-4 (user)]")
        ->check(CLI::PositiveNumber);
    app.add_option("--rprop-grow", rprop_grow, "RProp step growth [1.1]")->check(CLI::Range(1.0f, 10.0f));
    app.add_option("--rprop-max-step", rprop_max_step, "RProp largest step size [0.01 (item), 1e-4 (user)]")
        ->check(CLI::PositiveNumber);
    app.add_option("--rprop-first-max-step", rprop_first_max_step,
                   "RProp largest step size of the first epoch, shrinking to --rprop-max-step over "
                   "--rprop-max-step-epochs (0: none) [0 (item), 3e-4 (user)]")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--rprop-max-step-epochs", rprop_max_step_epochs,
                   "epochs over which the largest step size shrinks to --rprop-max-step [600 (user)]")
        ->check(CLI::PositiveNumber);
    app.add_option("--batch", batch, "encoded vectors per Adam step")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--epochs", epochs, "maximum epochs (full-batch iterations for rprop) [500 (item), 3000 (user)]")
        ->check(CLI::PositiveNumber);
    app.add_option("--patience", patience, "stop after this many epochs without a better validation RMSE (0: never)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
  }

  autorec::TrainOptions<float> options(autorec::Variant variant, std::uint64_t seed) const {
    autorec::TrainOptions<float> o = autorec::paper_train_options<float>(variant);
    o.optimizer = optimizer;
    o.lbfgs.history = lbfgs_history;
    o.adam.learning_rate = learning_rate;
    o.rprop.grow = rprop_grow.value_or(o.rprop.grow);
    o.rprop.max_step = rprop_max_step.value_or(o.rprop.max_step);
    o.rprop.first_max_step = rprop_first_max_step.value_or(o.rprop.first_max_step);
    o.rprop.max_step_steps = rprop_max_step_epochs.value_or(o.rprop.max_step_steps);
    if (o.rprop.first_max_step > o.rprop.max_step && o.rprop.max_step_steps < 1) {
      std::ostringstream message;
      message << "--rprop-first-max-step " << o.rprop.first_max_step << " is above the largest step size "
              << o.rprop.max_step << ": give --rprop-max-step-epochs, the epochs over which it shrinks";
      throw std::invalid_argument(message.str());
    }
    // A smaller cap alone also lowers the first step, which may not exceed it.
    o.rprop.initial_step = rprop_step.value_or(std::min(o.rprop.initial_step, o.rprop.max_step_at(0)));
    o.batch_size = batch;
    o.epochs = epochs.value_or(o.epochs);
    o.patience = patience;
    o.seed = seed;
    return o;
  }
};

}  // namespace autorec_programs
