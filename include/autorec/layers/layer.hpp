#pragma once
// The layer contract. Every layer of an autorec network follows it; docs/extending.md walks
// through adding one.
//
// Data: one sample per column. A layer maps X (in x B) to Y (out x B).
//
// Parameters: a layer owns none. The network owns one flat parameter vector theta and one
// gradient vector of the same size; each layer is handed the start of its own slice of both
// on every call (`theta`, `gradient`), so layers hold no pointers and copying a network is
// safe by construction. A layer describes its slice by parameter_groups(): contiguous runs,
// with offsets relative to the slice start, that tile [0, parameter_count()) and say whether
// L2 decay applies (weights) or not (biases). The network concatenates the layers' groups in
// order: that list is the whole model's layout, and nothing else writes it down.
//
// The calls, for a loss L:
//   forward(theta, X, Y)                  Y = layer(X); deterministic (prediction).
//   forward_training(theta, X, Y, seed)   the training forward: a stochastic layer (dropout)
//                                         draws its noise from `seed` and keeps what backward
//                                         needs; others do what forward does.
//   penalty()                             a term the layer adds to the objective, of the last
//                                         forward_training (a Gaussian layer's beta KL; 0 for
//                                         most), whose gradient backward includes in dX;
//   set_penalty_weight(w)                 that term's weight (beta), which a trainer anneals
//   stochastic()                          whether forward_training differs from forward
//                                         (false unless the layer draws noise): a trainer
//                                         may then reuse a training forward as a prediction.
//   backward(theta, X, Y, dY, dX)         dX = dL/dX (in x B) from dY = dL/dY (out x B), with
//                                         X and Y those of the last forward_training.
//   accumulate_gradient(gradient, X, dY)  adds dL/dtheta into the layer's gradient slice
//                                         (+=, so minibatch parts and the regulariser sum).
//   initialize(theta, random, init)       draws the layer's starting parameters.
//   kernel_site()                         where a kernelised layer's W and embeddings lie;
//                                         its calls then see W .* K (local_kernel.hpp).
//   spec()                                what the model file stores to rebuild the layer.
//
// The two ends of an AutoRec network have the same calls with other types, because their
// data is sparse: SparseInputDense reads a sparse batch and has no dX (the ratings are data),
// and ObservedOutputDense produces outputs only at the observed entries.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "autorec/layers/local_kernel.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// How a network describes one layer in a model file: a kind known to the layer registry
/// (layers/registry.hpp), and the kind's size (Dense: outputs) or rate (Dropout); `dims` > 0
/// makes a Dense a kernelised one (layers/local_kernel.hpp) with embeddings of that size.
struct LayerSpec {
  std::string kind;
  Index size = 0;
  double rate = 0;
  Index dims = 0;
};

/// Starting scales: weights weight_scale * N(0, 1), biases bias_scale * N(0, 1) (the
/// AutoRec ends); hidden Dense layers use N(0, 1) / sqrt(inputs) instead (see dense.hpp).
template <typename Scalar>
struct Initialization {
  Scalar weight_scale = Scalar(0.01);
  Scalar bias_scale = Scalar(0.001);
  Scalar kernel_scale = Scalar(0.001);  ///< a local kernel's embeddings (truncated normal)
};

/// A dense-to-dense stage between a network's sparse ends: Dense, activations, Dropout.
template <typename Scalar>
class Layer {
 public:
  using ScalarType = Scalar;
  virtual ~Layer() = default;

  virtual LayerSpec spec() const = 0;
  virtual Index inputs() const = 0;
  virtual Index outputs() const = 0;
  virtual Index parameter_count() const { return 0; }
  virtual std::vector<ParameterGroup> parameter_groups() const { return {}; }
  virtual void initialize(Scalar* /*theta*/, Random& /*random*/, const Initialization<Scalar>& /*init*/) const {}
  /// A kernelised layer's weight and embeddings within its slice (layers/local_kernel.hpp):
  /// the network then hands every call the slice with W .* K in place of W, and turns the
  /// weight gradient the layer accumulates into those of W and the embeddings.
  virtual std::optional<KernelSite> kernel_site() const { return std::nullopt; }

  virtual void forward(const Scalar* theta, const Matrix<Scalar>& input, Matrix<Scalar>& output) const = 0;
  virtual void forward_training(const Scalar* theta, const Matrix<Scalar>& input, Matrix<Scalar>& output,
                                std::uint64_t /*seed*/) {
    forward(theta, input, output);
  }
  virtual bool stochastic() const { return false; }
  virtual double penalty() const { return 0; }
  virtual void set_penalty_weight(double /*weight*/) {}
  virtual void backward(const Scalar* theta, const Matrix<Scalar>& input, const Matrix<Scalar>& output,
                        const Matrix<Scalar>& output_gradient, Matrix<Scalar>& input_gradient) const = 0;
  virtual void accumulate_gradient(Scalar* /*gradient*/, const Matrix<Scalar>& /*input*/,
                                   const Matrix<Scalar>& /*output_gradient*/) const {}

  virtual std::unique_ptr<Layer> clone() const = 0;
};

/// An elementwise activation H = f(Z) (out = in). Besides the Layer calls it works on raw
/// runs of values, which is how a network applies its output activation at observed entries:
///   forward_values:  h[i] = f(z[i])
///   backward_values: dz[i] = dh[i] f'(z[i]) (given h = f(z) too; dz may alias dh)
template <typename Scalar>
class ActivationLayer : public Layer<Scalar> {
 public:
  virtual void forward_values(const Scalar* z, Scalar* h, Index n) const = 0;
  virtual void backward_values(const Scalar* z, const Scalar* h, const Scalar* dh, Scalar* dz, Index n) const = 0;
  virtual std::unique_ptr<ActivationLayer> clone_activation() const = 0;
};

/// Owns a polymorphic layer and deep-copies it, so containers of layers copy by value.
template <typename T>
class Owned {
 public:
  Owned() = default;
  explicit Owned(std::unique_ptr<T> pointer) : pointer_(std::move(pointer)) {}
  Owned(const Owned& other) : pointer_(other.pointer_ ? other.copy() : nullptr) {}
  Owned(Owned&&) noexcept = default;
  Owned& operator=(const Owned& other) {
    if (this != &other) pointer_ = other.pointer_ ? other.copy() : nullptr;
    return *this;
  }
  Owned& operator=(Owned&&) noexcept = default;
  T& operator*() const { return *pointer_; }
  T* operator->() const { return pointer_.get(); }
  explicit operator bool() const { return bool(pointer_); }

 private:
  std::unique_ptr<T> copy() const {
    if constexpr (std::is_same_v<T, ActivationLayer<typename T::ScalarType>>)
      return pointer_->clone_activation();
    else
      return pointer_->clone();
  }
  std::unique_ptr<T> pointer_;
};

}  // namespace autorec
