#pragma once
// The training loop of a ShardedNetwork: the single-machine trainer's epochs (run_epochs),
// optimizers and early stopping, with each rank stepping its own shards' parameters. The
// minibatch order of epoch e is drawn from (seed, e) alone, so a run resumed from a
// checkpoint (state(), restore()) continues exactly as one that never stopped. As in the
// single-machine trainer, a full batch whose layers draw no noise validates from the next
// pass's codes instead of encoding again.

#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/sharding/shard_state.hpp"
#include "autorec/sharding/sharded_network.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec {

/// What one rank trains on: its owned shards' rows of everything.
template <typename Scalar>
struct ShardedData {
  std::vector<SparseColumns<Scalar>> inputs;      ///< owned shard i's rows of the training input (network units)
  std::vector<SparseColumns<Scalar>> validation;  ///< its rows of the validation pairs the network scores, with
                                                  ///< their true ratings (rating units)
  double ratings = 0;                ///< training ratings over all shards
  double validation_ratings = 0;     ///< validation ratings over all shards, those of the fallback too
  double validation_cold_error = 0;     ///< squared error of the fallback's validation predictions
  double validation_cold_absolute = 0;  ///< and their absolute error
};

template <typename Scalar>
class ShardedTrainer {
 public:
  using ShardState = autorec::ShardState<Scalar>;

  ShardedTrainer(ShardedNetwork<Scalar>& model, const ShardedData<Scalar>& data, const PredictionRules& rules,
                 const TrainOptions<Scalar>& options, ShardReducer<Scalar>& reducer)
      : model_(model), data_(data), rules_(rules), options_(options), reducer_(reducer) {
    const int count = model.owned().count();
    if (int(data.inputs.size()) != count)
      throw std::invalid_argument("ShardedTrainer: " + std::to_string(data.inputs.size()) + " inputs for " +
                                  std::to_string(count) + " owned shards");
    if (options.batch_size < 1) throw std::invalid_argument("train: batch size must be at least 1");
    vectors_ = data.inputs.front().cols();
    for (int i = 0; i < count; ++i) {
      const Network<Scalar>& shard = model.shard(i);
      add_optimizer(shard.parameter_groups(), shard.parameters().size());
      full_batch_ = optimizers_.front()->full_batch() || options.batch_size >= vectors_;
      if (full_batch_) whole_.emplace_back(data.inputs[std::size_t(i)]);
      best_.push_back(shard.parameters());
    }
    // The replicated parameters step in core() (sharded_network.hpp), then every shard
    // mirrors them.
    Network<Scalar>& core = model.core();
    const Index offset = core.replicated_offset(), size = core.replicated_size();
    std::vector<ParameterGroup> groups;
    for (const ParameterGroup& group : core.parameter_groups())
      if (group.offset >= offset && group.offset < offset + size)
        groups.push_back({group.offset - offset, group.size, group.decays});
    add_optimizer(groups, size);
  }

  /// Trains from where the last restore() left off (or from the start), and leaves the model
  /// at the best epoch's parameters. callbacks.on_epoch runs after the epoch's best is kept,
  /// so a checkpoint written there holds it.
  TrainReport run(const TrainCallbacks& callbacks = {}) {
    TrainCallbacks wrapped = callbacks;
    wrapped.on_epoch = [&](const EpochReport& e) {
      history_.push_back(e);
      if (callbacks.on_epoch) callbacks.on_epoch(e);
    };
    const bool validate = data_.validation_ratings > 0;
    // Epoch t's validation runs epoch t + 1's pass (at the parameters after t steps) and
    // reads the predictions from its codes; epoch t + 1 then only steps. The last epoch
    // encodes as usual.
    const bool reuse_pass = full_batch_ && model_.core().trains_deterministically();
    pass_ready_ = false;
    const TrainReport report = run_epochs(
        options_, data_.ratings, double(rules_.scale), validate, wrapped, [&] { return pass(callbacks); },
        [&] {
          double error = 0;
          if (reuse_pass && int(history_.size()) + 1 < options_.epochs) {
            pass_error_ = model_.loss_and_gradient(whole_, reducer_);
            pass_ready_ = true;
            error = model_.errors_of(model_.code(), data_.validation, rules_, reducer_).squared;
          } else {
            error = model_.errors_at(data_.inputs, data_.validation, rules_, reducer_).squared;
          }
          return std::sqrt((error + data_.validation_cold_error) / data_.validation_ratings);
        },
        [&] {
          for (int i = 0; i < model_.owned().count(); ++i) best_[std::size_t(i)] = model_.shard(i).parameters();
        },
        resumed());
    for (int i = 0; i < model_.owned().count(); ++i) model_.shard(i).parameters() = best_[std::size_t(i)];
    model_.replicated_from_shards();
    return report;
  }

  /// The epochs run so far (each the report on_epoch saw).
  const std::vector<EpochReport>& history() const { return history_; }
  ShardState state(int i) const {
    const Network<Scalar>& shard = model_.shard(i);
    return {shard.parameters(), best_.at(std::size_t(i)), optimizer_state(std::size_t(i)),
            optimizer_state(best_.size()), model_.noise_step()};
  }
  /// Continues from a checkpoint: the epochs it ran and each owned shard's state.
  void restore(std::vector<EpochReport> history, std::vector<ShardState> states) {
    if (int(states.size()) != model_.owned().count())
      throw std::invalid_argument("ShardedTrainer: a checkpoint of " + std::to_string(states.size()) +
                                  " shards for " + std::to_string(model_.owned().count()) + " owned ones");
    for (int i = 0; i < model_.owned().count(); ++i) {
      ShardState& state = states[std::size_t(i)];
      Network<Scalar>& shard = model_.shard(i);
      if (state.parameters.size() != shard.parameters().size() || state.best.size() != shard.parameters().size())
        throw std::invalid_argument("ShardedTrainer: a checkpoint's shard " + std::to_string(model_.owned().first + i) +
                                    " has " + std::to_string(state.parameters.size()) + " parameters, expected " +
                                    std::to_string(shard.parameters().size()));
      shard.parameters() = state.parameters;
      best_[std::size_t(i)] = state.best;
      set_optimizer_state(std::size_t(i), std::move(state.optimizer));
    }
    model_.replicated_from_shards();
    model_.set_noise_step(states[0].noise_step);
    set_optimizer_state(best_.size(), std::move(states[0].replicated_optimizer));
    history_ = std::move(history);
  }

 private:
  TrainReport resumed() const {
    TrainReport report;
    report.history = history_;
    for (const EpochReport& e : history_)
      if (e.best) {
        report.best_epoch = e.epoch;
        report.best_validation_rmse = e.validation_rmse;
      }
    return report;
  }

  // Optimizer j: owned shard j's, or (j = shards owned) the replicated parameters'. Each
  // steps its part alone, which only an elementwise (separable) optimizer may.
  void add_optimizer(const std::vector<ParameterGroup>& groups, Index size) {
    optimizers_.push_back(make_optimizer(options_, groups, size));
    if (!optimizers_.back()->separable())
      throw std::invalid_argument("ShardedTrainer: the sharded trainer steps each shard's parameters alone, which '" +
                                  options_.optimizer + "' cannot (it couples all parameters): use adam or rprop");
  }
  void step_optimizer(std::size_t j, Eigen::Ref<Vector<Scalar>> parameters,
                      const Eigen::Ref<const Vector<Scalar>>& gradient) {
    optimizers_.at(j)->step(parameters, gradient, 0, [] { return 0.0; });
  }
  std::vector<Vector<Scalar>> optimizer_state(std::size_t j) const { return optimizers_.at(j)->state(); }
  void set_optimizer_state(std::size_t j, std::vector<Vector<Scalar>> state) {
    optimizers_.at(j)->set_state(std::move(state));
  }

  // One epoch: every shard steps its own parameters on each batch.
  double pass(const TrainCallbacks& callbacks) {
    const int count = model_.owned().count();
    double squared_error = 0;
    auto step = [&](const std::vector<SparseBatch<Scalar>>& batches, Scalar share) {
      squared_error += pass_ready_ ? pass_error_ : model_.loss_and_gradient(batches, reducer_, share);
      pass_ready_ = false;
      for (int i = 0; i < count; ++i) step_optimizer(std::size_t(i), model_.shard(i).parameters(), model_.shard_gradient(i));
      Network<Scalar>& core = model_.core();
      const Index offset = core.replicated_offset(), size = core.replicated_size();
      step_optimizer(best_.size(), core.parameters().segment(offset, size), model_.core_gradient().segment(offset, size));
      model_.mirror_replicated();
    };
    if (full_batch_) {
      step(whole_, Scalar(1));
      return squared_error;
    }
    std::vector<int> order(static_cast<std::size_t>(vectors_));
    for (Index j = 0; j < vectors_; ++j) order[std::size_t(j)] = int(j);
    Random(mix64(options_.seed ^ mix64(history_.size() + 1))).shuffle(order);
    const Index batches = (vectors_ + options_.batch_size - 1) / options_.batch_size;
    std::vector<SparseBatch<Scalar>> parts(static_cast<std::size_t>(count));
    for (Index b = 0; b < batches; ++b) {
      const std::vector<int> columns(order.begin() + b * options_.batch_size,
                                     order.begin() + std::min(vectors_, (b + 1) * options_.batch_size));
      for (int i = 0; i < count; ++i)
        parts[std::size_t(i)] = SparseBatch<Scalar>(gather_columns(data_.inputs[std::size_t(i)], columns));
      // The regulariser is spread over the epoch: each batch adds its share of it.
      step(parts, Scalar(double(columns.size()) / double(vectors_)));
      if (callbacks.on_progress) callbacks.on_progress(double(b + 1) / double(batches));
    }
    return squared_error;
  }

  ShardedNetwork<Scalar>& model_;
  const ShardedData<Scalar>& data_;
  PredictionRules rules_;
  TrainOptions<Scalar> options_;
  ShardReducer<Scalar>& reducer_;
  Index vectors_ = 0;
  bool full_batch_ = false;
  std::vector<std::unique_ptr<Optimizer<Scalar>>> optimizers_;
  std::vector<SparseBatch<Scalar>> whole_;
  std::vector<Vector<Scalar>> best_;
  std::vector<EpochReport> history_;
  bool pass_ready_ = false;  // the shards hold the full batch's pass at their parameters
  double pass_error_ = 0;    // and its squared error
};

}  // namespace autorec
