#pragma once
// A training pass over a network: the objective and its gradient on a batch, and everything
// training adds to the network's prediction (model/network.hpp gives the equations):
//   the gradient        one flat vector in the network's parameter layout
//   the workspace       Z1 and every stage's output of the last forward, dL/d of each, the
//                       input's normalised and input-dropped copies, the kernels' scratch
//   bfloat16 copies     of V and W, made at the start of each step (Options::bf16_weights)
//   the noise step      dropout masks are drawn from (network seed, step, layer); each step
//                       advances it, and setting it replays a step's masks
// The network holds its architecture, its parameters and its prediction; a pass holds this,
// for one network (its layout is checked on every call), and is kept by the trainer across
// steps so the workspace is allocated once. Layers keep their own per-batch caches (a
// Dropout layer's mask, a Gaussian layer's noise; docs/extending.md), so a network is
// trained by one pass at a time, and a network that only predicts allocates none of this.
//
//   TrainingPass<float> pass(network);
//   const float loss = pass.loss_and_gradient(network, batch);   // fills pass.gradient()
//   adam.step(network.parameters(), pass.gradient());
//
// For a trainer that splits the inputs over shards (sharding/), the pass in phases; each
// shard is a network over its own inputs with its own pass, and the lead shard's pass runs
// the replicated parameters (mu and the stages) on the sums over shards:
//   step = begin(net);  P_s = input_product(net_s, training_input(net_s, X_s, step, s))
//   H = forward_code(net, sum of P_s, step)                  (the lead)
//   L_s = decode_and_backward(net_s, H, X_s, dH_s)           (dW_s, db_s)
//   dZ1 = backward_code(net, sum of dH_s)                    (the lead: stages, dmu)
//   accumulate_input_gradient(net_s, X_s, dZ1)               (dV_s)
//   regularize(net_s, share, part); backward_kernels(net_s, share, part)

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/kernels/lanes.hpp"
#include "autorec/kernels/noise.hpp"
#include "autorec/loss/squared_error.hpp"
#include "autorec/model/network.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class TrainingPass {
 public:
  using Net = Network<Scalar>;

  /// A pass for `network`: with its Options::bf16_weights, V and W are read as bfloat16.
  explicit TrainingPass(const Network<Scalar>& network)
      : count_(network.count_), bf16_(network.options().bf16_weights ? bf16_size(network) : 0) {
    values_.resize(network.stages_.size() + 1);
  }

  /// The gradient of the last loss_and_gradient (or of the phases since the last begin).
  const Vector<Scalar>& gradient() const { return gradient_; }
  Vector<Scalar>& gradient() { return gradient_; }
  /// The data term of the last loss_and_gradient: the sum of squared errors on observed
  /// entries (or the output loss's own, such as the multinomial negative log-likelihood).
  Scalar last_data_term() const { return data_term_; }
  /// The code H (kn x B) of the last training forward, at the parameters it ran with. It is
  /// encode() of the batch when the network trains_deterministically() (with bf16_weights,
  /// as read through the pass's bfloat16 V).
  const Matrix<Scalar>& code() const { return values_.back(); }
  /// Dropout masks are drawn from (seed, noise step); every step advances it. Setting it
  /// replays a step's masks (gradient checks do; checkpoints restore it).
  std::uint64_t noise_step() const { return noise_step_; }
  void set_noise_step(std::uint64_t step) { noise_step_ = step; }

  /// Objective and gradient on a sparse batch (d x B, the stored entries are the observed
  /// ratings), in O(nnz k): the input layer reads only nonzeros and the output layer is
  /// evaluated only at observed entries. Fills gradient(); returns L.
  Scalar loss_and_gradient(Net& net, const SparseBatch<Scalar>& batch, Scalar share = Scalar(1)) {
    net.require_inputs(batch.rows());
    const std::uint64_t step = begin(net);
    const SparseBatch<Scalar>& input = training_input(net, batch, step);
    // Z1 = V X + mu 1^T (k1 x B), then each stage: values_[s + 1] = stage_s(values_[s])
    net.input_layer_.forward(net.effective(0), input.by_column, values_[0], bf16_v());
    forward_stages(net, step);
    // O = W H + b 1^T on Omega only, A = f(O), L = |A - X|^2 on Omega; dH = W^T dO (kn x B);
    // dW += dO H^T; db += dO 1
    data_term_ = decode_and_backward(net, values_.back(), batch, gradient_a_);
    // back through the stages: dtheta_s += ..., dX_s = stage_s'(dY_s)
    const Matrix<Scalar>& first_gradient = backward_stages(net);
    // dV += dZ1 X^T; dmu += dZ1 1
    net.input_layer_.accumulate_gradient(grad(net, 0), input.by_row, first_gradient);
    // kernelised layers: dW = G .* K, and the embeddings' gradients, from G = dL/d(W .* K)
    const Scalar kernel_penalty = kernels_backward(net, share);
    return data_term_ + add_regularization(net, share, 0, count_) + kernel_penalty + net.stage_penalties();
  }

  /// The same objective on dense ratings (d x B) with `mask` nonzero where observed: the
  /// reference path (O(d k B)), built from the layers' dense forms and the dense loss.
  /// Unobserved entries of `ratings` must be 0 (they are the input as in the sparse path).
  template <typename RatingsDerived, typename MaskDerived>
  Scalar loss_and_gradient(Net& net, const Eigen::MatrixBase<RatingsDerived>& ratings,
                           const Eigen::MatrixBase<MaskDerived>& mask, Scalar share = Scalar(1)) {
    net.require_inputs(ratings.rows());
    if (net.architecture_.input_dropout > 0)
      throw std::invalid_argument("TrainingPass: the dense reference path does not apply input dropout");
    if (!net.architecture_.squared_error_on_raw_input())
      throw std::invalid_argument("TrainingPass: the dense reference path is the squared error on raw inputs; this "
                                  "network is " + net.architecture_.describe());
    const std::uint64_t step = begin(net);
    net.input_layer_.forward(net.effective(0), ratings, values_[0]);
    forward_stages(net, step);
    const Matrix<Scalar>& code = values_.back();
    const std::size_t out = net.stages_.size() + 1;
    Matrix<Scalar> output, activated, activated_gradient, output_gradient;
    net.output_layer_.forward(net.effective(out), code, output);
    net.output_activation_->forward(nullptr, output, activated);
    data_term_ = masked_squared_error(activated, ratings, mask, activated_gradient);
    net.output_activation_->backward(nullptr, output, activated, activated_gradient, output_gradient);
    net.output_layer_.accumulate_gradient(grad(net, out), code, output_gradient);
    net.output_layer_.backward(net.effective(out), output_gradient, gradient_a_);
    const Matrix<Scalar>& first_gradient = backward_stages(net);
    net.input_layer_.accumulate_gradient(grad(net, 0), ratings, first_gradient);
    const Scalar kernel_penalty = kernels_backward(net, share);
    return data_term_ + add_regularization(net, share, 0, count_) + kernel_penalty;
  }

  // ---- the pass in phases, for a trainer that splits the inputs over shards ----

  /// Zeroes the gradient and starts a training step (with bf16_weights, rounds V and W to
  /// their bfloat16 copies): returns its noise step.
  std::uint64_t begin(Net& net) {
    check(net);
    gradient_.setZero(count_);
    net.form_kernels();
    if (!bf16_.empty()) {
      const Index v = net.input_weight_count();
      to_bf16(net.effective(0), v, bf16_.data());
      to_bf16(net.effective(net.stages_.size() + 1), Index(bf16_.size()) - v, bf16_.data() + v);
    }
    return noise_step_++;
  }
  /// `batch`, or its normalised and input-dropped copy for `step` (shard `salt` of a split input).
  const SparseBatch<Scalar>& training_input(const Net& net, const SparseBatch<Scalar>& batch, std::uint64_t step,
                                            std::uint64_t salt = 0) {
    const SparseBatch<Scalar>* input = &batch;
    if (net.architecture_.normalize_input) {
      normalize_columns(batch, normalized_input_);
      input = &normalized_input_;
    }
    if (!(net.architecture_.input_dropout > 0)) return *input;
    const std::uint64_t seed = net.noise_seed(step, 0);
    drop_inputs(*input, net.architecture_.input_dropout, salt ? mix64(seed ^ salt) : seed, noisy_input_);
    return noisy_input_;
  }
  /// P = V X (k1 x B), the input layer without its bias: one shard's part of Z1 - mu 1^T.
  void input_product(const Net& net, const SparseColumns<Scalar>& input, Matrix<Scalar>& product) const {
    net.require_inputs(input.rows());
    if (net.architecture_.normalize_input)  // a shard's part of a column has not the column's norm
      throw std::logic_error("TrainingPass: input_product is for sharded inputs, which are not normalised");
    net.input_layer_.product(net.effective(0), input, product, bf16_v());
  }
  /// The training forward from P = sum of the shards' products: Z1 = P + mu 1^T, then the
  /// stages with `step`'s noise. Returns the code H (kn x B).
  const Matrix<Scalar>& forward_code(Net& net, const Matrix<Scalar>& product, std::uint64_t step) {
    values_[0] = product;
    values_[0].colwise() += net.input_layer_.bias(net.effective(0));
    forward_stages(net, step);
    return values_.back();
  }
  /// The output layer and the output loss for code H against `batch`: returns the data term,
  /// adds dW and db, and sets code_gradient = W^T dO (kn x B), this shard's part of dH.
  Scalar decode_and_backward(Net& net, const Matrix<Scalar>& code, const SparseBatch<Scalar>& batch,
                             Matrix<Scalar>& code_gradient) {
    net.require_inputs(batch.rows());
    const std::size_t out = net.stages_.size() + 1;
    data_term_ = net.output_loss_->loss_and_backward(net.output_layer_, *net.output_activation_, net.effective(out),
                                                     grad(net, out), code, batch, code_gradient, bf16_w(net));
    return data_term_;
  }
  /// From dH (kn x B, summed over shards) back through the stages of the last forward_code:
  /// adds the stages' gradients and dmu += dZ1 1; returns dZ1 (k1 x B).
  const Matrix<Scalar>& backward_code(Net& net, const Matrix<Scalar>& code_gradient) {
    gradient_a_ = code_gradient;
    const Matrix<Scalar>& first_gradient = backward_stages(net);
    net.input_layer_.bias(grad(net, 0)).noalias() += first_gradient.rowwise().sum();
    return first_gradient;
  }
  /// dV += dZ1 X^T for this shard's X (given by rows).
  void accumulate_input_gradient(const Net& net, const SparseRows<Scalar>& input, const Matrix<Scalar>& first_gradient) {
    net.input_layer_.accumulate_weight_gradient(grad(net, 0), input, first_gradient);
  }
  /// The parameters regularize() and backward_kernels() cover: this shard's own (the
  /// per-input runs of Network::input_runs(); the ends), or the replicated ones (the stages).
  enum class Part { sharded, replicated };
  /// Adds share * lambda * w to the gradient of the decaying parameters in `part`; returns
  /// share * (lambda / 2) |w|^2 over them.
  Scalar regularize(const Net& net, Scalar share, Part part) {
    Scalar penalty = 0;
    for (const typename Net::InputRun& run : net.input_runs())
      if (run.replicated() == (part == Part::replicated))
        penalty += add_regularization(net, share, run.offset, run.offset + run.size);
    return penalty;
  }
  /// After the backward phases: the kernelised layers of `part` (the sparse ends', or the
  /// stages') turn their G = dL/d(W .* K) into dW and add their embeddings' gradients; returns
  /// share * (lambda_s / 2) |K|^2 over them. An end's hidden-side embeddings get this shard's
  /// part of their gradient, which the trainer sums over shards.
  Scalar backward_kernels(const Net& net, Scalar share, Part part) {
    Scalar penalty = 0;
    for (std::size_t k = 0; k < net.kernels_.size(); ++k) {
      const Index at = net.kernels_[k].site.weights;
      const bool end = at < net.offsets_[1] || at >= net.offsets_.back();
      if (end == (part == Part::sharded)) penalty += kernel_backward(net, share, k);
    }
    return penalty;
  }

 private:
  static std::size_t bf16_size(const Net& net) {
    return std::size_t(net.input_weight_count() + net.output_layer_.inputs() * net.inputs());
  }
  void check(const Net& net) const {
    if (net.count_ != count_ || values_.size() != net.stages_.size() + 1)
      throw std::invalid_argument("TrainingPass: made for a network of " + std::to_string(count_) +
                                  " parameters, given one of " + std::to_string(net.count_));
  }
  // The bfloat16 copies of V and W for this step, or nullptr without bf16_weights.
  const Bf16* bf16_v() const { return bf16_.empty() ? nullptr : bf16_.data(); }
  const Bf16* bf16_w(const Net& net) const {
    return bf16_.empty() ? nullptr : bf16_.data() + net.input_weight_count();
  }
  Scalar* grad(const Net& net, std::size_t layer) { return gradient_.data() + net.offsets_[layer]; }

  void forward_stages(Net& net, std::uint64_t step) {
    for (std::size_t s = 0; s < net.stages_.size(); ++s)
      net.stages_[s]->forward_training(net.effective(s + 1), values_[s], values_[s + 1], net.noise_seed(step, s + 1));
  }
  // gradient_a_ holds dL/d(values_.back()); returns dL/d(values_[0]).
  const Matrix<Scalar>& backward_stages(Net& net) {
    for (std::size_t s = net.stages_.size(); s-- > 0;) {
      net.stages_[s]->accumulate_gradient(grad(net, s + 1), values_[s], gradient_a_);
      net.stages_[s]->backward(net.effective(s + 1), values_[s], values_[s + 1], gradient_a_, gradient_b_);
      gradient_a_.swap(gradient_b_);
    }
    return gradient_a_;
  }
  // After a backward pass: each kernelised W's gradient G = dL/d(W .* K) becomes dW, the
  // embeddings get theirs, and share * (lambda_s / 2) |K|^2 is returned (its gradient added).
  Scalar kernels_backward(const Net& net, Scalar share) {
    Scalar penalty = 0;
    for (std::size_t k = 0; k < net.kernels_.size(); ++k) penalty += kernel_backward(net, share, k);
    return penalty;
  }
  Scalar kernel_backward(const Net& net, Scalar share, std::size_t k) {
    return net.kernels_[k].backward(net.parameters_.data(), net.effective_.kernels[k], gradient_.data(),
                                    share * net.options_.kernel_lambda, kernel_scratch_);
  }
  // share * (lambda / 2) |weights|^2 over the decaying parameters in [begin, end); gradient
  // share * lambda * weights.
  Scalar add_regularization(const Net& net, Scalar share, Index begin, Index end) {
    const Scalar strength = share * net.options_.lambda;
    if (strength == 0) return 0;
    Scalar norms = 0;
    for (const ParameterGroup& group : net.groups_) {
      const Index first = std::max(begin, group.offset), last = std::min(end, group.offset + group.size);
      if (!group.decays || first >= last) continue;
      const auto weights = net.parameters_.segment(first, last - first);
      gradient_.segment(first, last - first) += strength * weights;
      norms += weights.squaredNorm();
    }
    return strength / 2 * norms;
  }

  Index count_;
  Vector<Scalar> gradient_;
  Scalar data_term_ = 0;
  std::uint64_t noise_step_ = 0;
  SparseBatch<Scalar> normalized_input_, noisy_input_;
  std::vector<Matrix<Scalar>> values_;  // values_[0] = Z1, values_[s + 1] = stage s's output
  Matrix<Scalar> gradient_a_, gradient_b_;
  std::vector<Bf16> bf16_;  // [V | W] as bfloat16, with bf16_weights
  Vector<Scalar> kernel_scratch_;
};

}  // namespace autorec
