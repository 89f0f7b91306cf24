#pragma once
// Counter-based random numbers for dropout: the draw for element i of a step depends only on
// (seed, i), so masks are the same for any thread count and can be made in parallel.

#include <cstdint>

namespace autorec {

/// SplitMix64's finaliser: a well-mixed 64-bit hash.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// True with probability 1 - rate: element i of the mask drawn from `seed`.
inline bool keeps(std::uint64_t seed, std::uint64_t i, double rate) {
  return double(mix64(seed ^ mix64(i)) >> 11) * 0x1.0p-53 >= rate;
}

}  // namespace autorec
