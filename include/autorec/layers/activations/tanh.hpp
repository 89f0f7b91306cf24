#pragma once
// Hyperbolic tangent: h = tanh(z), dz = dh (1 - h^2).

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Tanh {
  static constexpr const char* kind = "tanh";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    return z.tanh();
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& /*z*/, const Eigen::ArrayBase<H>& h, const Eigen::ArrayBase<G>& dh) {
    return dh * (typename H::Scalar(1) - h.square());
  }
};

}  // namespace autorec
