#pragma once
// The inner kernel of every sparse product in autorec:
//   out = base + sum over p in [begin, end) of value(p) * source[:, index(p)]
// where `source` holds contiguous vectors of `size` scalars `stride` apart (the columns of a
// column-major matrix or the rows of a row-major one). Summing an entry's vector straight
// into `out` would load and store `out` once per entry; here `out` is built in blocks of
// kBlock scalars that stay in registers while all entries are added, so each entry costs
// only the loads of its source vector (and the loop order, hence the result, is fixed).

#include <algorithm>
#include <type_traits>
#include <vector>

#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace autorec {

inline constexpr int kPrefetchDistance = 4;

/// Hints the cache to load [address, address + bytes).
inline void prefetch_bytes(const void* address, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  for (std::size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(static_cast<const char*>(address) + offset);
#else
  (void)address;
  (void)bytes;
#endif
}

/// The last `n` < kBlock scalars of gather_axpy, in one sweep over the entries.
template <typename Scalar, typename IndexOf, typename ValueOf>
inline void gather_axpy_tail(Scalar* out, const Scalar* base, const Scalar* source, Index stride, Index n, int begin,
                             int end, IndexOf&& index, ValueOf&& value) {
#if defined(__AVX512F__)
  // Masked loads and stores cover the n scalars as four whole registers: a vector of
  // k = 500 floats otherwise ends in 52 scalars that Eigen sums one packet and then one
  // scalar at a time, which made a 500-wide pass slower than a 512-wide one.
  if constexpr (std::is_same_v<Scalar, float>) {
    __mmask16 mask[4];
    for (int i = 0; i < 4; ++i) {
      const Index lanes = std::clamp<Index>(n - 16 * i, 0, 16);
      mask[i] = __mmask16((1u << lanes) - 1u);
    }
    __m512 sum[4];
    for (int i = 0; i < 4; ++i) sum[i] = base ? _mm512_maskz_loadu_ps(mask[i], base + 16 * i) : _mm512_setzero_ps();
    for (int p = begin; p < end; ++p) {
      const __m512 x = _mm512_set1_ps(value(p));
      const float* v = source + Index(index(p)) * stride;
      for (int i = 0; i < 4; ++i) sum[i] = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(mask[i], v + 16 * i), sum[i]);
    }
    for (int i = 0; i < 4; ++i) _mm512_mask_storeu_ps(out + 16 * i, mask[i], sum[i]);
    return;
  }
#endif
  using Tail = Eigen::Array<Scalar, Eigen::Dynamic, 1, 0, 256 / int(sizeof(Scalar)), 1>;
  Tail sum = base ? Tail(Eigen::Map<const Tail>(base, n)) : Tail(Tail::Zero(n));
  for (int p = begin; p < end; ++p) sum += value(p) * Eigen::Map<const Tail>(source + Index(index(p)) * stride, n);
  Eigen::Map<Tail>(out, n) = sum;
}

/// `base` may be `out` (accumulate), another vector (initial value) or nullptr (zero).
template <typename Scalar, typename IndexOf, typename ValueOf>
inline void gather_axpy(Scalar* out, const Scalar* base, const Scalar* source, Index stride, Index size,
                        int begin, int end, IndexOf&& index, ValueOf&& value) {
  // 64 bytes per register with AVX-512: 4 registers of accumulators per block.
  constexpr int kBlock = 256 / int(sizeof(Scalar));
  using Block = Eigen::Array<Scalar, kBlock, 1>;
  Index r = 0;
  for (; r + kBlock <= size; r += kBlock) {
    Block sum = base ? Block(Eigen::Map<const Block>(base + r)) : Block::Zero();
    for (int p = begin; p < end; ++p) {
      // The source vectors lie at scattered addresses the hardware cannot predict: ask for
      // the block of the entry kPrefetchDistance ahead while this one is summed.
      if (p + kPrefetchDistance < end)
        prefetch_bytes(source + Index(index(p + kPrefetchDistance)) * stride + r, sizeof(Block));
      sum += value(p) * Eigen::Map<const Block>(source + Index(index(p)) * stride + r);
    }
    Eigen::Map<Block>(out + r) = sum;
  }
  if (r < size) gather_axpy_tail(out + r, base ? base + r : nullptr, source + r, stride, size - r, begin, end, index, value);
}

}  // namespace autorec

namespace autorec {

/// Bytes of source vectors one block of a sparse product keeps hot: half of a typical 1 MiB
/// L2 cache, leaving room for the outputs and the index arrays.
#ifndef AUTOREC_CACHE_BLOCK_BYTES
#define AUTOREC_CACHE_BLOCK_BYTES (Index(512) << 10)
#endif
inline constexpr Index kCacheBlockBytes = AUTOREC_CACHE_BLOCK_BYTES;

/// Runs `work(j, begin, end, first)` over a compressed sparse matrix (outer index `outer`,
/// inner indices `inner` sorted within each outer slice, `outers` slices) in blocks of inner
/// indices: for each block of `inner_per_block` consecutive inner indices, in order, and each
/// slice j in parallel, [begin, end) is the part of slice j that falls in the block. The
/// source vectors of one block stay in cache while every slice uses them, instead of being
/// streamed from memory once per entry. `first` is true in the first block, where `work`
/// must also initialise slice j's output (its range may then be empty); later blocks call
/// `work` only for non-empty ranges. Each output is summed in the same order for any thread
/// count.
template <typename Work>
void for_each_block_range(Index outers, const int* outer, const int* inner, Index inner_count,
                          Index inner_per_block, Work&& work) {
  std::vector<int> cursor(outer, outer + outers);
  for (Index first_inner = 0; first_inner < std::max<Index>(inner_count, 1); first_inner += inner_per_block) {
    const Index end_inner = first_inner + inner_per_block;
    const bool first = first_inner == 0;
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < outers; ++j) {
      const int begin = cursor[std::size_t(j)];
      int end = begin;
      while (end < outer[j + 1] && inner[end] < end_inner) ++end;
      if (first || end > begin) work(j, begin, end, first);
      cursor[std::size_t(j)] = end;
    }
  }
}

/// Inner indices per block for source vectors of `size` scalars.
template <typename Scalar>
Index inner_per_block(Index size) {
  return std::max<Index>(1, kCacheBlockBytes / (size * Index(sizeof(Scalar))));
}

}  // namespace autorec
