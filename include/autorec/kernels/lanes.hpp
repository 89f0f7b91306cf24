#pragma once
// Sixteen float lanes loaded from float or bfloat16 storage, and the bfloat16 copy of a
// float array: what the sparse-product kernels need to read their source vectors at either
// width. bfloat16 keeps float's exponent and the top 8 bits of its significand, so widening
// it is exact (a 16-bit shift) and the sums stay in float.

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

// The kernels' vector paths need AVX-512 F, BW (16-bit masked loads) and VL.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define AUTOREC_AVX512 1
#include <immintrin.h>
#endif

namespace autorec {

using Bf16 = Eigen::bfloat16;

/// out[i] = in[i] rounded to the nearest bfloat16 (ties to even), for i < n.
template <typename Scalar>
void to_bf16(const Scalar* in, Index n, Bf16* out) {
  constexpr Index kChunk = 4096;
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index chunk = 0; chunk < (n + kChunk - 1) / kChunk; ++chunk) {
    const Index begin = chunk * kChunk, end = std::min(n, begin + kChunk);
    Index i = begin;
#if defined(__AVX512BF16__)
    if constexpr (std::is_same_v<Scalar, float>)
      for (; i + 16 <= end; i += 16) {
        const __m256bh packed = _mm512_cvtneps_pbh(_mm512_loadu_ps(in + i));
        std::memcpy(static_cast<void*>(out + i), &packed, sizeof(packed));
      }
#endif
    for (; i < end; ++i) out[i] = Bf16(float(in[i]));
  }
}

#if defined(AUTOREC_AVX512)
inline __m512 load_lanes(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load_lanes(__mmask16 mask, const float* p) { return _mm512_maskz_loadu_ps(mask, p); }
inline __m512 widen(__m256i bits) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16)); }
inline __m512 load_lanes(const Bf16* p) { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512 load_lanes(__mmask16 mask, const Bf16* p) { return widen(_mm256_maskz_loadu_epi16(mask, p)); }
/// The first `n` of 16 lanes.
inline __mmask16 first_lanes(Index n) { return __mmask16((1u << std::min<Index>(std::max<Index>(n, 0), 16)) - 1u); }
#endif

}  // namespace autorec
