// Fuzzes the ratings loader: any bytes give ratings or a RatingFileError, never a crash, a
// sanitizer report or a non-finite rating. The first byte picks the format and options.
#include <cmath>
#include <cstdint>
#include <string>

#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  autorec::LoadOptions options;
  options.format = static_cast<autorec::RatingFormat>(bytes[0] % 5);
  options.duplicates = bytes[0] & 8 ? autorec::DuplicatePolicy::keep_last : autorec::DuplicatePolicy::error;
  options.header = static_cast<autorec::HeaderPolicy>((bytes[0] >> 4) % 3);
  const std::string_view content(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  autorec::RatingData data;
  try {
    autorec::parse_ratings(content, "fuzz", data, options);
  } catch (const autorec::RatingFileError&) {
    return 0;
  }
  for (const autorec::Rating& r : data.ratings)
    if (!std::isfinite(r.value) || r.user < 0 || r.user >= data.users.size() || r.item < 0 || r.item >= data.items.size())
      __builtin_trap();
  // What loaded must make a rating matrix (no duplicate survives the loader).
  autorec::rating_matrix<float>(data.ratings, data.users.size(), data.items.size(), autorec::Variant::item);
  return 0;
}
