#pragma once
// A hidden fully connected stage, dense in and dense out: Y = W X + b 1^T (dense_weights.hpp
// has the math). W is column-major, the order of Eigen's GEMM.

#include <cmath>
#include <memory>

#include "autorec/layers/dense_weights.hpp"
#include "autorec/layers/layer.hpp"

namespace autorec {

template <typename Scalar>
class Dense final : public Layer<Scalar>, public DenseWeights<Scalar, Eigen::ColMajor> {
  using Weights = DenseWeights<Scalar, Eigen::ColMajor>;

 public:
  static constexpr const char* kind = "dense";

  Dense(Index inputs, Index outputs, Index kernel_dims = 0) : Weights(inputs, outputs, kernel_dims) {}
  static std::unique_ptr<Layer<Scalar>> from_spec(const LayerSpec& spec, Index inputs) {
    return std::make_unique<Dense>(inputs, spec.size, spec.dims);
  }

  LayerSpec spec() const override { return {kind, Weights::outputs(), 0, Weights::kernel_dims()}; }
  Index inputs() const override { return Weights::inputs(); }
  Index outputs() const override { return Weights::outputs(); }
  Index parameter_count() const override { return Weights::parameter_count(); }
  std::vector<ParameterGroup> parameter_groups() const override { return Weights::parameter_groups(); }
  std::optional<KernelSite> kernel_site() const override { return Weights::kernel_site(); }

  /// W from N(0, 1) / sqrt(inputs) (LeCun: unit-variance outputs for unit-variance inputs,
  /// what SELU assumes and a safe start for the other activations); b as the AutoRec ends.
  void initialize(Scalar* theta, Random& random, const Initialization<Scalar>& init) const override {
    this->draw(theta, random, Scalar(1 / std::sqrt(double(inputs()))), init.bias_scale);
    this->draw_kernel(theta, random, init);
  }

  void forward(const Scalar* theta, const Matrix<Scalar>& input, Matrix<Scalar>& output) const override {
    this->forward_dense(theta, input, output);
  }
  void backward(const Scalar* theta, const Matrix<Scalar>& /*input*/, const Matrix<Scalar>& /*output*/,
                const Matrix<Scalar>& output_gradient, Matrix<Scalar>& input_gradient) const override {
    this->backward_dense(theta, output_gradient, input_gradient);
  }
  void accumulate_gradient(Scalar* gradient, const Matrix<Scalar>& input,
                           const Matrix<Scalar>& output_gradient) const override {
    this->accumulate_dense(gradient, input, output_gradient);
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dense>(*this); }
};


}  // namespace autorec
