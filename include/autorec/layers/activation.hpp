#pragma once
// Elementwise activations, H = f(Z). An activation is a small struct `F` with its name and
// two array expressions (docs/extending.md adds one):
//   F::kind                       the name models and command lines use
//   F::forward(z)                 f(z)
//   F::backward(z, h, dh)         dL/dz = dh f'(z), given h = f(z) as well (use either)
// Activation<Scalar, F> turns it into a layer, and AUTOREC_REGISTER_ACTIVATION(F) makes it
// known by name. Shapes: Z, H, dH, dZ are all out x B, out = in.

#include <memory>

#include "autorec/layers/layer.hpp"
#include "autorec/layers/registry.hpp"
#include "autorec/parallel.hpp"

namespace autorec {

template <typename Scalar, typename F>
class Activation final : public ActivationLayer<Scalar> {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;

 public:
  explicit Activation(Index width) : width_(width) {
    if (width <= 0) throw std::invalid_argument(std::string(F::kind) + ": width must be positive");
  }

  LayerSpec spec() const override { return {F::kind, 0, 0}; }
  Index inputs() const override { return width_; }
  Index outputs() const override { return width_; }

  void forward_values(const Scalar* z, Scalar* h, Index n) const override {
    Eigen::Map<Array>(h, n) = F::forward(Eigen::Map<const Array>(z, n));
  }
  void backward_values(const Scalar* z, const Scalar* h, const Scalar* dh, Scalar* dz, Index n) const override {
    Eigen::Map<Array>(dz, n) =
        F::backward(Eigen::Map<const Array>(z, n), Eigen::Map<const Array>(h, n), Eigen::Map<const Array>(dh, n));
  }

  void forward(const Scalar* /*theta*/, const Matrix<Scalar>& input, Matrix<Scalar>& output) const override {
    require_width(input.rows());
    output.resize(input.rows(), input.cols());
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < input.cols(); ++j) forward_values(input.col(j).data(), output.col(j).data(), input.rows());
  }
  void backward(const Scalar* /*theta*/, const Matrix<Scalar>& input, const Matrix<Scalar>& output,
                const Matrix<Scalar>& output_gradient, Matrix<Scalar>& input_gradient) const override {
    require_width(output_gradient.rows());
    input_gradient.resize(output.rows(), output.cols());
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < output.cols(); ++j)
      backward_values(input.col(j).data(), output.col(j).data(), output_gradient.col(j).data(),
                      input_gradient.col(j).data(), output.rows());
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Activation>(*this); }
  std::unique_ptr<ActivationLayer<Scalar>> clone_activation() const override {
    return std::make_unique<Activation>(*this);
  }

 private:
  void require_width(Index rows) const {
    if (rows != width_)
      throw std::invalid_argument(std::string(F::kind) + ": input has " + std::to_string(rows) + " rows, expected " +
                                  std::to_string(width_));
  }
  Index width_;
};

namespace detail {
template <typename F>
struct MakeActivation {
  template <typename Scalar>
  static std::unique_ptr<Layer<Scalar>> make(const LayerSpec&, Index inputs) {
    return std::make_unique<Activation<Scalar, F>>(inputs);
  }
};
}  // namespace detail

/// Registers F as a layer kind and as an activation for one scalar type.
template <typename Scalar, typename F>
bool register_activation_for() {
  activation_factories<Scalar>()[F::kind] = [](Index width) { return std::make_unique<Activation<Scalar, F>>(width); };
  return register_layer_for<Scalar, detail::MakeActivation<F>>(F::kind);
}

/// Registers F as a layer kind and as an activation, for float and double.
template <typename F>
bool register_activation() {
  return register_activation_for<float, F>() && register_activation_for<double, F>();
}

}  // namespace autorec

/// A host program's activation: put after its struct, at namespace scope, in its header. (The
/// built-in activations are listed in layers/layer_kinds.hpp instead, registered on first use.)
#define AUTOREC_REGISTER_ACTIVATION(F) \
  inline const bool autorec_registered_activation_##F = ::autorec::register_activation<F>();
