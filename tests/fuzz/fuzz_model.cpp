// Fuzzes the model reader: any bytes give a model that serves or a ModelFileError. Inputs
// whose first byte is odd get a valid checksum appended, so that the fuzzer explores the
// structure behind the checksum instead of only the checksum.
#include <cstdint>
#include <string>

#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  if (bytes[0] & 1) {
    const std::uint64_t checksum = autorec::detail::fnv1a(file.data(), file.size());
    file.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  }
  try {
    const autorec::SavedModel<float> saved = autorec::parse_model<float>(file, "fuzz");
    auto parameters = saved.model.parameters().size();
    for (const auto& member : saved.other_members) parameters += member.parameters().size();
    if (saved.self_contained() && parameters < (1 << 16)) {
      const autorec::Scorer<float> scorer(saved);
      if (scorer.user_count() > 0 && scorer.item_count() > 0) {
        const float score = scorer.score(0, 0);
        if (!(score >= saved.rules.min_rating && score <= saved.rules.max_rating) && score != saved.rules.default_rating)
          __builtin_trap();
        scorer.recommend(0);
      }
    }
  } catch (const autorec::ModelFileError&) {
  } catch (const std::invalid_argument&) {  // a Scorer refusing a model it cannot serve
  }
  return 0;
}
