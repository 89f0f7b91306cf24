#pragma once
// The network container: an autoencoder over sparse ratings of any depth.
//
//   X (d x B, sparse) -> [L2 normalisation] -> [input dropout] -> SparseInputDense (k1 x d)
//     -> stages -> H (kn x B) -> ObservedOutputDense (d x kn) -> output activation
//     -> the output loss against X (loss/output_loss.hpp): by default the squared error at
//        the observed entries, where alone the output layer is then evaluated
//
// `stages` are dense layers between the ends (Dense, activations, Dropout, or a host's own
// layers): AutoRec (Sedhain et al., 2015) is the one-stage network [sigmoid] with an identity
// output. The objective over a batch with observed pattern Omega is
//   L = sum over Omega of (h(X)(u, j) - X(u, j))^2 + share * (lambda / 2) * |weights|^2
// (with the multinomial loss, the first term is - sum over Omega of log softmax(O)(u, j))
// where `share` is the batch's share of one epoch (1 for a full batch), so one epoch of
// minibatches adds the regulariser once, and the weights are every decaying parameter group.
// A kernelised Dense (layers/local_kernel.hpp; Options::kernel_dims) acts with W .* K, and
// adds share * (lambda_s / 2) |K|^2: the network forms W .* K once per training pass (and
// for prediction when the parameters have changed), so the sparse ends stay O(nnz k).
//
// The network owns one flat parameter vector and its gradient. Its layout is the layers'
// parameter groups concatenated in order (input layer, stages, output layer), so for AutoRec
// [V (k x d) | mu (k) | W (d x k) | b (d)]; nothing else writes it down. Layers hold no
// pointers into it, so copies and moves need no care.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/kernels/lanes.hpp"
#include "autorec/kernels/noise.hpp"
#include "autorec/layers/activations.hpp"
#include "autorec/layers/dense.hpp"
#include "autorec/layers/dropout.hpp"
#include "autorec/layers/gaussian.hpp"
#include "autorec/layers/input_dropout.hpp"
#include "autorec/layers/local_kernel.hpp"
#include "autorec/layers/observed_output.hpp"
#include "autorec/layers/layer_kinds.hpp"
#include "autorec/layers/registry.hpp"
#include "autorec/layers/input_normalization.hpp"
#include "autorec/layers/sparse_input.hpp"
#include "autorec/loss/output_losses.hpp"
#include "autorec/loss/squared_error.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar = float>
class Network {
 public:
  struct Options {
    Index inputs = 0;                            ///< d: users for I-AutoRec, items for U-AutoRec
    HiddenSizes hidden = 500;                    ///< hidden widths; {500} is AutoRec's k = 500
    std::string activation = "sigmoid";          ///< after each hidden Dense
    std::string output_activation = "identity";  ///< on the reconstruction
    double dropout = 0;                          ///< after each hidden activation, in [0, 1)
    double input_dropout = 0;                    ///< on the sparse input (denoising), in [0, 1)
    Scalar lambda = Scalar(1);                   ///< L2 strength in the paper's units
    std::uint64_t seed = 42;                     ///< initial weights and dropout masks
    Scalar weight_scale = Scalar(0.01);  ///< the sparse ends' weights start as weight_scale * N(0, 1)
    Scalar bias_scale = Scalar(0.001);   ///< biases start as bias_scale * N(0, 1)
    /// Training passes read the sparse ends' weights (V and W) as bfloat16 copies, made from
    /// the parameters at the start of each pass: half the bytes per rating, sums still in
    /// Scalar. The parameters, gradients, predictions and model files stay Scalar.
    bool bf16_weights = false;
    /// > 0: every Dense of the stack, the ends included, is kernelised with embeddings of
    /// this size (Sparse FC's local kernel, layers/local_kernel.hpp; the paper used 5).
    Index kernel_dims = 0;
    /// lambda_s: the objective adds share * (lambda_s / 2) |K|^2 for each kernelised layer.
    Scalar kernel_lambda = Scalar(0);
    Scalar kernel_scale = Scalar(0.001);  ///< the kernel embeddings start as kernel_scale * N(0, 1), truncated at 2
    /// The output loss (Architecture::loss): "squared-error", or "multinomial" for top-N
    /// from implicit feedback (Mult-DAE), with an identity output activation.
    std::string loss = "squared-error";
    bool normalize_input = false;  ///< scale each input column to unit norm first (Mult-DAE)
  };

  /// The stack that `options` describe (Architecture::stack).
  explicit Network(const Options& options) : Network(stacked(options), options) {}

  /// Any architecture; of `options` only lambda, seed and the scales are used.
  Network(Architecture architecture, const Options& options) : Network(Layers{}, std::move(architecture), options) {
    parameters_ = Vector<Scalar>::Zero(count_);
    initialize(options.seed);
  }
  /// The same with its parameters given, in the layout the architecture derives: nothing is
  /// drawn (a network read from a file, or a copy).
  Network(Architecture architecture, const Options& options, Vector<Scalar> parameters)
      : Network(Layers{}, std::move(architecture), options) {
    if (parameters.size() != count_)
      throw std::invalid_argument("Network: " + std::to_string(parameters.size()) + " parameters given, the architecture (" +
                                  architecture_.describe() + ") has " + std::to_string(count_));
    parameters_ = std::move(parameters);
  }

  /// The parameter count of `architecture`, from its layers' counts, without allocating the
  /// parameters: for checking sizes before building a network. Throws if it overflows.
  /// The architecture a network built from `options` has.
  static Architecture architecture_of(const Options& options) { return stacked(options); }

  static Index parameter_count(const Architecture& architecture) {
    const Architecture& a = checked(architecture);
    Index count = 0;
    auto add = [&count](Index n) {
      if (n > std::numeric_limits<Index>::max() - count)
        throw std::invalid_argument("Network: the parameter count overflows");
      count += n;
    };
    add(SparseInputDense<Scalar>(a.inputs, a.first_width, a.input_kernel_dims).parameter_count());
    Index width = a.first_width;
    for (const auto& stage : make_stages(a)) {
      add(stage->parameter_count());
      width = stage->outputs();
    }
    add(ObservedOutputDense<Scalar>(width, a.inputs, a.output_kernel_dims).parameter_count());
    return count;
  }

  /// Draws every layer's starting parameters from one generator seeded with `seed`, layer by
  /// layer in order.
  void initialize(std::uint64_t seed) {
    Random random(seed);
    const Initialization<Scalar> init{options_.weight_scale, options_.bias_scale, options_.kernel_scale};
    input_layer_.initialize(raw(0), random, init);
    for (std::size_t s = 0; s < stages_.size(); ++s) stages_[s]->initialize(raw(s + 1), random, init);
    output_layer_.initialize(raw(stages_.size() + 1), random, init);
  }

  /// A copy that predicts as this one and holds only its parameters: no gradient, no training
  /// workspace, no bfloat16 copies (what an Ensemble or a Scorer keeps).
  Network prediction_copy() const {
    Options options = options_;
    options.bf16_weights = false;
    return Network(architecture_, options, parameters_);
  }

  const Architecture& architecture() const { return architecture_; }
  const Options& options() const { return options_; }
  Index inputs() const { return architecture_.inputs; }
  /// The output width of every hidden Dense, the sparse-input one first.
  std::vector<Index> hidden_sizes() const {
    std::vector<Index> sizes{architecture_.first_width};
    for (const LayerSpec& spec : architecture_.stages)
      if (spec.kind == "dense") sizes.push_back(spec.size);
    return sizes;
  }
  Scalar lambda() const { return options_.lambda; }
  /// Options::bf16_weights, which a loaded network does not store: set it to train with it.
  void set_bf16_weights(bool on) {
    options_.bf16_weights = on;
    bf16_.resize(on ? std::size_t(input_weight_count() + output_layer_.inputs() * inputs()) : 0);
  }
  void set_lambda(Scalar lambda) { options_.lambda = lambda; }

  /// The flat parameter vector and its gradient from the last loss_and_gradient (empty before
  /// the first: a network that only predicts holds no gradient).
  /// Writing through the non-const one marks the kernelised layers' W .* K for forming anew
  /// at the next use: change the parameters through a fresh call, not a kept reference.
  Vector<Scalar>& parameters() {
    ++parameters_version_;
    return parameters_;
  }
  const Vector<Scalar>& parameters() const { return parameters_; }
  /// (lambda_s / 2) |K|^2 per kernelised layer is added to the objective with this lambda_s
  /// (Options::kernel_lambda; a loaded network has 0 until it is set).
  Scalar kernel_lambda() const { return options_.kernel_lambda; }
  void set_kernel_lambda(Scalar kernel_lambda) { options_.kernel_lambda = kernel_lambda; }
  /// The kernelised layers, in layer order, with their sites in the whole parameter vector.
  const std::vector<LocalKernel<Scalar>>& kernels() const { return kernels_; }
  const Vector<Scalar>& gradient() const { return gradient_; }
  /// The layout: every layer's parameter groups, in order (weights decay, biases do not).
  const std::vector<ParameterGroup>& parameter_groups() const { return groups_; }
  /// The data term of the last loss_and_gradient: the sum of squared errors on observed
  /// entries (or the output loss's own, such as the multinomial negative log-likelihood).
  Scalar last_squared_error() const { return squared_error_; }
  const OutputLoss<Scalar>& output_loss() const { return *output_loss_; }
  /// Whether a training forward equals the prediction forward: no input dropout and no
  /// stochastic stage. Then training_code() is encode() of the last training batch (with
  /// bf16_weights, as read through the pass's bfloat16 V).
  bool trains_deterministically() const {
    return !(architecture_.input_dropout > 0) &&
           std::none_of(stages_.begin(), stages_.end(), [](const auto& stage) { return stage->stochastic(); });
  }
  /// The code H (kn x B) of the last training forward (loss_and_gradient or forward_code),
  /// at the parameters it ran with.
  const Matrix<Scalar>& training_code() const { return values_.back(); }

  const SparseInputDense<Scalar>& input_layer() const { return input_layer_; }
  const ObservedOutputDense<Scalar>& output_layer() const { return output_layer_; }
  const ActivationLayer<Scalar>& output_activation() const { return *output_activation_; }
  std::size_t stage_count() const { return stages_.size(); }
  const Layer<Scalar>& stage(std::size_t s) const { return *stages_.at(s); }
  /// Where each layer's slice starts: the input layer, the stages, then the output layer.
  const std::vector<Index>& layer_offsets() const { return offsets_; }

  /// Dropout masks are drawn from (seed, noise step); every training call advances the step.
  /// Setting it replays a step's masks (gradient checks do).
  std::uint64_t noise_step() const { return noise_step_; }
  void set_noise_step(std::uint64_t step) { noise_step_ = step; }

  /// Objective and gradient on a sparse batch (d x B, the stored entries are the observed
  /// ratings), in O(nnz k): the input layer reads only nonzeros and the output layer is
  /// evaluated only at observed entries. Fills gradient(); returns L.
  Scalar loss_and_gradient(const SparseBatch<Scalar>& batch, Scalar share = Scalar(1)) {
    require_inputs(batch.rows());
    const std::uint64_t step = begin_pass();
    const SparseBatch<Scalar>& input = training_input(batch, step);
    // Z1 = V X + mu 1^T (k1 x B), then each stage: values_[s + 1] = stage_s(values_[s])
    input_layer_.forward(effective(0), input.by_column, values_[0], bf16_v());
    forward_stages(step);
    // O = W H + b 1^T on Omega only, A = f(O), L = |A - X|^2 on Omega; dH = W^T dO (kn x B);
    // dW += dO H^T; db += dO 1
    squared_error_ = decode_and_backward(values_.back(), batch, gradient_a_);
    // back through the stages: dtheta_s += ..., dX_s = stage_s'(dY_s)
    const Matrix<Scalar>& first_gradient = backward_stages();
    // dV += dZ1 X^T; dmu += dZ1 1
    input_layer_.accumulate_gradient(grad(0), input.by_row, first_gradient);
    // kernelised layers: dW = G .* K, and the embeddings' gradients, from G = dL/d(W .* K)
    const Scalar kernel_penalty = kernels_backward(share);
    return squared_error_ + add_regularization(share, 0, count_) + kernel_penalty + stage_penalties();
  }

  /// The stages' own terms of the last training forward (a Gaussian layer's beta KL).
  Scalar stage_penalties() const {
    double total = 0;
    for (const auto& stage : stages_) total += stage->penalty();
    return Scalar(total);
  }
  /// Sets the weight of every stage's own term (a Gaussian layer's beta, which a trainer
  /// anneals); a stage without one ignores it.
  void set_penalty_weight(double weight) {
    for (auto& stage : stages_) stage->set_penalty_weight(weight);
  }

  // ---- the pass in phases, for a trainer that splits the inputs over shards (sharding/) ----
  // Each shard is a network over its own inputs: V_s, W_s, b_s are its own, while mu and
  // the stages (replicated(): the same on every shard) act on the sums over shards.
  //   step = begin_pass();  P_s = input_product(training_input(X_s, step, s))
  //   H = forward_code(sum of P_s, step)                     (one shard, the lead)
  //   L_s = decode_and_backward(H, X_s, dH_s)                (dW_s, db_s)
  //   dZ1 = backward_code(sum of dH_s)                       (the lead: stages, dmu)
  //   accumulate_input_gradient(X_s, dZ1)                    (dV_s)
  //   regularize(share, part)

  /// Zeroes the gradient and starts a training step (with bf16_weights, rounds V and W to
  /// their bfloat16 copies): returns its noise step.
  std::uint64_t begin_pass() {
    gradient_.setZero(count_);
    form_kernels();
    if (!bf16_.empty()) {
      const Index v = input_weight_count();
      to_bf16(effective(0), v, bf16_.data());
      to_bf16(effective(stages_.size() + 1), Index(bf16_.size()) - v, bf16_.data() + v);
    }
    return noise_step_++;
  }
  /// `batch`, or its input-dropped copy for `step` (shard `salt` of a split input).
  const SparseBatch<Scalar>& training_input(const SparseBatch<Scalar>& batch, std::uint64_t step,
                                            std::uint64_t salt = 0) {
    const SparseBatch<Scalar>* input = &batch;
    if (architecture_.normalize_input) {
      normalize_columns(batch, normalized_input_);
      input = &normalized_input_;
    }
    if (!(architecture_.input_dropout > 0)) return *input;
    drop_inputs(*input, architecture_.input_dropout, salt ? mix64(noise_seed(step, 0) ^ salt) : noise_seed(step, 0),
                noisy_input_);
    return noisy_input_;
  }
  /// P = V X (k1 x B), the input layer without its bias: one shard's part of Z1 - mu 1^T.
  void input_product(const SparseColumns<Scalar>& input, Matrix<Scalar>& product) const {
    require_inputs(input.rows());
    if (architecture_.normalize_input)  // a shard's part of a column has not the column's norm
      throw std::logic_error("Network: input_product is for sharded inputs, which are not normalised");
    input_layer_.product(effective(0), input, product, bf16_v());
  }
  /// The training forward from P = sum of the shards' products: Z1 = P + mu 1^T, then the
  /// stages with `step`'s noise. Returns the code H (kn x B).
  const Matrix<Scalar>& forward_code(const Matrix<Scalar>& product, std::uint64_t step) {
    values_[0] = product;
    values_[0].colwise() += input_layer_.bias(effective(0));
    forward_stages(step);
    return values_.back();
  }
  /// The output layer and the output loss for code H against `batch`: returns the data term,
  /// adds dW and db, and sets code_gradient = W^T dO (kn x B), this shard's part of dH.
  Scalar decode_and_backward(const Matrix<Scalar>& code, const SparseBatch<Scalar>& batch,
                             Matrix<Scalar>& code_gradient) {
    require_inputs(batch.rows());
    const std::size_t out = stages_.size() + 1;
    squared_error_ = output_loss_->loss_and_backward(output_layer_, *output_activation_, effective(out), grad(out), code,
                                                     batch, code_gradient, bf16_w());
    return squared_error_;
  }
  /// From dH (kn x B, summed over shards) back through the stages of the last forward_code:
  /// adds the stages' gradients and dmu += dZ1 1; returns dZ1 (k1 x B).
  const Matrix<Scalar>& backward_code(const Matrix<Scalar>& code_gradient) {
    gradient_a_ = code_gradient;
    const Matrix<Scalar>& first_gradient = backward_stages();
    input_layer_.bias(grad(0)).noalias() += first_gradient.rowwise().sum();
    return first_gradient;
  }
  /// dV += dZ1 X^T for this shard's X (given by rows).
  void accumulate_input_gradient(const SparseRows<Scalar>& input, const Matrix<Scalar>& first_gradient) {
    input_layer_.accumulate_weight_gradient(grad(0), input, first_gradient);
  }
  /// The parameters regularize() covers: this shard's own, or the replicated ones.
  enum class Part { sharded, replicated };
  /// Adds share * lambda * w to the gradient of the decaying parameters in `part`; returns
  /// share * (lambda / 2) |w|^2 over them.
  Scalar regularize(Scalar share, Part part) {
    const Index first = replicated_offset(), last = offsets_.back();
    if (part == Part::replicated) return add_regularization(share, first, last);
    return add_regularization(share, 0, first) + add_regularization(share, last, count_);
  }
  /// The parameters that do not depend on the inputs: mu and the stages, one contiguous run.
  Index replicated_offset() const { return input_weight_count(); }
  Index replicated_size() const { return offsets_.back() - replicated_offset(); }
  Vector<Scalar>& gradient() { return gradient_; }

  /// The same objective on dense ratings (d x B) with `mask` nonzero where observed: the
  /// reference path (O(d k B)), built from the layers' dense forms and the dense loss.
  /// Unobserved entries of `ratings` must be 0 (they are the input as in the sparse path).
  template <typename RatingsDerived, typename MaskDerived>
  Scalar loss_and_gradient(const Eigen::MatrixBase<RatingsDerived>& ratings,
                           const Eigen::MatrixBase<MaskDerived>& mask, Scalar share = Scalar(1)) {
    require_inputs(ratings.rows());
    if (architecture_.input_dropout > 0)
      throw std::invalid_argument("Network: the dense reference path does not apply input dropout");
    if (!architecture_.squared_error_on_raw_input())
      throw std::invalid_argument("Network: the dense reference path is the squared error on raw inputs; this "
                                  "network is " + architecture_.describe());
    gradient_.setZero(count_);
    form_kernels();
    const std::uint64_t step = noise_step_++;
    input_layer_.forward(effective(0), ratings, values_[0]);
    forward_stages(step);
    const Matrix<Scalar>& code = values_.back();
    const std::size_t out = stages_.size() + 1;
    Matrix<Scalar> output, activated, activated_gradient, output_gradient;
    output_layer_.forward(effective(out), code, output);
    output_activation_->forward(nullptr, output, activated);
    squared_error_ = masked_squared_error(activated, ratings, mask, activated_gradient);
    output_activation_->backward(nullptr, output, activated, activated_gradient, output_gradient);
    output_layer_.accumulate_gradient(grad(out), code, output_gradient);
    output_layer_.backward(effective(out), output_gradient, gradient_a_);
    const Matrix<Scalar>& first_gradient = backward_stages();
    input_layer_.accumulate_gradient(grad(0), ratings, first_gradient);
    const Scalar kernel_penalty = kernels_backward(share);
    return squared_error_ + add_regularization(share, 0, count_) + kernel_penalty;
  }

  /// The last hidden layer's output for each column of `inputs` (d x B sparse): kn x B.
  /// Prediction mode: no dropout.
  void encode(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& code) const {
    Matrix<Scalar> other;
    encode(inputs, code, other);
  }
  /// The same with `other` as the stages' scratch (kept by callers that encode repeatedly).
  void encode(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& code, Matrix<Scalar>& other) const {
    first_layer(inputs, code);
    for (std::size_t s = 0; s < stages_.size(); ++s) {
      stages_[s]->forward(effective(s + 1), code, other);
      code.swap(other);
    }
  }

  // ---- pieces for serving and fold-in (serve/): prediction mode, parameters fixed ----

  /// The output layer's W (d x kn, row-major: row u holds output u's weights) and b (d).
  auto output_weights() const { return output_layer_.weights(effective(stages_.size() + 1)); }
  auto output_bias() const { return output_layer_.bias(effective(stages_.size() + 1)); }
  /// The sparse-input layer: Z1 = V X + mu 1^T (k1 x B) for each column of `inputs`.
  /// With normalize_input, each column is first scaled to unit norm.
  void first_layer(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& z1) const {
    require_inputs(inputs.rows());
    if (architecture_.normalize_input)
      input_layer_.forward(effective(0), normalized_columns(inputs), z1);
    else
      input_layer_.forward(effective(0), inputs, z1);
  }
  /// The stages from trace[0] = Z1: trace[s + 1] = stage s(trace[s]); the code is trace.back().
  void forward_hidden(std::vector<Matrix<Scalar>>& trace) const {
    trace.resize(stages_.size() + 1);
    for (std::size_t s = 0; s < stages_.size(); ++s) stages_[s]->forward(effective(s + 1), trace[s], trace[s + 1]);
  }
  /// dL/dZ1 from `gradient` = dL/d(code), back through the stages of a forward_hidden trace.
  /// Valid for a network that has not trained since it was built or loaded (a Dropout layer
  /// would otherwise apply its last training mask).
  void backward_hidden(const std::vector<Matrix<Scalar>>& trace, Matrix<Scalar>& gradient) const {
    Matrix<Scalar> other;
    for (std::size_t s = stages_.size(); s-- > 0;) {
      stages_[s]->backward(effective(s + 1), trace[s], trace[s + 1], gradient, other);
      gradient.swap(other);
    }
  }

  /// Full reconstruction h(r) of each column of `inputs` (d x B sparse): d x B dense.
  void predict(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& outputs) const {
    Matrix<Scalar> code;
    encode(inputs, code);
    output_layer_.forward(effective(stages_.size() + 1), code, outputs);
    for (Index j = 0; j < outputs.cols(); ++j)
      output_activation_->forward_values(outputs.col(j).data(), outputs.col(j).data(), outputs.rows());
  }

  /// Reconstruction of each column of `inputs` only at the stored entries of `pattern` (both
  /// d x B): values[p] for the entry at storage position p of `pattern`. O((nnz(inputs) +
  /// nnz(pattern)) k), so scoring a test set never forms the d x B output. Const and
  /// touching no shared state: threads may predict with one network at once.
  void predict_at(const SparseColumns<Scalar>& inputs, const SparseColumns<Scalar>& pattern,
                  Vector<Scalar>& values) const {
    PredictionBuffers buffers;
    predict_at(inputs, pattern, values, buffers);
  }
  /// The codes' memory (kn x B twice), kept by a caller that predicts repeatedly, such as
  /// validation every epoch: fresh tens of megabytes per call cost more in page faults than
  /// the encoding itself.
  struct PredictionBuffers {
    Matrix<Scalar> code, other;
  };
  void predict_at(const SparseColumns<Scalar>& inputs, const SparseColumns<Scalar>& pattern,
                  Vector<Scalar>& values, PredictionBuffers& buffers) const {
    encode(inputs, buffers.code, buffers.other);
    decode_at(buffers.code, pattern, values);
  }
  /// The reconstruction from codes (kn x B) at the stored entries of `pattern` (d x B).
  void decode_at(const Matrix<Scalar>& code, const SparseColumns<Scalar>& pattern, Vector<Scalar>& values) const {
    output_layer_.forward_at(effective(stages_.size() + 1), code, pattern, values);
    output_activation_->forward_values(values.data(), values.data(), values.size());
  }

 private:
  // The parameters as the layers read them (W .* K for kernelised W), the kernels K, and the
  // parameters_version_ they were formed at. Copies carry the values, not the lock.
  struct EffectiveParameters {
    Vector<Scalar> values;
    std::vector<Vector<Scalar>> kernels;
    std::atomic<std::uint64_t> version{std::numeric_limits<std::uint64_t>::max()};
    std::mutex mutex;
    EffectiveParameters() = default;
    EffectiveParameters(const EffectiveParameters& other)
        : values(other.values), kernels(other.kernels), version(other.version.load()) {}
    EffectiveParameters(EffectiveParameters&& other) noexcept
        : values(std::move(other.values)), kernels(std::move(other.kernels)), version(other.version.load()) {}
    EffectiveParameters& operator=(const EffectiveParameters& other) {
      values = other.values;
      kernels = other.kernels;
      version.store(other.version.load());
      return *this;
    }
    EffectiveParameters& operator=(EffectiveParameters&& other) noexcept {
      values = std::move(other.values);
      kernels = std::move(other.kernels);
      version.store(other.version.load());
      return *this;
    }
  };

  // The layers and the layout, without parameters: what both public constructors share.
  struct Layers {};
  Network(Layers, Architecture architecture, const Options& options)
      : architecture_(checked(std::move(architecture))),
        options_(options),
        input_layer_(architecture_.inputs, architecture_.first_width, architecture_.input_kernel_dims),
        stages_(make_stages(architecture_)),
        output_layer_(stages_.empty() ? architecture_.first_width : stages_.back()->outputs(), architecture_.inputs,
                      architecture_.output_kernel_dims),
        output_activation_(make_activation<Scalar>(architecture_.output_activation, architecture_.inputs)),
        output_loss_(make_output_loss<Scalar>(architecture_.loss)) {
    if (!output_loss_->reads_activation() && architecture_.output_activation != "identity")
      throw std::invalid_argument("Network: the " + architecture_.loss + " loss reads the outputs themselves, so the "
                                  "output activation must be identity, not " + architecture_.output_activation);
    if (!(options.lambda >= 0)) throw std::invalid_argument("Network: lambda must be >= 0");
    if (!(options.kernel_lambda >= 0 && options.kernel_lambda < std::numeric_limits<Scalar>::infinity()))
      throw std::invalid_argument("Network: the kernel lambda must be finite and >= 0");
    derive_layout();
    set_bf16_weights(options.bf16_weights);
  }

  static Architecture stacked(const Options& options) {
    Architecture architecture =
        Architecture::stack(options.inputs, options.hidden, options.activation, options.output_activation,
                            options.dropout, options.input_dropout, options.kernel_dims);
    architecture.loss = options.loss;
    architecture.normalize_input = options.normalize_input;
    return architecture;
  }

  static Architecture checked(Architecture architecture) {
    if (architecture.inputs <= 0 || architecture.first_width <= 0)
      throw std::invalid_argument("Network: inputs and the first hidden width must be positive, got " +
                                  std::to_string(architecture.inputs) + " and " +
                                  std::to_string(architecture.first_width));
    if (!(architecture.input_dropout >= 0 && architecture.input_dropout < 1))
      throw std::invalid_argument("Network: the input dropout rate must lie in [0, 1), got " +
                                  std::to_string(architecture.input_dropout));
    return architecture;
  }

  // Each stage takes the width the one before it gives.
  static std::vector<Owned<Layer<Scalar>>> make_stages(const Architecture& architecture) {
    std::vector<Owned<Layer<Scalar>>> stages;
    Index width = architecture.first_width;
    for (const LayerSpec& spec : architecture.stages) {
      stages.emplace_back(make_layer<Scalar>(spec, width));
      width = stages.back()->outputs();
    }
    return stages;
  }

  // Each layer's groups, shifted to where its slice starts, make the model's layout.
  void derive_layout() {
    auto append = [this](const std::vector<ParameterGroup>& groups, Index count, std::optional<KernelSite> site = {}) {
      offsets_.push_back(count_);
      for (const ParameterGroup& group : groups) groups_.push_back({count_ + group.offset, group.size, group.decays});
      if (site) {
        site->weights += count_;
        site->embeddings += count_;
        kernels_.push_back(LocalKernel<Scalar>{*site});
      }
      count_ += count;
    };
    append(input_layer_.parameter_groups(), input_layer_.parameter_count(), input_layer_.kernel_site());
    Index width = architecture_.first_width;
    for (const auto& stage : stages_) {
      if (stage->inputs() != width)  // a layer factory that ignored the width it was given
        throw std::invalid_argument("Network: a " + stage->spec().kind + " stage takes " +
                                    std::to_string(stage->inputs()) + " inputs after a width of " +
                                    std::to_string(width));
      width = stage->outputs();
      append(stage->parameter_groups(), stage->parameter_count(), stage->kernel_site());
    }
    append(output_layer_.parameter_groups(), output_layer_.parameter_count(), output_layer_.kernel_site());
    check_parameter_groups(groups_, count_);
    values_.resize(stages_.size() + 1);
  }

  // V's size (k1 x d), the first run of the layout.
  Index input_weight_count() const { return input_layer_.outputs() * inputs(); }
  // The bfloat16 copies of V and W for a training pass, or nullptr without bf16_weights.
  const Bf16* bf16_v() const { return bf16_.empty() ? nullptr : bf16_.data(); }
  const Bf16* bf16_w() const { return bf16_.empty() ? nullptr : bf16_.data() + input_weight_count(); }

  // Layer `layer`'s slice of the parameters as the layers' calls read it: with every
  // kernelised W replaced by W .* K (effective_parameters()), and of the parameters themselves.
  const Scalar* effective(std::size_t layer) const { return effective_parameters() + offsets_[layer]; }
  Scalar* raw(std::size_t layer) { return parameters_.data() + offsets_[layer]; }
  Scalar* grad(std::size_t layer) { return gradient_.data() + offsets_[layer]; }

  std::uint64_t noise_seed(std::uint64_t step, std::size_t layer) const {
    return mix64(options_.seed ^ mix64(step ^ mix64(std::uint64_t(layer) + 1)));
  }

  void forward_stages(std::uint64_t step) {
    for (std::size_t s = 0; s < stages_.size(); ++s)
      stages_[s]->forward_training(effective(s + 1), values_[s], values_[s + 1], noise_seed(step, s + 1));
  }

  // gradient_a_ holds dL/d(values_.back()); returns dL/d(values_[0]).
  const Matrix<Scalar>& backward_stages() {
    for (std::size_t s = stages_.size(); s-- > 0;) {
      stages_[s]->accumulate_gradient(grad(s + 1), values_[s], gradient_a_);
      stages_[s]->backward(effective(s + 1), values_[s], values_[s + 1], gradient_a_, gradient_b_);
      gradient_a_.swap(gradient_b_);
    }
    return gradient_a_;
  }

  // ---- kernelised layers ----
  // The parameters with each kernelised W replaced by W .* K, formed again when the
  // parameters have changed since (parameters_version_): without kernels, the parameters.
  const Scalar* effective_parameters() const {
    if (kernels_.empty()) return parameters_.data();
    if (effective_.version.load(std::memory_order_acquire) != parameters_version_) {
      const std::lock_guard<std::mutex> lock(effective_.mutex);  // const callers may share a network
      if (effective_.version.load(std::memory_order_relaxed) != parameters_version_) form_kernels_into(effective_);
    }
    return effective_.values.data();
  }
  void form_kernels() {
    if (!kernels_.empty()) form_kernels_into(effective_);
  }
  void form_kernels_into(EffectiveParameters& target) const {
    target.values = parameters_;
    target.kernels.resize(kernels_.size());
    for (std::size_t k = 0; k < kernels_.size(); ++k)
      kernels_[k].form(parameters_.data(), target.kernels[k], target.values.data());
    target.version.store(parameters_version_, std::memory_order_release);
  }
  // After a backward pass: each kernelised W's gradient G = dL/d(W .* K) becomes dW, the
  // embeddings get theirs, and share * (lambda_s / 2) |K|^2 is returned (its gradient added).
  Scalar kernels_backward(Scalar share) {
    Scalar penalty = 0;
    for (std::size_t k = 0; k < kernels_.size(); ++k)
      penalty += kernels_[k].backward(parameters_.data(), effective_.kernels[k], gradient_.data(),
                                      share * options_.kernel_lambda, kernel_scratch_);
    return penalty;
  }

  void require_inputs(Index rows) const {
    if (rows != inputs())
      throw std::invalid_argument("Network: input has " + std::to_string(rows) + " rows, the model expects " +
                                  std::to_string(inputs()));
  }

  // share * (lambda / 2) |weights|^2 over the decaying parameters in [begin, end); gradient
  // share * lambda * weights.
  Scalar add_regularization(Scalar share, Index begin, Index end) {
    const Scalar strength = share * options_.lambda;
    if (strength == 0) return 0;
    Scalar norms = 0;
    for (const ParameterGroup& group : groups_) {
      const Index first = std::max(begin, group.offset), last = std::min(end, group.offset + group.size);
      if (!group.decays || first >= last) continue;
      const auto weights = parameters_.segment(first, last - first);
      gradient_.segment(first, last - first) += strength * weights;
      norms += weights.squaredNorm();
    }
    return strength / 2 * norms;
  }

  Architecture architecture_;
  Options options_;
  SparseInputDense<Scalar> input_layer_;
  std::vector<Owned<Layer<Scalar>>> stages_;
  ObservedOutputDense<Scalar> output_layer_;
  Owned<ActivationLayer<Scalar>> output_activation_;
  Owned<OutputLoss<Scalar>> output_loss_;  // with its own workspace
  std::vector<Index> offsets_;
  std::vector<ParameterGroup> groups_;
  Index count_ = 0;
  Vector<Scalar> parameters_;
  Vector<Scalar> gradient_;
  Scalar squared_error_ = 0;
  std::uint64_t noise_step_ = 0;
  // Work space of the training calls (a network is not shared between threads while training).
  SparseBatch<Scalar> normalized_input_, noisy_input_;
  std::vector<Matrix<Scalar>> values_;  // values_[0] = Z1, values_[s + 1] = stage s's output
  Matrix<Scalar> gradient_a_, gradient_b_;
  std::vector<Bf16> bf16_;  // [V | W] as bfloat16, with bf16_weights
  std::vector<LocalKernel<Scalar>> kernels_;  // the kernelised layers' sites, in layer order
  std::uint64_t parameters_version_ = 0;     // counts the non-const parameters() calls
  mutable EffectiveParameters effective_;
  Vector<Scalar> kernel_scratch_;
};

}  // namespace autorec
