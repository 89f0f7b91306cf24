// Fuzzes the model reader: any bytes give a model that serves (networks, EASE or a blend) or a
// ModelFileError. Inputs
// whose first byte is odd get a valid checksum appended, so that the fuzzer explores the
// structure behind the checksum instead of only the checksum.
#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"

namespace {

// A file of networks serves predictions within its rating range (or the default rating).
void serve_networks(const autorec::SavedModel<float>& saved) {
  auto parameters = saved.model.parameters().size();
  for (const auto& member : saved.other_members) parameters += member.parameters().size();
  if (!saved.self_contained() || parameters >= (1 << 16)) return;
  const autorec::Scorer<float> scorer(saved);
  if (scorer.user_count() > 0 && scorer.item_count() > 0) {
    const float score = scorer.score(0, 0);
    if (!(score >= saved.rules.min_rating && score <= saved.rules.max_rating) && score != saved.rules.default_rating)
      __builtin_trap();
    scorer.recommend(0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  if (bytes[0] & 1) {
    const std::uint64_t checksum = autorec::detail::fnv1a(file.data(), file.size());
    file.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  }
  try {
    autorec::ModelFileContents<float> contents = autorec::parse_model_file<float>(file, "fuzz");
    if (const auto* saved = std::get_if<autorec::SavedModel<float>>(&contents)) {
      serve_networks(*saved);
    } else {  // EASE or a blend: ranking scores, folded-in users from items
      const autorec::Scorer<float> scorer =
          std::visit([](auto&& saved) { return autorec::Scorer<float>(std::move(saved)); }, std::move(contents));
      if (scorer.user_count() > 0 && scorer.item_count() > 0) {
        if (!std::isfinite(scorer.score(0, 0))) __builtin_trap();
        scorer.recommend(0);
        scorer.recommend(scorer.fold_in_items(std::vector<int>{0}));
      }
    }
  } catch (const autorec::ModelFileError&) {
  } catch (const std::invalid_argument&) {  // a Scorer refusing a model it cannot serve
  }
  return 0;
}
