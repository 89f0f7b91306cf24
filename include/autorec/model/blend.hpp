#pragma once
// A blend of top-N models: each model's scores for a user, over the whole catalogue, are
// standardised and then summed with the blend's weights,
//   s(u) = sum over models m of  w_m (s_m(u) - mean(s_m(u))) / sd(s_m(u))
// (mean and population standard deviation over the items, in double). Models whose scores
// live on other scales (EASE's sums of weights x B, a softmax network's logits) then rank
// together. A score vector with no spread adds nothing. The held-out protocol
// (train/fit_implicit.hpp: blended_scorer, choose_blend) and serving (serve/blend_decoder.hpp)
// both add through add_standardized, so a served blend ranks as the evaluated one.

#include <cmath>

#include <Eigen/Core>

namespace autorec {

/// out += weight * standardised(scores): both are vectors (a row or a column) of one user's
/// scores over the same items. `out` is written through a const reference, Eigen's idiom for
/// writable sub-expressions such as a matrix's row.
template <typename Scores, typename Out>
void add_standardized(const Eigen::MatrixBase<Scores>& scores, double weight, const Eigen::MatrixBase<Out>& out) {
  using Target = typename Out::Scalar;
  const auto values = scores.template cast<double>().eval();
  const double mean = values.mean();
  const double deviation = std::sqrt((values.array() - mean).square().mean());
  if (!(deviation > 0)) return;
  const_cast<Eigen::MatrixBase<Out>&>(out) +=
      (weight * (values.array() - mean) / deviation).matrix().template cast<Target>();
}

}  // namespace autorec
