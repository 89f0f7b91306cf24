#pragma once
// Swish (Ramachandran et al., 2017): h = z sigmoid(z). With s = sigmoid(z), f'(z) =
// s + z s (1 - s) = s + h (1 - s). The whole of a new activation: docs/extending.md.

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Swish {
  static constexpr const char* kind = "swish";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    return z * z.logistic();
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& z, const Eigen::ArrayBase<H>& h, const Eigen::ArrayBase<G>& dh) {
    using S = typename Z::Scalar;
    return dh * (z.logistic() + h * (S(1) - z.logistic()));
  }
};
AUTOREC_REGISTER_ACTIVATION(Swish)

}  // namespace autorec
