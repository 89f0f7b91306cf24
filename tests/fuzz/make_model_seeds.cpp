// Writes small valid model files (both variants, a deep network, an ensemble, EASE and a blend)
// into the directory given.
#include <string>

#include "autorec/io/model_file.hpp"

int main(int argc, char** argv) {
  using namespace autorec;
  if (argc != 2) return 2;
  const std::string folder = argv[1];
  RatingData data;
  for (const char* u : {"u1", "u2", "u3"}) data.users.insert(u);
  for (const char* i : {"10", "20"}) data.items.insert(i);
  data.ratings = {{0, 0, 4}, {1, 1, 2}, {2, 0, 5}};
  int n = 0;
  for (Variant variant : {Variant::item, Variant::user})
    for (HiddenSizes hidden : {HiddenSizes(2), HiddenSizes{3, 2}}) {
      Network<float>::Options options;
      options.inputs = variant == Variant::item ? 3 : 2;
      options.hidden = hidden;
      save_model(folder + "/seed-" + std::to_string(n++) + ".bin",
                 saved_model(Network<float>(options), variant, PredictionRules{1, 5, 3}, data, data.ratings));
    }
  Network<float>::Options options;  // an ensemble of two
  options.inputs = 3;
  options.hidden = 2;
  Ensemble<float> ensemble;
  for (std::uint64_t seed : {1, 2}) {
    options.seed = seed;
    ensemble.add(Network<float>(options));
  }
  save_model(folder + "/seed-" + std::to_string(n++) + ".bin",
             saved_model(ensemble, Variant::item, PredictionRules{1, 5, 3}, data, data.ratings));
  // implicit feedback: the three users' items (items x users, each event 1)
  SparseColumns<float> events(2, 3);
  for (const Rating& r : data.ratings) events.insert(r.item, r.user) = 1;
  events.makeCompressed();
  Matrix<float> b(2, 2);
  b << 0, 0.5f, 0.25f, 0;
  const Ease<float> ease(b, 1.0);
  save_model(folder + "/seed-" + std::to_string(n++) + ".bin", SavedEase<float>{ease, data.users, data.items, events, 7});
  Network<float>::Options implicit;
  implicit.inputs = 2;
  implicit.hidden = 2;
  implicit.loss = "multinomial";
  implicit.normalize_input = true;
  save_model(folder + "/seed-" + std::to_string(n++) + ".bin",
             SavedBlend<float>{{{0.25, ease}, {0.75, Network<float>(implicit)}}, data.users, data.items, events, 7});
  return 0;
}
