#pragma once
// What every fully connected layer shares: Y = W X + b 1^T with W: out x in, b: out,
// X: in x B, Y: out x B; its parameter slice is [W | b] with W stored in `Layout` order.
// Dense (hidden), SparseInputDense and ObservedOutputDense add their own data roles. Any of
// them can be kernelised (layers/local_kernel.hpp): its slice is then [W | b | A | C], and the
// network hands it W .* K where W stands.
//
// With dY = dL/dY (out x B):
//   dX = W^T dY        in x B
//   dW += dY X^T       out x in
//   db += dY 1         out

#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/layers/layer.hpp"
#include "autorec/layers/local_kernel.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar, int Layout>
class DenseWeights {
 public:
  using WeightMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

  /// `dims` > 0: kernelised (local_kernel.hpp), with embeddings of that size per unit.
  DenseWeights(Index inputs, Index outputs, Index dims = 0) : inputs_(inputs), outputs_(outputs), dims_(dims) {
    if (dims < 0 || dims > 1000)
      throw std::invalid_argument("Dense: the kernel's embedding size must lie in [0, 1000], got " + std::to_string(dims));
    if (inputs <= 0 || outputs <= 0)
      throw std::invalid_argument("Dense: inputs and outputs must be positive, got " + std::to_string(inputs) +
                                  " and " + std::to_string(outputs));
    if (inputs > (std::numeric_limits<Index>::max() - outputs) / outputs - 1)
      throw std::invalid_argument("Dense: " + std::to_string(inputs) + " x " + std::to_string(outputs) +
                                  " weights overflow the parameter count");
  }

  Index inputs() const { return inputs_; }
  Index outputs() const { return outputs_; }
  Index kernel_dims() const { return dims_; }
  /// Size of the [W | b] slice: out * in + out, and with a kernel [A | C]: dims (in + out).
  Index parameter_count() const { return outputs_ * inputs_ + outputs_ + dims_ * (inputs_ + outputs_); }
  /// W decays, b does not, nor do the kernel's embeddings (|K|^2 regularises them).
  std::vector<ParameterGroup> parameter_groups() const {
    std::vector<ParameterGroup> groups{{0, outputs_ * inputs_, true}, {outputs_ * inputs_, outputs_, false}};
    if (dims_ > 0) groups.push_back({outputs_ * inputs_ + outputs_, dims_ * (inputs_ + outputs_), false});
    return groups;
  }
  /// W, then A and C after b, for a kernelised layer.
  std::optional<KernelSite> kernel_site() const {
    if (dims_ == 0) return std::nullopt;
    return KernelSite{0, outputs_, inputs_, Layout == Eigen::RowMajor, outputs_ * inputs_ + outputs_, dims_};
  }

  Eigen::Map<const WeightMatrix> weights(const Scalar* theta) const { return {theta, outputs_, inputs_}; }
  Eigen::Map<WeightMatrix> weights(Scalar* theta) const { return {theta, outputs_, inputs_}; }
  Eigen::Map<const Vector<Scalar>> bias(const Scalar* theta) const { return {theta + outputs_ * inputs_, outputs_}; }
  Eigen::Map<Vector<Scalar>> bias(Scalar* theta) const { return {theta + outputs_ * inputs_, outputs_}; }

  /// The sparse ends' start (the paper's): W from weight_scale * N(0, 1), then b from
  /// bias_scale * N(0, 1).
  void initialize(Scalar* theta, Random& random, const Initialization<Scalar>& init) const {
    draw(theta, random, init.weight_scale, init.bias_scale);
    draw_kernel(theta, random, init);
  }
  /// A kernelised layer's embeddings, after W and b (LocalKernel::initialize).
  void draw_kernel(Scalar* theta, Random& random, const Initialization<Scalar>& init) const {
    if (const auto site = kernel_site()) LocalKernel<Scalar>{*site}.initialize(theta, random, init.kernel_scale);
  }

  /// W from weight_scale * N(0, 1), then b from bias_scale * N(0, 1).
  void draw(Scalar* theta, Random& random, Scalar weight_scale, Scalar bias_scale) const {
    for (Index i = 0; i < outputs_ * inputs_; ++i) theta[i] = weight_scale * Scalar(random.normal());
    for (Index i = 0; i < outputs_; ++i) theta[outputs_ * inputs_ + i] = bias_scale * Scalar(random.normal());
  }

  /// Y = W X + b 1^T for a dense X.
  template <typename Derived>
  void forward_dense(const Scalar* theta, const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    require_rows(input.rows(), inputs_, "forward input");
    output.noalias() = weights(theta) * input;
    output.colwise() += bias(theta);
  }

  /// dX = W^T dY for dense dY.
  template <typename GradDerived>
  void backward_dense(const Scalar* theta, const Eigen::MatrixBase<GradDerived>& output_gradient,
                      Matrix<Scalar>& input_gradient) const {
    require_rows(output_gradient.rows(), outputs_, "backward output gradient");
    input_gradient.noalias() = weights(theta).transpose() * output_gradient;
  }

  /// dW += dY X^T and db += dY 1 for dense X and dY.
  template <typename InputDerived, typename GradDerived>
  void accumulate_dense(Scalar* gradient, const Eigen::MatrixBase<InputDerived>& input,
                        const Eigen::MatrixBase<GradDerived>& output_gradient) const {
    require_rows(input.rows(), inputs_, "gradient input");
    require_rows(output_gradient.rows(), outputs_, "gradient output gradient");
    require_cols(output_gradient.cols(), input.cols(), "gradient output gradient");
    weights(gradient).noalias() += output_gradient * input.transpose();
    bias(gradient).noalias() += output_gradient.rowwise().sum();
  }

 protected:
  template <typename Sparse>
  static void require_compressed(const Sparse& matrix, const char* what) {
    if (!matrix.isCompressed()) throw std::invalid_argument(std::string("Dense: ") + what + " must be in compressed storage");
  }
  static void require_rows(Index got, Index expected, const char* what) {
    if (got != expected)
      throw std::invalid_argument(std::string("Dense: ") + what + " has " + std::to_string(got) + " rows, expected " +
                                  std::to_string(expected));
  }
  static void require_cols(Index got, Index expected, const char* what) {
    if (got != expected)
      throw std::invalid_argument(std::string("Dense: ") + what + " has " + std::to_string(got) +
                                  " columns, expected " + std::to_string(expected));
  }

 private:
  Index inputs_;
  Index outputs_;
  Index dims_;
};

}  // namespace autorec
