#pragma once
// A network whose inputs are split over shards (users for I-AutoRec, items for U-AutoRec),
// of which this rank holds some: one Network over each owned shard's inputs, holding that
// shard's V_s (k1 x d_s), W_s (d_s x kn) and b_s, plus mu and the stages, which are the same
// on every shard (replicated). For shards s and a batch of B vectors X_s (d_s x B):
//
//   Z1 = sum_s V_s X_s + mu 1^T        k1 x B    one sum over shards
//   H  = stages(Z1)                    kn x B    on every rank alike (core())
//   L_s = |f(W_s H + b_s) - X_s|^2 on Omega_s; dW_s, db_s; dH_s = W_s^T dO_s (kn x B)
//   dH = sum_s dH_s                    kn x B    the second sum over shards
//   dZ1 = stages'(dH); dmu = dZ1 1; dV_s = dZ1 X_s^T; the stages' gradients
//
// So a pass communicates 2 B (k1 + kn) floats per shard whatever the number of inputs. The
// replicated parameters live in core(), a network over one input whose only role is mu and
// the stages: every rank runs them alike there, at an offset that is the same on every rank
// (in a shard's network the offset, so the alignment that Eigen's and the compiler's vector
// loops see, and with them the rounding, would depend on the shard), and each shard's copy
// mirrors core()'s. The sums run in shard order (ShardReducer): results are the same on any
// number of ranks, for the same threads per rank.
//
// Kernelised ends (layers/local_kernel.hpp) split the same way. The input layer's kernel
// K_in (k1 x d) pairs the input units' embeddings A_in (dims x d: shard s holds its columns
// A_in,s) with the first hidden units' C_in (dims x k1, replicated), so shard s forms its own
// columns K_in,s = k(C_in, A_in,s) and acts with V_s .* K_in,s; the output layer's K_out
// (d x kn) likewise pairs the last hidden units' A_out (replicated) with the output units'
// C_out,s. dA_in,s and dC_out,s are the shard's own; dC_in and dA_out are sums of every
// shard's part, a third sum over shards of dims (k1 + kn) floats per pass. |K|^2 is the sum
// of the shards'. Kernelised stages run in core() as the stages do.
//
// Network::input_runs() says which runs of a layout are per input unit (a shard's) and which
// are replicated; the replicated ones, laid end to end, are the part that core() steps.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/sharding/reducer.hpp"
#include "autorec/sharding/shard_layout.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/kernels/noise.hpp"
#include "autorec/model/network.hpp"
#include "autorec/train/training_pass.hpp"

namespace autorec {

template <typename Scalar = float>
class ShardedNetwork {
 public:
  using Options = typename Network<Scalar>::Options;

  /// The shards `owned` of `architecture` split by `layout`. Each shard's V_s, W_s and b_s
  /// are drawn from the shard's own seed and the replicated parameters from options.seed, so
  /// the start does not depend on the number of ranks either.
  ShardedNetwork(const Architecture& architecture, const Options& options, ShardLayout layout,
                 ShardLayout::Range owned)
      : architecture_(squared_error_on_raw_input(architecture)), options_(options), layout_(layout), owned_(owned),
        core_(one_input(architecture), options),
        core_pass_(core_) {
    if (architecture.inputs != layout.inputs)
      throw std::invalid_argument("ShardedNetwork: the layout splits " + std::to_string(layout.inputs) +
                                  " inputs, the network has " + std::to_string(architecture.inputs));
    if (owned.first < 0 || owned.first >= owned.last || owned.last > layout.shards)
      throw std::invalid_argument("ShardedNetwork: owned shards [" + std::to_string(owned.first) + ", " +
                                  std::to_string(owned.last) + ") outside 0.." + std::to_string(layout.shards));
    for (int s = owned.first; s < owned.last; ++s) {
      Architecture part = architecture;
      part.inputs = layout.size(s);
      shards_.emplace_back(part, options).initialize(mix64(options.seed ^ mix64(std::uint64_t(s) + 1)));
    }
    for (const Network<Scalar>& shard : shards_) shard_passes_.emplace_back(shard);
    for (const typename Network<Scalar>::InputRun& run : core_.input_runs())
      if (run.replicated()) {
        for (const ParameterGroup& group : core_.parameter_groups()) {  // a kernel's [A | C] spans two runs
          const Index first = std::max(group.offset, run.offset);
          const Index last = std::min(group.offset + group.size, run.offset + run.size);
          if (first < last) replicated_groups_.push_back({first - run.offset + replicated_size_, last - first, group.decays});
        }
        replicated_size_ += run.size;
        if (run.summed) summed_size_ += run.size;
      }
    mirror_replicated();
    parts_.resize(shards_.size());
    summed_parts_.resize(shards_.size());
    errors_.resize(shards_.size());
  }

  const Architecture& architecture() const { return architecture_; }
  const ShardLayout& layout() const { return layout_; }
  ShardLayout::Range owned() const { return owned_; }
  /// The network of owned shard owned().first + i.
  Network<Scalar>& shard(int i) { return shards_.at(std::size_t(i)); }
  const Network<Scalar>& shard(int i) const { return shards_.at(std::size_t(i)); }
  /// The replicated parameters' network (its inputs' V, W and b are unused).
  Network<Scalar>& core() { return core_; }
  /// Copies core()'s replicated parameters into every shard's network.
  void mirror_replicated() {
    for (Network<Scalar>& shard : shards_) {
      Vector<Scalar>& values = shard.parameters();
      for_replicated(shard, core_, [&](Index at, Index from, Index size) {
        values.segment(at, size) = std::as_const(core_).parameters().segment(from, size);
      });
    }
  }
  /// The reverse, from the first owned shard: after its parameters were set (a checkpoint,
  /// the best epoch's).
  void replicated_from_shards() {
    Vector<Scalar>& values = core_.parameters();
    for_replicated(core_, shards_.front(), [&](Index at, Index from, Index size) {
      values.segment(at, size) = std::as_const(shards_.front()).parameters().segment(from, size);
    });
  }

  /// The replicated parameters (the replicated input runs, end to end): how many, and
  /// their layout groups there.
  Index replicated_size() const { return replicated_size_; }
  const std::vector<ParameterGroup>& replicated_groups() const { return replicated_groups_; }
  /// core()'s replicated parameters into `packed` (replicated_size()).
  void read_replicated(Eigen::Ref<Vector<Scalar>> packed) const { pack(core_, core_.parameters(), packed); }
  /// `packed` into core()'s replicated parameters, and every shard's copy.
  void write_replicated(const Eigen::Ref<const Vector<Scalar>>& packed) {
    Vector<Scalar>& values = core_.parameters();
    for_replicated_runs(core_, [&](const auto& run, Index at) { values.segment(run.offset, run.size) = packed.segment(at, run.size); });
    mirror_replicated();
  }
  /// The gradient of the replicated parameters from the last loss_and_gradient, packed.
  void read_replicated_gradient(Eigen::Ref<Vector<Scalar>> packed) const { pack(core_, core_pass_.gradient(), packed); }
  /// The gradient of owned shard owned().first + i's parameters from the last
  /// loss_and_gradient: zero on its copy of the replicated ones (read_replicated_gradient).
  const Vector<Scalar>& shard_gradient(int i) const { return shard_passes_.at(std::size_t(i)).gradient(); }
  /// The code H (kn x B) of the last loss_and_gradient.
  const Matrix<Scalar>& code() const { return core_pass_.code(); }
  /// The dropout noise step of the next pass (TrainingPass::noise_step), the same on every shard.
  std::uint64_t noise_step() const { return core_pass_.noise_step(); }
  void set_noise_step(std::uint64_t step) {
    core_pass_.set_noise_step(step);
    for (TrainingPass<Scalar>& pass : shard_passes_) pass.set_noise_step(step);
  }

  /// One training pass on `batches` (owned shard i's rows of the batch, d_s x B, all with
  /// the same B columns): fills each shard's gradient (of its V_s, W_s, b_s) and core()'s
  /// (of the replicated parameters), and returns the squared error summed over all shards
  /// (network units). `share` as in TrainingPass::loss_and_gradient.
  double loss_and_gradient(const std::vector<SparseBatch<Scalar>>& batches, ShardReducer<Scalar>& reducer,
                           Scalar share = Scalar(1)) {
    require_parts(batches.size());
    const std::uint64_t step = core_pass_.begin(core_);
    std::vector<const SparseBatch<Scalar>*> inputs(shards_.size());
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      TrainingPass<Scalar>& pass = shard_passes_[i];
      pass.begin(shards_[i]);
      inputs[i] = &pass.training_input(shards_[i], batches[i], step, std::uint64_t(owned_.first) + i + 1);
      pass.input_product(shards_[i], inputs[i]->by_column, parts_[i]);
    }
    reducer.sum(parts_, sum_);
    const Matrix<Scalar>& code = core_pass_.forward_code(core_, sum_, step);
    for (std::size_t i = 0; i < shards_.size(); ++i)
      errors_[i] = double(shard_passes_[i].decode_and_backward(shards_[i], code, batches[i], parts_[i]));
    reducer.sum(parts_, sum_);
    const Matrix<Scalar>& first_gradient = core_pass_.backward_code(core_, sum_);
    using Part = typename TrainingPass<Scalar>::Part;
    objectives_.resize(shards_.size());
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      TrainingPass<Scalar>& pass = shard_passes_[i];
      pass.accumulate_input_gradient(shards_[i], inputs[i]->by_row, first_gradient);
      // The kernels first: they read dL/d(W .* K), which the weight decay is not part of.
      objectives_[i] = errors_[i] + double(pass.backward_kernels(shards_[i], share, Part::sharded));
      objectives_[i] += double(pass.regularize(shards_[i], share, Part::sharded));
    }
    sum_shared_gradients(reducer);
    // The replicated parameters' penalties count once: in shard 0's part, whoever owns it.
    double replicated_penalty = double(core_pass_.backward_kernels(core_, share, Part::replicated));
    replicated_penalty += double(core_pass_.regularize(core_, share, Part::replicated));
    replicated_penalty += double(core_.stage_penalties());
    if (owned_.first == 0) objectives_[0] += replicated_penalty;
    objective_ = reducer.sum(objectives_);
    return reducer.sum(errors_);
  }
  /// The objective of the last loss_and_gradient over all shards: its squared error plus
  /// share times the weight penalty, (lambda / 2) |w|^2, and the stages' own terms (what its
  /// gradients are of).
  double last_objective() const { return objective_; }

  /// Sums of the prediction errors over all shards, in rating units.
  struct ErrorSums {
    double squared = 0, absolute = 0;
  };
  /// Predictions at the stored entries of `truth` (owned shard i's rows, d_s x B, values:
  /// the true ratings in rating units) from the inputs `inputs` (network units), made as
  /// PredictionRules say, against the truth.
  ErrorSums errors_at(const std::vector<SparseColumns<Scalar>>& inputs, const std::vector<SparseColumns<Scalar>>& truth,
                      const PredictionRules& rules, ShardReducer<Scalar>& reducer) {
    require_parts(inputs.size());
    for (std::size_t i = 0; i < shards_.size(); ++i) shard_passes_[i].input_product(shards_[i], inputs[i], parts_[i]);
    reducer.sum(parts_, sum_);
    trace_.resize(1);
    trace_[0] = sum_;
    trace_[0].colwise() += core_.input_layer().bias(core_.parameters().data());
    core_.forward_hidden(trace_);
    return errors_of(trace_.back(), truth, rules, reducer);
  }
  /// The same from a code H (kn x B) already made for those inputs: code() after a pass
  /// over them, when the network trains deterministically.
  ErrorSums errors_of(const Matrix<Scalar>& code, const std::vector<SparseColumns<Scalar>>& truth,
                      const PredictionRules& rules, ShardReducer<Scalar>& reducer) {
    require_parts(truth.size());
    std::vector<double> absolute(shards_.size());
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      shards_[i].decode_at(code, truth[i], values_);
      const Scalar* target = truth[i].valuePtr();
      errors_[i] = absolute[i] = 0;
      for (Index p = 0; p < values_.size(); ++p) {
        const double difference = double(rules.rating(float(values_[p]))) - double(target[p]);
        errors_[i] += difference * difference;
        absolute[i] += std::abs(difference);
      }
    }
    ErrorSums sums;
    sums.squared = reducer.sum(errors_);
    sums.absolute = reducer.sum(absolute);
    return sums;
  }

  /// The whole network from every shard's parameters (in shard order): what the
  /// single-machine programs load. [V | mu | stages | W | b] with V and W the shards'
  /// concatenated and mu and the stages from shard 0.
  static Network<Scalar> gathered(const Architecture& architecture, const Options& options, const ShardLayout& layout,
                                  const std::vector<Vector<Scalar>>& parts) {
    if (int(parts.size()) != layout.shards)
      throw std::invalid_argument("ShardedNetwork::gathered: " + std::to_string(parts.size()) + " parts for " +
                                  std::to_string(layout.shards) + " shards");
    Network<Scalar> whole(architecture, options);
    Vector<Scalar>& theta = whole.parameters();
    const auto& runs = whole.input_runs();
    for (int s = 0; s < layout.shards; ++s) {
      Architecture part = architecture;
      part.inputs = layout.size(s);
      const Index d_s = part.inputs, begin = layout.begin(s);
      const Vector<Scalar>& p = parts[std::size_t(s)];
      if (p.size() != Network<Scalar>::parameter_count(part))
        throw std::invalid_argument("ShardedNetwork::gathered: shard " + std::to_string(s) + " has " +
                                    std::to_string(p.size()) + " parameters, expected " +
                                    std::to_string(Network<Scalar>::parameter_count(part)));
      const auto shard_runs = Network<Scalar>::input_runs(part);
      for (std::size_t r = 0; r < runs.size(); ++r) {
        const Index width = runs[r].per_input;
        if (width > 0)
          theta.segment(runs[r].offset + begin * width, d_s * width) = p.segment(shard_runs[r].offset, d_s * width);
        else if (s == 0)
          theta.segment(runs[r].offset, runs[r].size) = p.segment(shard_runs[r].offset, runs[r].size);
      }
    }
    return whole;
  }

 private:
  // A normalised column needs its whole norm, and the multinomial loss all outputs at once.
  static const Architecture& squared_error_on_raw_input(const Architecture& architecture) {
    if (!architecture.squared_error_on_raw_input())
      throw std::invalid_argument("ShardedNetwork: the sharded pass is AutoRec's squared error on raw inputs; " +
                                  architecture.describe() + " trains on one machine only");
    return architecture;
  }
  static Architecture one_input(Architecture architecture) {
    architecture.inputs = 1;
    return architecture;
  }
  // f(offset in `to`, offset in `from`, size) for each replicated run: two networks of one
  // architecture over different inputs have the same runs at different offsets.
  template <typename F>
  static void for_replicated(const Network<Scalar>& to, const Network<Scalar>& from, F&& f) {
    const auto& to_runs = to.input_runs();
    const auto& from_runs = from.input_runs();
    for (std::size_t r = 0; r < to_runs.size(); ++r)
      if (to_runs[r].replicated()) f(to_runs[r].offset, from_runs[r].offset, to_runs[r].size);
  }
  // f(run, its offset when the runs of `net` that `selected` picks are laid end to end).
  template <typename Selected, typename F>
  static void for_packed_runs(const Network<Scalar>& net, Selected&& selected, F&& f) {
    Index at = 0;
    for (const auto& run : net.input_runs())
      if (selected(run)) {
        f(run, at);
        at += run.size;
      }
  }
  static bool is_replicated(const typename Network<Scalar>::InputRun& run) { return run.replicated(); }
  static bool is_summed(const typename Network<Scalar>::InputRun& run) { return run.summed; }
  template <typename F>
  static void for_replicated_runs(const Network<Scalar>& net, F&& f) {
    for_packed_runs(net, is_replicated, f);
  }
  static void pack(const Network<Scalar>& net, const Vector<Scalar>& values, Eigen::Ref<Vector<Scalar>> packed) {
    for_replicated_runs(net, [&](const auto& run, Index at) { packed.segment(at, run.size) = values.segment(run.offset, run.size); });
  }
  // The end kernels' hidden-side embeddings (the summed runs) take a part of their gradient
  // from each shard: those parts are summed over shards, in shard order, into core()'s
  // gradient, and cleared in the shard's (no other replicated run of a shard's gradient is
  // ever written: the shards' passes run the ends alone).
  void sum_shared_gradients(ShardReducer<Scalar>& reducer) {
    if (summed_size_ == 0) return;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      summed_parts_[i].resize(summed_size_, 1);
      Vector<Scalar>& gradient = shard_passes_[i].gradient();
      for_packed_runs(shards_[i], is_summed, [&](const auto& run, Index at) {
        summed_parts_[i].col(0).segment(at, run.size) = gradient.segment(run.offset, run.size);
        gradient.segment(run.offset, run.size).setZero();
      });
    }
    reducer.sum(summed_parts_, summed_sum_);
    for_packed_runs(core_, is_summed, [&](const auto& run, Index at) {
      core_pass_.gradient().segment(run.offset, run.size) += summed_sum_.col(0).segment(at, run.size);
    });
  }
  void require_parts(std::size_t count) const {
    if (count != shards_.size())
      throw std::invalid_argument("ShardedNetwork: " + std::to_string(count) + " parts for " +
                                  std::to_string(shards_.size()) + " owned shards");
  }

  Architecture architecture_;
  Options options_;
  ShardLayout layout_;
  ShardLayout::Range owned_;
  Network<Scalar> core_;
  std::vector<Network<Scalar>> shards_;
  TrainingPass<Scalar> core_pass_;  // the replicated parameters' gradient, and the code
  std::vector<TrainingPass<Scalar>> shard_passes_;
  Index replicated_size_ = 0, summed_size_ = 0;
  std::vector<ParameterGroup> replicated_groups_;  // in the packed replicated parameters
  // Work space of the passes.
  std::vector<Matrix<Scalar>> parts_, trace_, summed_parts_;
  Matrix<Scalar> summed_sum_;
  std::vector<double> errors_, objectives_;  // each owned shard's part
  double objective_ = 0;
  Matrix<Scalar> sum_;
  Vector<Scalar> values_;
};

}  // namespace autorec
