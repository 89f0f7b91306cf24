#pragma once
// Training a network on implicit feedback (Mult-DAE; data/implicit.hpp's protocol): the
// network reads users as columns (inputs = the catalogue's items), and learns from the
// training users alone in minibatches of users, with the optimizer's steps; after each epoch
// the validation users are folded in (their fold-in items encoded) and scored by NDCG@100.
// The best epoch's parameters are kept; training stops after `patience` epochs without a
// better one. Without validation users every epoch is the best: all epochs run, the last kept. The objective of a batch of B of the N training users is its data term (the
// multinomial negative log-likelihood) plus (B / N) (lambda / 2) |weights|^2, so one epoch
// adds the regulariser once, plus the stages' own terms: a Gaussian layer's beta KL, with
// beta annealed linearly from 0 to a cap over a number of steps (Mult-VAE; Bowman et al.).

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/model/network.hpp"
#include "autorec/optim/optimizers.hpp"
#include "autorec/random.hpp"
#include "autorec/train/trainer.hpp"
#include "autorec/train/training_pass.hpp"

namespace autorec {

/// beta at step t (from 0): cap min(1, t / steps); steps 0: over the whole training.
struct KlAnnealing {
  double cap = 0.2;
  long steps = 0;
};

/// One epoch: the data term per training user, the validation users' metrics, the seconds.
struct ImplicitEpochReport {
  int epoch = 0;
  double train_loss = 0;
  double beta = 0;  ///< the KL weight of the epoch's last step
  HeldoutMetrics validation;
  double seconds = 0;
  bool best = false;
};

struct ImplicitTrainReport {
  std::vector<ImplicitEpochReport> history;
  int best_epoch = 0;
  double best_ndcg = -1;
  bool stopped_early = false;
};

/// A scoring function (eval/heldout_ranking.hpp) for a network over users: each user's items
/// encoded, every item's output scored.
template <typename Scalar>
auto network_scorer(const Network<Scalar>& network) {
  return [&network](const ItemSets& users, int first, int count, Matrix<float>& out) {
    Matrix<Scalar> outputs;
    network.predict(users.template columns<Scalar>(int(network.inputs()), first, count), outputs);
    out = outputs.transpose().template cast<float>();
  };
}

/// Trains `model` (inputs = data.catalogue()) as described above; leaves the best epoch's
/// parameters in it. `on_epoch` sees each epoch as it ends; `should_stop` returning true
/// ends training there (the best epoch so far kept).
template <typename Scalar>
ImplicitTrainReport train_implicit(Network<Scalar>& model, const ImplicitData& data, const TrainOptions<Scalar>& options,
                                   const std::function<void(const ImplicitEpochReport&)>& on_epoch = {},
                                   const KlAnnealing& annealing = {},
                                   const std::function<bool(const ImplicitEpochReport&)>& should_stop = {}) {
  const int items = data.catalogue(), users = data.train.rows();
  if (model.inputs() != items)
    throw std::invalid_argument("train_implicit: the network has " + std::to_string(model.inputs()) +
                                " inputs, the catalogue " + std::to_string(items) + " items");
  if (users == 0) throw std::invalid_argument("train_implicit: no training users");
  if (options.batch_size < 1) throw std::invalid_argument("train_implicit: batch size must be at least 1");
  if (options.epochs < 1) throw std::invalid_argument("train_implicit: epochs must be at least 1");
  const SparseColumns<Scalar> input = data.train.template columns<Scalar>(items, 0, users);
  const std::unique_ptr<Optimizer<Scalar>> optimizer =
      make_optimizer(options, model.parameter_groups(), model.parameters().size());
  if (optimizer->full_batch())
    throw std::invalid_argument("train_implicit: trains in minibatches; " + options.optimizer +
                                " is a full-batch optimizer: use adam");
  std::vector<int> order(static_cast<std::size_t>(users));
  for (int u = 0; u < users; ++u) order[std::size_t(u)] = u;
  Random random(options.seed);
  Vector<Scalar> best_parameters = model.parameters();
  ImplicitTrainReport report;
  const long batches = (users + long(options.batch_size) - 1) / long(options.batch_size);
  const double anneal_steps = annealing.steps > 0 ? double(annealing.steps) : double(batches) * options.epochs;
  long step = 0;
  TrainingPass<Scalar> pass(model);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    ImplicitEpochReport line;
    line.epoch = epoch;
    random.shuffle(order);
    double data_term = 0;
    for (int first = 0; first < users; first += int(options.batch_size)) {
      const int last = std::min(users, first + int(options.batch_size));
      const SparseBatch<Scalar> batch(gather_columns(input, std::vector<int>(order.begin() + first, order.begin() + last)));
      const Scalar share = Scalar(double(last - first) / double(users));
      line.beta = annealing.cap * std::min(1.0, double(step++) / anneal_steps);
      model.set_penalty_weight(line.beta);
      const double loss = double(pass.loss_and_gradient(model, batch, share));
      data_term += double(pass.last_data_term());
      optimizer->step(model.parameters(), pass.gradient(), loss,
                      [&] { return double(pass.loss_and_gradient(model, batch, share)); });
    }
    line.train_loss = data_term / double(users);
    if (!std::isfinite(line.train_loss))
      throw std::runtime_error("train_implicit: the loss diverged at epoch " + std::to_string(epoch) +
                               " (try a smaller learning rate)");
    const bool validated = data.validation.fold_in.rows() > 0;
    if (validated) line.validation = heldout_metrics(data.validation, items, network_scorer(model));
    line.best = !validated || line.validation.ndcg > report.best_ndcg;
    if (line.best) {
      report.best_ndcg = validated ? line.validation.ndcg : report.best_ndcg;
      report.best_epoch = epoch;
      best_parameters = model.parameters();
    }
    line.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.history.push_back(line);
    if (on_epoch) on_epoch(line);
    if (should_stop && should_stop(line)) break;
    if (options.patience > 0 && epoch - report.best_epoch >= options.patience) {
      report.stopped_early = true;
      break;
    }
  }
  if (report.best_epoch == 0) throw std::runtime_error("train_implicit: no validation user has a target to score");
  model.parameters() = best_parameters;
  return report;
}

}  // namespace autorec
