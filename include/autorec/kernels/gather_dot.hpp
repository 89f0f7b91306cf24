#pragma once
// The dot products of one vector with scattered vectors of a matrix:
//   out[p] = source[:, index(p)] . x      for p in [begin, end)
// where `source` holds contiguous vectors of `size` scalars `stride` apart (the rows of a
// row-major W). One dot at a time loads x once per source load; here four entries share each
// load of x, so the loads per multiply-add fall from 2 to 1.25. Each dot sums in a fixed
// order, so results do not depend on the thread count.

#include <type_traits>

#include "autorec/kernels/lanes.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// `source` holds Scalars, or bfloat16 for float sums.
template <typename Scalar, typename Source, typename IndexOf>
inline void gather_dot(Scalar* out, const Source* source, Index stride, Index size, const Scalar* x, int begin,
                       int end, IndexOf&& index) {
#if defined(AUTOREC_AVX512)
  if constexpr (std::is_same_v<Scalar, float>) {
    const Index full = size / 16 * 16;
    const __mmask16 tail = first_lanes(size - full);
    int p = begin;
    for (; p + 4 <= end; p += 4) {
      const Source* v[4];
      __m512 sum[4];
      for (int i = 0; i < 4; ++i) {
        v[i] = source + Index(index(p + i)) * stride;
        sum[i] = _mm512_setzero_ps();
      }
      for (Index r = 0; r < full; r += 16) {
        const __m512 xr = load_lanes(x + r);
        for (int i = 0; i < 4; ++i) sum[i] = _mm512_fmadd_ps(load_lanes(v[i] + r), xr, sum[i]);
      }
      if (tail) {
        const __m512 xr = load_lanes(tail, x + full);
        for (int i = 0; i < 4; ++i) sum[i] = _mm512_fmadd_ps(load_lanes(tail, v[i] + full), xr, sum[i]);
      }
      for (int i = 0; i < 4; ++i) out[p + i] = _mm512_reduce_add_ps(sum[i]);
    }
    for (; p < end; ++p) {
      const Source* v = source + Index(index(p)) * stride;
      __m512 sum = _mm512_setzero_ps();
      for (Index r = 0; r < full; r += 16) sum = _mm512_fmadd_ps(load_lanes(v + r), load_lanes(x + r), sum);
      if (tail) sum = _mm512_fmadd_ps(load_lanes(tail, v + full), load_lanes(tail, x + full), sum);
      out[p] = _mm512_reduce_add_ps(sum);
    }
    return;
  }
#endif
  const Eigen::Map<const Vector<Scalar>> xv(x, size);
  using SourceVector = Eigen::Matrix<Source, Eigen::Dynamic, 1>;
  for (int p = begin; p < end; ++p)
    out[p] = Eigen::Map<const SourceVector>(source + Index(index(p)) * stride, size).template cast<Scalar>().dot(xv);
}

}  // namespace autorec
