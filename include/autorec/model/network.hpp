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
// The network owns one flat parameter vector. Its layout is the layers' parameter groups
// concatenated in order (input layer, stages, output layer), so for AutoRec
// [V (k x d) | mu (k) | W (d x k) | b (d)]; nothing else writes it down. Layers hold no
// pointers into it, so copies and moves need no care. A network is its architecture, its
// parameters and its prediction: the objective's gradient, the training workspace and the
// dropout noise step belong to a TrainingPass (train/training_pass.hpp).

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

template <typename Scalar>
class TrainingPass;  // train/training_pass.hpp: the gradient and workspace of training

template <typename Scalar = float>
class Network {
  friend class TrainingPass<Scalar>;

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

  /// A copy that predicts as this one: its parameters in fresh layers (no layer keeps a
  /// training cache, such as a Dropout mask), bf16_weights off (what an Ensemble or a Scorer keeps).
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
  /// Options::bf16_weights, which a loaded network does not store: set it to train with it
  /// (a TrainingPass made afterwards reads V and W as bfloat16).
  void set_bf16_weights(bool on) { options_.bf16_weights = on; }
  void set_lambda(Scalar lambda) { options_.lambda = lambda; }

  /// The flat parameter vector (its gradient is a TrainingPass's).
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
  /// The layout: every layer's parameter groups, in order (weights decay, biases do not).
  const std::vector<ParameterGroup>& parameter_groups() const { return groups_; }
  const OutputLoss<Scalar>& output_loss() const { return *output_loss_; }
  /// Whether a training forward equals the prediction forward: no input dropout and no
  /// stochastic stage. Then a TrainingPass's code() is encode() of its last batch (with
  /// bf16_weights, as read through the pass's bfloat16 V).
  bool trains_deterministically() const {
    return !(architecture_.input_dropout > 0) &&
           std::none_of(stages_.begin(), stages_.end(), [](const auto& stage) { return stage->stochastic(); });
  }

  const SparseInputDense<Scalar>& input_layer() const { return input_layer_; }
  const ObservedOutputDense<Scalar>& output_layer() const { return output_layer_; }
  const ActivationLayer<Scalar>& output_activation() const { return *output_activation_; }
  std::size_t stage_count() const { return stages_.size(); }
  const Layer<Scalar>& stage(std::size_t s) const { return *stages_.at(s); }
  /// Where each layer's slice starts: the input layer, the stages, then the output layer.
  const std::vector<Index>& layer_offsets() const { return offsets_; }

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

  /// How the layout depends on the input units, for a trainer that splits them over shards
  /// (sharding/). Runs in layout order, each either `per_input` values for every input unit
  /// (unit u's at offset + u * per_input: V's columns, W's rows, b, and of a kernelised end
  /// the embeddings of its input-side units), or, with per_input 0, values that do not
  /// depend on the inputs (mu, the stages, and of a kernelised end the embeddings of its
  /// hidden-side units). Of the latter, the `summed` ones (those embeddings) take their
  /// gradient from every input unit's kernel entries; mu's and the stages' comes through the
  /// hidden layers alone.
  struct InputRun {
    Index offset = 0, size = 0, per_input = 0;
    bool summed = false;
    bool replicated() const { return per_input == 0; }
  };
  const std::vector<InputRun>& input_runs() const { return input_runs_; }
  /// The same for any architecture, without building the network.
  static std::vector<InputRun> input_runs(const Architecture& architecture) {
    const Architecture& a = checked(architecture);
    const Index d = a.inputs, k1 = a.first_width, in_dims = a.input_kernel_dims, out_dims = a.output_kernel_dims;
    Index stage_parameters = 0, kn = k1;
    for (const auto& stage : make_stages(a)) {
      stage_parameters += stage->parameter_count();
      kn = stage->outputs();
    }
    // Each end's slice is [W | b | A | C] (layers/dense_weights.hpp), A over its inputs and
    // C over its outputs: the input units are the input layer's inputs, the output layer's outputs.
    std::vector<InputRun> runs;
    Index at = 0;
    auto add = [&](Index size, Index per_input, bool summed = false) {
      if (size > 0) runs.push_back({at, size, per_input, summed});
      at += size;
    };
    add(k1 * d, k1);                   // V, column-major: column u is input u's
    add(k1, 0);                        // mu
    add(in_dims * d, in_dims);         // the input units' embeddings
    add(in_dims * k1, 0, true);        // the first hidden units'
    add(stage_parameters, 0);          // the stages
    add(d * kn, kn);                   // W, row-major: row u is output u's
    add(d, 1);                         // b
    add(out_dims * kn, 0, true);       // the last hidden units' embeddings
    add(out_dims * d, out_dims);       // the output units'
    if (at != parameter_count(a)) throw std::logic_error("Network::input_runs: the runs miss the layout");
    return runs;
  }
  /// How many parameters do not depend on the inputs (the input runs' replicated ones).
  Index replicated_size() const {
    Index size = 0;
    for (const InputRun& run : input_runs_)
      if (run.replicated()) size += run.size;
    return size;
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
    input_runs_ = input_runs(architecture_);
  }

  // V's size (k1 x d), the first run of the layout.
  Index input_weight_count() const { return input_layer_.outputs() * inputs(); }
  // Layer `layer`'s slice of the parameters as the layers' calls read it: with every
  // kernelised W replaced by W .* K (effective_parameters()), and of the parameters themselves.
  const Scalar* effective(std::size_t layer) const { return effective_parameters() + offsets_[layer]; }
  Scalar* raw(std::size_t layer) { return parameters_.data() + offsets_[layer]; }

  std::uint64_t noise_seed(std::uint64_t step, std::size_t layer) const {
    return mix64(options_.seed ^ mix64(step ^ mix64(std::uint64_t(layer) + 1)));
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
  void require_inputs(Index rows) const {
    if (rows != inputs())
      throw std::invalid_argument("Network: input has " + std::to_string(rows) + " rows, the model expects " +
                                  std::to_string(inputs()));
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
  std::vector<LocalKernel<Scalar>> kernels_;  // the kernelised layers' sites, in layer order
  std::vector<InputRun> input_runs_;
  std::uint64_t parameters_version_ = 0;     // counts the non-const parameters() calls
  mutable EffectiveParameters effective_;
};

}  // namespace autorec
