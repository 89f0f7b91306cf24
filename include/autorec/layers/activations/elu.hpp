#pragma once
// Exponential linear unit (Clevert et al., 2016), alpha = 1: h = z for z > 0, exp(z) - 1
// otherwise; dz = dh for z > 0, dh exp(z) = dh (h + 1) otherwise.

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Elu {
  static constexpr const char* kind = "elu";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    using S = typename Z::Scalar;
    // expm1 keeps precision near 0; min(z, 0) keeps exp from overflowing on the unused side.
    return (z > S(0)).select(z, z.min(S(0)).expm1());
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& z, const Eigen::ArrayBase<H>& h, const Eigen::ArrayBase<G>& dh) {
    using S = typename Z::Scalar;
    return (z > S(0)).select(dh, dh * (h + S(1)));
  }
};

}  // namespace autorec
