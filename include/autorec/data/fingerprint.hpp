#pragma once
// A fingerprint of a set of ratings by raw id, so that a model file can tell whether a
// ratings file is the one it was trained from. The same ratings in any order, and under any
// index assignment, give the same value; a changed, added or missing rating changes it
// (with probability 1 - 2^-64 per change).

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/kernels/noise.hpp"

namespace autorec {

namespace detail {
inline std::uint64_t hash_text(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a, then mixed
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return mix64(hash);
}
}  // namespace detail

/// The order-independent part of a fingerprint: a sum (mod 2^64) of one hash per (raw user,
/// raw item, value) triple. Parts of a rating set (over processes) add up to the whole's.
inline std::uint64_t fingerprint_sum(const std::vector<Rating>& ratings, const IdMap& users, const IdMap& items) {
  std::vector<std::uint64_t> user_hash(std::size_t(users.size())), item_hash(std::size_t(items.size()));
  for (int u = 0; u < users.size(); ++u) user_hash[std::size_t(u)] = detail::hash_text(users.raw(u));
  for (int i = 0; i < items.size(); ++i) item_hash[std::size_t(i)] = detail::hash_text(items.raw(i)) * 3;
  std::uint64_t sum = 0;
  for (const Rating& r : ratings) {
    std::uint32_t bits;
    std::memcpy(&bits, &r.value, sizeof bits);
    sum += mix64(user_hash.at(std::size_t(r.user)) ^ mix64(item_hash.at(std::size_t(r.item)) ^ bits));
  }
  return sum;
}
/// The fingerprint of `count` ratings whose fingerprint_sum is `sum`.
inline std::uint64_t fingerprint_of(std::uint64_t sum, std::uint64_t count) { return mix64(sum ^ mix64(count)); }

/// An order-independent sum of one hash per (raw user, raw item, value) triple, with the
/// count mixed in.
inline std::uint64_t fingerprint(const std::vector<Rating>& ratings, const IdMap& users, const IdMap& items) {
  return fingerprint_of(fingerprint_sum(ratings, users, items), ratings.size());
}

inline std::uint64_t fingerprint(const RatingData& data) { return fingerprint(data.ratings, data.users, data.items); }

}  // namespace autorec
