#pragma once
// The output loss: the end of a network's training pass, from the code H (kn x B) through
// the output layer (O = W H + b 1^T, W: d x kn row-major, b: d) and the output activation to
// the data term against the batch's targets (d x B; its stored entries are the observed
// values). One interface, one class per loss:
//   squared-error  (observed_squared_error.hpp) AutoRec's sum of squared errors at the
//                  observed entries; O is evaluated there only, O(nnz kn)
//   multinomial    (multinomial.hpp) the softmax over all d outputs and the multinomial
//                  log-likelihood of the observed entries (Mult-DAE, Mult-VAE); O is formed
//                  in full, O(d kn B), since every output enters the softmax
// A call returns L, adds dL/dW and dL/db into the output layer's gradient slice, and sets
// code_gradient = dL/dH. A loss keeps its own workspace (training state, not the network's).
// New losses register by name (output_losses.hpp), as layers do.

#include <memory>
#include <string>

#include "autorec/kernels/lanes.hpp"
#include "autorec/layers/layer.hpp"
#include "autorec/layers/observed_output.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class OutputLoss {
 public:
  using ScalarType = Scalar;
  virtual ~OutputLoss() = default;
  virtual std::string name() const = 0;
  /// Whether predictions go through `activation` before they are scored (false: the loss
  /// reads O itself, and the activation must be the identity).
  virtual bool reads_activation() const { return true; }
  /// L for `targets` from code H; adds dW, db into `gradient` (the output layer's slice, as
  /// `theta` is its parameters); sets code_gradient = W^T dO. `weights_bf16`, when given, is
  /// W rounded to bfloat16 for the products (a loss may ignore it).
  virtual Scalar loss_and_backward(const ObservedOutputDense<Scalar>& layer, const ActivationLayer<Scalar>& activation,
                                   const Scalar* theta, Scalar* gradient, const Matrix<Scalar>& code,
                                   const SparseBatch<Scalar>& targets, Matrix<Scalar>& code_gradient,
                                   const Bf16* weights_bf16) = 0;
  virtual std::unique_ptr<OutputLoss> clone() const = 0;
};

}  // namespace autorec
