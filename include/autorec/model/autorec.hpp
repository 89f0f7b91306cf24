#pragma once
// AutoRec (Sedhain et al., WWW 2015): h(r) = f(W g(V r + mu) + b), g = sigmoid, f = identity.
//   r: d (one item's ratings by d users for I-AutoRec), V: k x d, mu: k, W: d x k, b: d.
// Objective over a batch R (d x B) with observed pattern Omega:
//   L = sum over Omega of (h(R)(u, j) - R(u, j))^2 + share * (lambda / 2) (|W|^2 + |V|^2)
// where `share` is the batch's share of one epoch (1 for a full batch), so one epoch of
// minibatches adds the regulariser exactly once. Biases are not regularised.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/layers/dense.hpp"
#include "autorec/layers/identity.hpp"
#include "autorec/layers/sigmoid.hpp"
#include "autorec/loss/masked_mse.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar = float>
class AutoRec {
 public:
  struct Options {
    Index inputs = 0;           ///< d: users for I-AutoRec, items for U-AutoRec
    Index hidden = 500;         ///< k
    Scalar lambda = Scalar(1);  ///< L2 strength in the paper's units
    std::uint64_t seed = 42;    ///< seeds the initial weights
    Scalar weight_scale = Scalar(0.01);  ///< weights start as weight_scale * N(0, 1)
    Scalar bias_scale = Scalar(0.001);   ///< biases start as bias_scale * N(0, 1)
  };

  // Flat parameter layout: [ V (k x d, column-major) | mu (k) | W (d x k, row-major) | b (d) ].
  // Column u of V and row u of W (both user u's weights) are contiguous k-vectors.
  explicit AutoRec(const Options& options)
      : options_(checked(options)),
        encoder_(options.inputs, options.hidden),
        decoder_(options.hidden, options.inputs),
        parameters_(encoder_.parameter_count() + decoder_.parameter_count()),
        gradient_(Vector<Scalar>::Zero(parameters_.size())) {
    bind_layers();
    initialize(options.seed);
  }

  AutoRec(const AutoRec& other)
      : options_(other.options_), encoder_(other.encoder_), decoder_(other.decoder_),
        parameters_(other.parameters_), gradient_(other.gradient_),
        squared_error_(other.squared_error_) {
    bind_layers();
  }
  AutoRec& operator=(const AutoRec& other) {
    if (this != &other) {
      AutoRec copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  AutoRec(AutoRec&& other) noexcept
      : options_(other.options_), encoder_(other.encoder_), decoder_(other.decoder_),
        parameters_(std::move(other.parameters_)), gradient_(std::move(other.gradient_)),
        squared_error_(other.squared_error_) {
    bind_layers();
  }
  AutoRec& operator=(AutoRec&& other) noexcept {
    options_ = other.options_;
    encoder_ = other.encoder_;
    decoder_ = other.decoder_;
    parameters_ = std::move(other.parameters_);
    gradient_ = std::move(other.gradient_);
    squared_error_ = other.squared_error_;
    bind_layers();
    return *this;
  }

  /// Draws weights from weight_scale * N(0, 1) and biases from bias_scale * N(0, 1).
  void initialize(std::uint64_t seed) {
    Random random(seed);
    for (const auto& group : parameter_groups()) {
      const Scalar scale = group.decays ? options_.weight_scale : options_.bias_scale;
      for (Index i = 0; i < group.size; ++i)
        parameters_[group.offset + i] = scale * Scalar(random.normal());
    }
  }

  const Options& options() const { return options_; }
  Index inputs() const { return options_.inputs; }
  Index hidden() const { return options_.hidden; }
  Scalar lambda() const { return options_.lambda; }
  void set_lambda(Scalar lambda) { options_.lambda = lambda; }

  /// The flat parameter vector (2dk + d + k scalars) and its gradient from the last call.
  Vector<Scalar>& parameters() { return parameters_; }
  const Vector<Scalar>& parameters() const { return parameters_; }
  const Vector<Scalar>& gradient() const { return gradient_; }
  /// The data term (sum of squared errors on observed entries) of the last loss_and_gradient.
  Scalar last_squared_error() const { return squared_error_; }

  /// V, mu, W, b as groups of the flat vector; the weights decay, the biases do not.
  std::vector<ParameterGroup> parameter_groups() const {
    const Index d = inputs(), k = hidden();
    return {{0, k * d, true}, {k * d, k, false}, {k * d + k, d * k, true}, {2 * k * d + k, d, false}};
  }

  const Dense<Scalar, Eigen::ColMajor>& encoder() const { return encoder_; }
  const Dense<Scalar, Eigen::RowMajor>& decoder() const { return decoder_; }

  /// Objective and gradient on a sparse batch (d x B, the stored entries are the observed
  /// ratings), in O(nnz k): the encoder reads only nonzeros and the decoder is evaluated only
  /// at observed entries. Fills gradient(); returns L.
  Scalar loss_and_gradient(const SparseBatch<Scalar>& batch, Scalar share = Scalar(1)) {
    require_inputs(batch.rows());
    gradient_.setZero();
    // H = sigmoid(V X + mu 1^T) (k x B)
    encode(batch.by_column, hidden_);
    // O = W H + b 1^T on Omega only; dO = 2 (O - X) on Omega; dH = W^T dO (k x B)
    squared_error_ = observed_squared_error(decoder_, hidden_, batch.by_column, output_gradient_, hidden_gradient_);
    // dW += dO H^T; db += dO 1
    decoder_.accumulate_gradient_at(hidden_, batch, output_gradient_);
    // dZ = dH .* H .* (1 - H);  dV += dZ X^T;  dmu += dZ 1
    sigmoid_.backward(hidden_, hidden_gradient_, hidden_gradient_);
    encoder_.accumulate_gradient(batch.by_row, hidden_gradient_);
    return squared_error_ + add_regularization(share);
  }

  /// The same objective on dense ratings (d x B) with `mask` nonzero where observed: the
  /// reference path (O(d k B)) and the one for dense inputs. Unobserved entries of `ratings`
  /// must be 0 (they are the encoder's input as in the sparse path).
  template <typename RatingsDerived, typename MaskDerived>
  Scalar loss_and_gradient(const Eigen::MatrixBase<RatingsDerived>& ratings,
                           const Eigen::MatrixBase<MaskDerived>& mask, Scalar share = Scalar(1)) {
    require_inputs(ratings.rows());
    gradient_.setZero();
    Matrix<Scalar> output, output_gradient;
    encoder_.forward(ratings, hidden_);
    sigmoid_.forward(hidden_, hidden_);
    decoder_.forward(hidden_, output);
    identity_.forward(output, output);
    squared_error_ = masked_squared_error(output, ratings, mask, output_gradient);
    identity_.backward(output, output_gradient, output_gradient);
    decoder_.backward(hidden_, output_gradient, hidden_gradient_);
    sigmoid_.backward(hidden_, hidden_gradient_, hidden_gradient_);
    encoder_.accumulate_gradient(ratings, hidden_gradient_);
    return squared_error_ + add_regularization(share);
  }

  /// Full reconstruction h(r) of each column of `inputs` (d x B sparse): d x B dense.
  void predict(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& outputs) const {
    require_inputs(inputs.rows());
    Matrix<Scalar> hidden;
    encode(inputs, hidden);
    decoder_.forward(hidden, outputs);
  }

  /// Reconstruction of each column of `inputs` only at the stored entries of `pattern` (both
  /// d x B): values[p] for the entry at storage position p of `pattern`. O((nnz(inputs) +
  /// nnz(pattern)) k), so scoring a test set never forms the d x B output.
  void predict_at(const SparseColumns<Scalar>& inputs, const SparseColumns<Scalar>& pattern,
                  Vector<Scalar>& values) const {
    require_inputs(inputs.rows());
    Matrix<Scalar> hidden;
    encode(inputs, hidden);
    decoder_.forward_at(hidden, pattern, values);
  }

  /// H = sigmoid(V X + mu 1^T) (k x B).
  void encode(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& hidden) const {
    encoder_.forward(inputs, hidden);
    sigmoid_.forward(hidden, hidden);
  }

 private:
  static Options checked(const Options& options) {
    if (options.inputs <= 0 || options.hidden <= 0)
      throw std::invalid_argument("AutoRec: inputs and hidden must be positive, got " +
                                  std::to_string(options.inputs) + " and " +
                                  std::to_string(options.hidden));
    if (!(options.lambda >= 0)) throw std::invalid_argument("AutoRec: lambda must be >= 0");
    return options;
  }

  void bind_layers() {
    encoder_.bind(parameters_.data(), gradient_.data());
    const Index offset = encoder_.parameter_count();
    decoder_.bind(parameters_.data() + offset, gradient_.data() + offset);
  }

  void require_inputs(Index rows) const {
    if (rows != inputs())
      throw std::invalid_argument("AutoRec: input has " + std::to_string(rows) +
                                  " rows, the model expects " + std::to_string(inputs()));
  }

  // share * (lambda / 2) (|W|^2 + |V|^2); gradient share * lambda * W (and V).
  Scalar add_regularization(Scalar share) {
    const Scalar strength = share * options_.lambda;
    if (strength == 0) return 0;
    auto V = encoder_.weights();
    auto W = decoder_.weights();
    encoder_.weight_gradient() += strength * V;
    decoder_.weight_gradient() += strength * W;
    return strength / 2 * (V.squaredNorm() + W.squaredNorm());
  }

  Options options_;
  Dense<Scalar, Eigen::ColMajor> encoder_;  // V, mu
  Sigmoid<Scalar> sigmoid_;
  Dense<Scalar, Eigen::RowMajor> decoder_;  // W, b
  Identity<Scalar> identity_;
  Vector<Scalar> parameters_;
  Vector<Scalar> gradient_;
  Scalar squared_error_ = 0;
  // Work space reused across calls (a model is not shared between threads while training).
  Matrix<Scalar> hidden_;
  Matrix<Scalar> hidden_gradient_;
  Vector<Scalar> output_gradient_;  // dL/dO at the observed entries
};

}  // namespace autorec
