#pragma once
// Rectified linear unit: h = max(z, 0), dz = dh where z > 0, else 0 (also at z = 0).

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Relu {
  static constexpr const char* kind = "relu";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    return z.max(typename Z::Scalar(0));
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& z, const Eigen::ArrayBase<H>& /*h*/, const Eigen::ArrayBase<G>& dh) {
    return (z > typename Z::Scalar(0)).select(dh, typename G::Scalar(0));
  }
};

}  // namespace autorec
