// Fuzzes the new-user file parser: pairs of a non-empty id and a finite rating, or an error.
#include <cmath>
#include <cstdint>
#include <string>

#include "autorec/data/item_ratings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(bytes), size);
  try {
    for (const auto& [item, rating] : autorec::parse_item_ratings(content, "fuzz"))
      if (item.empty() || !std::isfinite(rating)) __builtin_trap();
  } catch (const autorec::RatingFileError&) {
  }
  return 0;
}
