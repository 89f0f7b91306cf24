#pragma once
// Identity, AutoRec's output activation f: h = z, dz = dh.

#include "autorec/layers/activation.hpp"

namespace autorec {

struct Identity {
  static constexpr const char* kind = "identity";
  template <typename Z>
  static auto forward(const Eigen::ArrayBase<Z>& z) {
    return z.derived();
  }
  template <typename Z, typename H, typename G>
  static auto backward(const Eigen::ArrayBase<Z>& /*z*/, const Eigen::ArrayBase<H>& /*h*/,
                       const Eigen::ArrayBase<G>& dh) {
    return dh.derived();
  }
};

}  // namespace autorec
