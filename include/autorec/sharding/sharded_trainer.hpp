#pragma once
// The training loop of a ShardedNetwork: the single-machine trainer's epochs (run_epochs),
// optimizers and early stopping, with each rank stepping its own shards' parameters. The
// minibatch order of epoch e is drawn from (seed, e) alone, so a run resumed from a
// checkpoint (state(), restore()) continues exactly as one that never stopped. As in the
// single-machine trainer, a full batch whose layers draw no noise validates from the next
// pass's codes instead of encoding again.
//
// An elementwise optimizer (Adam, RProp) steps each owned shard's parameters, and the
// replicated ones, on its own. A coupled one (L-BFGS) steps one vector, this rank's part of
// the whole,
//
//   theta_rank = [ shard s's parameters for each owned s | the replicated parameters ]
//
// (a shard's copy of the replicated ones has a zero gradient there and never moves), with
// the objective of all shards and inner products summed over all shards in shard order (the
// replicated part's with shard 0's), so every rank takes the same steps and the run is the
// same on any number of ranks. Its checkpoint state is split the same way: each shard keeps
// its segment of every parameter-sized state vector, so a run may resume on other ranks.

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
    std::vector<std::vector<ParameterGroup>> groups;  // part j: owned shard j's, then the replicated ones
    for (int i = 0; i < count; ++i) {
      const Network<Scalar>& shard = model.shard(i);
      groups.push_back(shard.parameter_groups());
      segment_begin_.push_back(i == 0 ? 0 : segment_begin_.back() + model.shard(i - 1).parameters().size());
      best_.push_back(shard.parameters());
    }
    // The replicated parameters step in core() (sharded_network.hpp), then every shard
    // mirrors them.
    groups.push_back(model.replicated_groups());
    segment_begin_.push_back(segment_begin_.back() + model.shard(count - 1).parameters().size());
    segment_begin_.push_back(segment_begin_.back() + model.replicated_size());
    replicated_.resize(model.replicated_size());
    replicated_gradient_.resize(model.replicated_size());
    make_optimizers(groups);
    full_batch_ = optimizers_.front()->full_batch() || options.batch_size >= vectors_;
    if (full_batch_)
      for (int i = 0; i < count; ++i) whole_.emplace_back(data.inputs[std::size_t(i)]);
  }

  // A coupled optimizer's inner product calls back into this trainer: it stays where it is.
  ShardedTrainer(const ShardedTrainer&) = delete;
  ShardedTrainer& operator=(const ShardedTrainer&) = delete;

  /// Trains from where the last restore() left off (or from the start), and leaves the model
  /// at the best epoch's parameters. callbacks.on_epoch runs after the epoch's best is kept,
  /// so a checkpoint written there holds it.
  TrainReport run(const TrainCallbacks& callbacks = {}) {
    TrainCallbacks wrapped = stopping_when_converged(callbacks, *optimizers_.front());
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
          if (reuse_pass && pass_ready_) {  // L-BFGS's step ended with a pass at its new point
            error = model_.errors_of(model_.code(), data_.validation, rules_, reducer_).squared;
          } else if (reuse_pass && int(history_.size()) + 1 < options_.epochs) {
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
  /// What a checkpoint keeps of each owned shard, handed to write(i, state) for i = 0, 1, ...
  /// one at a time, so that no more than one shard's copy is held besides the optimizer's
  /// (L-BFGS's history is its size times the parameters').
  template <typename Write>
  void write_states(Write&& write) const {
    std::vector<Vector<Scalar>> joint;  // a coupled optimizer's, copied once
    if (steps_jointly()) joint = optimizers_.front()->state();
    auto part = [&](std::size_t j) { return steps_jointly() ? segment_of(joint, j) : optimizers_.at(j)->state(); };
    const std::vector<Vector<Scalar>> replicated = part(best_.size());
    for (std::size_t i = 0; i < best_.size(); ++i)
      write(int(i), ShardState{model_.shard(int(i)).parameters(), best_[i], part(i), replicated, model_.noise_step()});
  }
  /// The same, all at once: what restore() takes back.
  std::vector<ShardState> states() const {
    std::vector<ShardState> states;
    write_states([&](int, ShardState state) { states.push_back(std::move(state)); });
    return states;
  }
  /// Whether one coupled optimizer steps all parameters (L-BFGS), not one per part.
  bool steps_jointly() const { return packed_.size() > 0; }
  /// Continues from a checkpoint: the epochs it ran and each owned shard's state.
  void restore(std::vector<EpochReport> history, std::vector<ShardState> states) {
    if (int(states.size()) != model_.owned().count())
      throw std::invalid_argument("ShardedTrainer: a checkpoint of " + std::to_string(states.size()) +
                                  " shards for " + std::to_string(model_.owned().count()) + " owned ones");
    std::vector<std::vector<Vector<Scalar>>> optimizer_parts;
    for (int i = 0; i < model_.owned().count(); ++i) {
      ShardState& state = states[std::size_t(i)];
      Network<Scalar>& shard = model_.shard(i);
      if (state.parameters.size() != shard.parameters().size() || state.best.size() != shard.parameters().size())
        throw std::invalid_argument("ShardedTrainer: a checkpoint's shard " + std::to_string(model_.owned().first + i) +
                                    " has " + std::to_string(state.parameters.size()) + " parameters, expected " +
                                    std::to_string(shard.parameters().size()));
      shard.parameters() = state.parameters;
      best_[std::size_t(i)] = state.best;
      optimizer_parts.push_back(std::move(state.optimizer));
    }
    model_.replicated_from_shards();
    model_.set_noise_step(states[0].noise_step);
    optimizer_parts.push_back(std::move(states[0].replicated_optimizer));
    set_optimizer_state(std::move(optimizer_parts));
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

  // Elementwise optimizers: optimizer j steps part j (owned shard j's parameters, or for j =
  // shards owned the replicated ones) alone. A coupled one: one optimizer over packed_.
  void make_optimizers(const std::vector<std::vector<ParameterGroup>>& groups) {
    optimizers_.push_back(make_optimizer(options_, groups[0], part_size(0)));
    if (optimizers_.front()->separable()) {
      for (std::size_t j = 1; j < groups.size(); ++j) optimizers_.push_back(make_optimizer(options_, groups[j], part_size(j)));
      return;
    }
    std::vector<ParameterGroup> packed_groups;
    for (std::size_t j = 0; j < groups.size(); ++j)
      for (const ParameterGroup& group : groups[j])
        packed_groups.push_back({group.offset + segment_begin_[j], group.size, group.decays});
    optimizers_.front() = make_optimizer(options_, packed_groups, segment_begin_.back());
    optimizers_.front()->set_inner_product(
        [this](const Eigen::Ref<const Vector<Scalar>>& a, const Eigen::Ref<const Vector<Scalar>>& b) {
          return inner_product(a, b);
        });
    packed_.resize(segment_begin_.back());
    packed_gradient_.resize(segment_begin_.back());
  }
  Index part_size(std::size_t j) const { return segment_begin_[j + 1] - segment_begin_[j]; }

  // sum_i a_i b_i over every shard's part and the replicated part, in shard order.
  double inner_product(const Eigen::Ref<const Vector<Scalar>>& a, const Eigen::Ref<const Vector<Scalar>>& b) {
    const std::size_t count = best_.size();
    std::vector<double> own(count);
    for (std::size_t i = 0; i < count; ++i)
      own[i] = ordered_dot(a.segment(segment_begin_[i], part_size(i)), b.segment(segment_begin_[i], part_size(i)));
    if (model_.owned().first == 0)
      own[0] += ordered_dot(a.segment(segment_begin_[count], part_size(count)),
                            b.segment(segment_begin_[count], part_size(count)));
    return reducer_.sum(own);
  }
  void pack_parameters() {
    const std::size_t count = best_.size();
    for (std::size_t i = 0; i < count; ++i) packed_.segment(segment_begin_[i], part_size(i)) = model_.shard(int(i)).parameters();
    model_.read_replicated(packed_.segment(segment_begin_[count], part_size(count)));
  }
  void unpack_parameters() {
    const std::size_t count = best_.size();
    for (std::size_t i = 0; i < count; ++i) model_.shard(int(i)).parameters() = packed_.segment(segment_begin_[i], part_size(i));
    model_.write_replicated(packed_.segment(segment_begin_[count], part_size(count)));
  }
  void pack_gradient() {
    const std::size_t count = best_.size();
    for (std::size_t i = 0; i < count; ++i) packed_gradient_.segment(segment_begin_[i], part_size(i)) = model_.shard_gradient(int(i));
    model_.read_replicated_gradient(packed_gradient_.segment(segment_begin_[count], part_size(count)));
  }

  // Part j's share of a coupled optimizer's state (owned shard j's, or for j = shards owned
  // the replicated part's): its parameter-sized vectors are cut into each part's segment;
  // any other vector (L-BFGS's counters) is kept whole with the replicated part and empty
  // in the shards'.
  std::vector<Vector<Scalar>> segment_of(const std::vector<Vector<Scalar>>& joint, std::size_t j) const {
    std::vector<Vector<Scalar>> part;
    for (const Vector<Scalar>& v : joint)
      if (v.size() == packed_.size())
        part.emplace_back(v.segment(segment_begin_[j], part_size(j)));
      else
        part.push_back(j < best_.size() ? Vector<Scalar>() : v);
    return part;
  }
  void set_optimizer_state(std::vector<std::vector<Vector<Scalar>>> parts) {
    if (!steps_jointly()) {
      for (std::size_t j = 0; j < parts.size(); ++j) optimizers_.at(j)->set_state(std::move(parts[j]));
      return;
    }
    const std::vector<Vector<Scalar>>& replicated = parts.back();
    for (const auto& part : parts)
      if (part.size() != replicated.size())
        throw std::invalid_argument("ShardedTrainer: a checkpoint's optimizer state has " + std::to_string(part.size()) +
                                    " vectors in one shard and " + std::to_string(replicated.size()) + " in another");
    std::vector<Vector<Scalar>> whole;
    for (std::size_t k = 0; k < replicated.size(); ++k) {
      if (parts[0][k].size() == 0) {  // kept whole
        whole.push_back(replicated[k]);
        continue;
      }
      Vector<Scalar> vector(packed_.size());
      for (std::size_t j = 0; j < parts.size(); ++j) {
        if (parts[j][k].size() != part_size(j))
          throw std::invalid_argument("ShardedTrainer: a checkpoint's optimizer vector of " +
                                      std::to_string(parts[j][k].size()) + " values for a part of " +
                                      std::to_string(part_size(j)));
        vector.segment(segment_begin_[j], part_size(j)) = parts[j][k];
      }
      whole.push_back(std::move(vector));
    }
    optimizers_.front()->set_state(std::move(whole));
  }

  // Every owned shard's parameters and the replicated ones, each part by its own optimizer.
  void step_separately() {
    const int count = model_.owned().count();
    for (int i = 0; i < count; ++i)
      optimizers_.at(std::size_t(i))->step(model_.shard(i).parameters(), model_.shard_gradient(i), 0, [] { return 0.0; });
    model_.read_replicated(replicated_);
    model_.read_replicated_gradient(replicated_gradient_);
    optimizers_.at(best_.size())->step(replicated_, replicated_gradient_, 0, [] { return 0.0; });
    model_.write_replicated(replicated_);
  }
  // All of them by the one coupled optimizer, which may evaluate the objective again.
  void step_jointly(const std::vector<SparseBatch<Scalar>>& batches, Scalar share) {
    Optimizer<Scalar>& optimizer = *optimizers_.front();
    pack_parameters();
    pack_gradient();
    optimizer.step(packed_, packed_gradient_, model_.last_objective(), [&] {
      unpack_parameters();
      pass_error_ = model_.loss_and_gradient(batches, reducer_, share);
      pack_gradient();
      return model_.last_objective();
    });
    // An optimizer that ends evaluated at its new point has unpacked it in that evaluation.
    if (!optimizer.leaves_evaluation()) unpack_parameters();
    pass_ready_ = full_batch_ && optimizer.leaves_evaluation();
  }

  // One epoch: every shard steps its own parameters on each batch.
  double pass(const TrainCallbacks& callbacks) {
    const int count = model_.owned().count();
    double squared_error = 0;
    auto step = [&](const std::vector<SparseBatch<Scalar>>& batches, Scalar share) {
      if (!pass_ready_) pass_error_ = model_.loss_and_gradient(batches, reducer_, share);
      pass_ready_ = false;
      squared_error += pass_error_;
      if (steps_jointly())
        step_jointly(batches, share);
      else
        step_separately();
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
  std::vector<Index> segment_begin_;  // part j of theta_rank: [segment_begin_[j], segment_begin_[j + 1])
  Vector<Scalar> packed_, packed_gradient_;  // theta_rank and its gradient, for a coupled optimizer
  Vector<Scalar> replicated_, replicated_gradient_;  // the replicated part, for an elementwise one
  std::vector<SparseBatch<Scalar>> whole_;
  std::vector<Vector<Scalar>> best_;
  std::vector<EpochReport> history_;
  bool pass_ready_ = false;  // the shards hold the full batch's pass at their parameters
  double pass_error_ = 0;    // and its squared error
};

}  // namespace autorec
