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

#include "autorec/kernels/lanes.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

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

#if defined(AUTOREC_AVX512)
/// One block of up to 64 floats of gather_axpy in four registers; `kMasked` for a partial one.
template <bool kMasked, typename Source, typename IndexOf, typename ValueOf>
inline void gather_axpy_block(float* out, const float* base, const Source* source, Index stride, Index n, int begin,
                              int end, IndexOf&& index, ValueOf&& value) {
  __mmask16 mask[4];
  for (int i = 0; i < 4; ++i) mask[i] = first_lanes(n - 16 * i);
  auto load = [&](int i, const auto* p) { return kMasked ? load_lanes(mask[i], p) : load_lanes(p); };
  __m512 sum[4];
  for (int i = 0; i < 4; ++i) sum[i] = base ? load(i, base + 16 * i) : _mm512_setzero_ps();
  for (int p = begin; p < end; ++p) {
    // The source vectors lie at scattered addresses the hardware cannot predict: ask for
    // the block of the entry kPrefetchDistance ahead while this one is summed.
    if (p + kPrefetchDistance < end)
      prefetch_bytes(source + Index(index(p + kPrefetchDistance)) * stride, std::size_t(n) * sizeof(Source));
    const __m512 x = _mm512_set1_ps(value(p));
    const Source* v = source + Index(index(p)) * stride;
    for (int i = 0; i < 4; ++i) sum[i] = _mm512_fmadd_ps(x, load(i, v + 16 * i), sum[i]);
  }
  for (int i = 0; i < 4; ++i) {
    if (kMasked)
      _mm512_mask_storeu_ps(out + 16 * i, mask[i], sum[i]);
    else
      _mm512_storeu_ps(out + 16 * i, sum[i]);
  }
}
#endif

/// `base` may be `out` (accumulate), another vector (initial value) or nullptr (zero).
/// `source` holds Scalars, or bfloat16 for float sums (half the bytes per entry).
template <typename Scalar, typename Source, typename IndexOf, typename ValueOf>
inline void gather_axpy(Scalar* out, const Scalar* base, const Source* source, Index stride, Index size,
                        int begin, int end, IndexOf&& index, ValueOf&& value) {
  // 256 bytes of sums per block: 4 AVX-512 registers of floats.
  constexpr int kBlock = 256 / int(sizeof(Scalar));
#if defined(AUTOREC_AVX512)
  constexpr bool kFloat = std::is_same_v<Scalar, float>;
#endif
  Index r = 0;
  for (; r + kBlock <= size; r += kBlock) {
    const Scalar* from = base ? base + r : nullptr;
#if defined(AUTOREC_AVX512)
    // Eigen's fixed-size sums are as fast for float sources; bfloat16 ones are widened here.
    if constexpr (kFloat && std::is_same_v<Source, Bf16>) {
      gather_axpy_block<false>(out + r, from, source + r, stride, kBlock, begin, end, index, value);
      continue;
    }
#endif
    using Block = Eigen::Array<Scalar, kBlock, 1>;
    using SourceBlock = Eigen::Array<Source, kBlock, 1>;
    Block sum = from ? Block(Eigen::Map<const Block>(from)) : Block::Zero();
    for (int p = begin; p < end; ++p) {
      // The source vectors lie at scattered addresses the hardware cannot predict: ask for
      // the block of the entry kPrefetchDistance ahead while this one is summed.
      if (p + kPrefetchDistance < end)
        prefetch_bytes(source + Index(index(p + kPrefetchDistance)) * stride + r, sizeof(SourceBlock));
      sum += value(p) * Eigen::Map<const SourceBlock>(source + Index(index(p)) * stride + r).template cast<Scalar>();
    }
    Eigen::Map<Block>(out + r) = sum;
  }
  if (r == size) return;
  const Scalar* from = base ? base + r : nullptr;
#if defined(AUTOREC_AVX512)
  // The partial last block in masked registers: a vector of k = 500 floats otherwise ends in
  // 52 scalars summed a packet and then one at a time (k = 500 was slower than k = 512).
  if constexpr (kFloat) {
    gather_axpy_block<true>(out + r, from, source + r, stride, size - r, begin, end, index, value);
    return;
  }
#endif
  const Index n = size - r;
  using Tail = Eigen::Array<Scalar, Eigen::Dynamic, 1, 0, kBlock, 1>;
  using SourceTail = Eigen::Array<Source, Eigen::Dynamic, 1, 0, kBlock, 1>;
  Tail sum = from ? Tail(Eigen::Map<const Tail>(from, n)) : Tail(Tail::Zero(n));
  for (int p = begin; p < end; ++p)
    sum += value(p) * Eigen::Map<const SourceTail>(source + Index(index(p)) * stride + r, n).template cast<Scalar>();
  Eigen::Map<Tail>(out + r, n) = sum;
}

}  // namespace autorec

namespace autorec {

/// The bytes of source vectors one block of a sparse product keeps hot lie between half of a
/// typical 1 MiB L2 cache and a quarter of a 32 MiB L3, chosen so that each slice finds
/// about kEntriesPerRun entries in a block: every non-empty run also loads and stores its
/// slice's output vector, which on sparse data (ML-10M, Netflix: about 1% dense) cost more
/// than the entries when blocks were L2-sized (a pass took 2.3 times as long).
#ifndef AUTOREC_CACHE_BLOCK_BYTES
#define AUTOREC_CACHE_BLOCK_BYTES (Index(512) << 10)
#endif
inline constexpr Index kCacheBlockBytes = AUTOREC_CACHE_BLOCK_BYTES;
inline constexpr Index kLargestBlockBytes = Index(8) << 20;
inline constexpr Index kEntriesPerRun = 48;

/// Inner indices per block for a sparse matrix of `entries` in `outers` slices over
/// `inner_count` inner indices, with source vectors of `vector_bytes`.
inline Index inner_per_block(Index vector_bytes, Index entries, Index outers, Index inner_count) {
  const double density = double(std::max<Index>(entries, 1)) / (double(std::max<Index>(outers, 1)) * double(std::max<Index>(inner_count, 1)));
  const double wanted = double(kEntriesPerRun) / density;
  const Index smallest = std::max<Index>(1, kCacheBlockBytes / vector_bytes);
  const Index largest = std::max<Index>(smallest, kLargestBlockBytes / vector_bytes);
  return wanted >= double(largest) ? largest : std::clamp<Index>(Index(wanted), smallest, largest);
}

/// Runs `work(j, begin, end, first)` over a compressed sparse matrix (outer index `outer`,
/// inner indices `inner` sorted within each outer slice, `outers` slices) in blocks of inner
/// indices: for each block of consecutive inner indices (inner_per_block for source vectors
/// of `vector_bytes`), in order, and each slice j in parallel, [begin, end) is the part of
/// slice j that falls in the block. The
/// source vectors of one block stay in cache while every slice uses them, instead of being
/// streamed from memory once per entry. `first` is true in the first block, where `work`
/// must also initialise slice j's output (its range may then be empty); later blocks call
/// `work` only for non-empty ranges. Each output is summed in the same order for any thread
/// count.
template <typename Work>
void for_each_block_range(Index outers, const int* outer, const int* inner, Index inner_count,
                          Index vector_bytes, Work&& work) {
  const Index block = inner_per_block(vector_bytes, Index(outer[outers]) - outer[0], outers, inner_count);
  std::vector<int> cursor(outer, outer + outers);
  for (Index first_inner = 0; first_inner < std::max<Index>(inner_count, 1); first_inner += block) {
    const Index end_inner = first_inner + block;
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

}  // namespace autorec
