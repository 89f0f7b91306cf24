#pragma once
// Inverted dropout (Srivastava et al., 2014): in training each entry is kept with probability
// 1 - rate and scaled by 1 / (1 - rate), so a prediction (which keeps every entry unscaled)
// sees the same expected activations. Y = X .* M with M(i, j) in {0, 1 / (1 - rate)}, drawn
// from the step's seed; backward applies the same mask: dX = dY .* M. Shapes out = in.

#include <memory>
#include <stdexcept>
#include <string>

#include "autorec/kernels/noise.hpp"
#include "autorec/layers/layer.hpp"
#include "autorec/parallel.hpp"

namespace autorec {

template <typename Scalar>
class Dropout final : public Layer<Scalar> {
 public:
  static constexpr const char* kind = "dropout";

  Dropout(Index width, double rate) : width_(width), rate_(rate) {
    if (width <= 0) throw std::invalid_argument("dropout: width must be positive");
    if (!(rate >= 0 && rate < 1))
      throw std::invalid_argument("dropout: the rate must lie in [0, 1), got " + std::to_string(rate));
  }

  static std::unique_ptr<Layer<Scalar>> from_spec(const LayerSpec& spec, Index inputs) {
    return std::make_unique<Dropout>(inputs, spec.rate);
  }

  LayerSpec spec() const override { return {kind, 0, rate_}; }
  Index inputs() const override { return width_; }
  Index outputs() const override { return width_; }
  double rate() const { return rate_; }
  bool stochastic() const override { return rate_ > 0; }

  /// Prediction: every entry kept, unscaled.
  void forward(const Scalar*, const Matrix<Scalar>& input, Matrix<Scalar>& output) const override {
    output = input;
  }
  void forward_training(const Scalar*, const Matrix<Scalar>& input, Matrix<Scalar>& output,
                        std::uint64_t seed) override {
    if (rate_ == 0) return forward(nullptr, input, output);  // and mask_ stays empty
    const Scalar scale = Scalar(1 / (1 - rate_));
    mask_.resize(input.rows(), input.cols());
    output.resize(input.rows(), input.cols());
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < input.cols(); ++j)
      for (Index i = 0; i < input.rows(); ++i) {
        const Index at = j * input.rows() + i;
        mask_(i, j) = keeps(seed, std::uint64_t(at), rate_) ? scale : Scalar(0);
        output(i, j) = input(i, j) * mask_(i, j);
      }
  }
  /// dX = dY .* M, with the mask of the last forward_training.
  void backward(const Scalar*, const Matrix<Scalar>&, const Matrix<Scalar>&, const Matrix<Scalar>& output_gradient,
                Matrix<Scalar>& input_gradient) const override {
    if (mask_.size() == 0) {
      input_gradient = output_gradient;
      return;
    }
    if (mask_.rows() != output_gradient.rows() || mask_.cols() != output_gradient.cols())
      throw std::invalid_argument("dropout: backward's gradient does not match the last forward");
    input_gradient = output_gradient.cwiseProduct(mask_);
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dropout>(*this); }

 private:
  Index width_;
  double rate_;
  Matrix<Scalar> mask_;  // of the last forward_training; empty when the rate is 0
};


}  // namespace autorec
