#pragma once
// Logistic sigmoid, AutoRec's hidden activation g: h = 1 / (1 + exp(-z)), dz = dh h (1 - h).
// Eigen's logistic() never overflows: large |z| gives 0 or 1.

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Sigmoid {
  static constexpr const char* kind = "sigmoid";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    return z.logistic();
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& /*z*/, const Eigen::ArrayBase<H>& h, const Eigen::ArrayBase<G>& dh) {
    return dh * h * (typename H::Scalar(1) - h);
  }
};

}  // namespace autorec
