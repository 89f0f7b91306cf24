#pragma once
// Scaled ELU (Klambauer et al., 2017): h = l z for z > 0, l a (exp(z) - 1) otherwise, with
// l = 1.0507009873554805 and a = 1.6732632423543772, which keep unit-variance activations
// unit-variance through LeCun-initialised Dense layers. dz = dh l for z > 0, dh (h + l a)
// otherwise.

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Selu {
  static constexpr const char* kind = "selu";
  static constexpr double kScale = 1.0507009873554805;
  static constexpr double kAlpha = 1.6732632423543772;
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    using S = typename Z::Scalar;
    return (z > S(0)).select(S(kScale) * z, S(kScale * kAlpha) * z.min(S(0)).expm1());
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& z, const Eigen::ArrayBase<H>& h, const Eigen::ArrayBase<G>& dh) {
    using S = typename Z::Scalar;
    return (z > S(0)).select(S(kScale) * dh, dh * (h + S(kScale * kAlpha)));
  }
};

}  // namespace autorec
