// Serving models of implicit feedback: EASE, Mult-DAE and Mult-VAE in the Scorer (their decode
// steps, serve/decoder.hpp), fold-in from a list of items, and their model files.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/data/item_ratings.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/random.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "implicit_fixtures.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::grouped_split;
using autorec::testing::multinomial_network;
using autorec::testing::TempFile;

namespace {

Ease<float> fitted_ease(const ImplicitData& split) { return Ease<float>::fit(split.train, split.catalogue(), 5.0); }

Network<float> variational_network(Index items) {
  Network<float>::Options options;
  options.lambda = 0;
  options.seed = 9;
  options.weight_scale = 0.3f;
  return Network<float>(Architecture::variational(items, {10}, 4, "tanh", 0.5), options);
}

// The items of training user `u`, as indices.
std::vector<int> items_of(const ImplicitData& split, int u) {
  const ItemSets::Row row = split.train.row(u);
  return {row.begin(), row.end()};
}

void check_close(const std::vector<float>& a, const std::vector<float>& b, float tolerance = 1e-4f) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(tolerance));
}

}  // namespace

TEST_CASE("an EASE Scorer scores a known user as the sum of their items' weight rows") {
  const ImplicitData split = grouped_split();
  const Ease<float> ease = fitted_ease(split);
  const Scorer<float> scorer(ease, implicit_training_matrix<float>(split));
  Matrix<float> expected;
  ease.scores(split.train, 4, 1, expected);
  const std::vector<float> scores = scorer.ranking_scores(4);
  for (int i = 0; i < split.catalogue(); ++i) CHECK(scores[std::size_t(i)] == doctest::Approx(expected(0, i)));
  CHECK(scorer.score(4, 7) == doctest::Approx(expected(0, 7)));
  CHECK_FALSE(scorer.predicts_ratings());
}

TEST_CASE("an EASE user folded in from a training user's items scores as that user") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(fitted_ease(split), implicit_training_matrix<float>(split));
  const auto folded = scorer.fold_in_items(items_of(split, 11));
  check_close(scorer.scores(folded), scorer.scores(11));
  const auto known = scorer.recommend(11, TopN{5, {}, {}, true});
  const auto fresh = scorer.recommend(folded, TopN{5, {}, {}, true});
  REQUIRE(known.size() == fresh.size());
  for (std::size_t r = 0; r < known.size(); ++r) CHECK(known[r].item == fresh[r].item);
}

TEST_CASE("a Mult-DAE Scorer scores a known user as the network predicts, and a folded-in copy the same") {
  const ImplicitData split = grouped_split();
  const Network<float> network = multinomial_network(split.catalogue());
  const SparseColumns<float> training = implicit_training_matrix<float>(split);
  const Scorer<float> scorer(network, Variant::user, implicit_rules(), training);
  Matrix<float> outputs;
  network.predict(training, outputs);
  for (int u : {0, 17}) {
    const std::vector<float> scores = scorer.ranking_scores(u);
    for (int i = 0; i < split.catalogue(); ++i) CHECK(scores[std::size_t(i)] == doctest::Approx(outputs(i, u)).epsilon(1e-4));
    check_close(scorer.scores(scorer.fold_in_items(items_of(split, u))), scores);
  }
}

TEST_CASE("recommendations for many users at once equal each user's own list") {
  const ImplicitData split = grouped_split();
  const Scorer<float> ease(fitted_ease(split), implicit_training_matrix<float>(split));
  const Scorer<float> dae(multinomial_network(split.catalogue()), Variant::user, implicit_rules(),
                          implicit_training_matrix<float>(split));
  for (const Scorer<float>* scorer : {&ease, &dae}) {
    const auto lists = scorer->recommend(std::vector<int>{2, 30, 55}, TopN{4, {}, {}, true});
    for (std::size_t k = 0; k < 3; ++k) {
      const auto one = scorer->recommend(std::vector<int>{2, 30, 55}[k], TopN{4, {}, {}, true});
      REQUIRE(one.size() == lists[k].size());
      for (std::size_t r = 0; r < one.size(); ++r) CHECK(one[r].item == lists[k][r].item);
    }
  }
}

TEST_CASE("a folded-in user of an implicit model is recommended their taste group, not the items they gave") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(fitted_ease(split), implicit_training_matrix<float>(split));
  const std::vector<int> liked = items_of(split, 0);
  const std::vector<int> given(liked.begin(), liked.begin() + 3);
  const auto group_of = [&](int item) { return std::stoi(split.items.raw(item).substr(1)) / 12; };
  const auto top = scorer.recommend(scorer.fold_in_items(given), TopN{5, {}, {}, true});
  REQUIRE(top.size() == 5);
  for (const Recommendation& r : top) {
    CHECK(std::find(given.begin(), given.end(), r.item) == given.end());
    CHECK(group_of(r.item) == group_of(given[0]));
  }
}

TEST_CASE("fold-in from items counts a repeated item once") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(fitted_ease(split), implicit_training_matrix<float>(split));
  check_close(scorer.scores(scorer.fold_in_items(std::vector<int>{3, 5, 3, 5})),
              scorer.scores(scorer.fold_in_items(std::vector<int>{5, 3})));
}

TEST_CASE("a model of implicit feedback refuses a fold-in value other than 1, naming the item") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(fitted_ease(split), implicit_training_matrix<float>(split));
  CHECK_THROWS_WITH_AS(scorer.fold_in(std::vector<std::pair<int, float>>{{0, 4.0f}}),
                       doctest::Contains("takes items without ratings"), std::invalid_argument);
  CHECK(scorer.fold_in(std::vector<std::pair<int, float>>{{0, 1.0f}}).rated.size() == 1);
}

TEST_CASE("a rating model refuses a fold-in from items alone") {
  const ImplicitData split = grouped_split();
  Network<float>::Options options;
  options.inputs = split.catalogue();
  options.hidden = 4;
  const Scorer<float> scorer(Network<float>(options), Variant::user, PredictionRules{},
                             implicit_training_matrix<float>(split));
  CHECK(scorer.predicts_ratings());
  CHECK_THROWS_WITH_AS(scorer.fold_in_items(std::vector<int>{0, 1}), doctest::Contains("predicts ratings"),
                       std::invalid_argument);
}

TEST_CASE("an EASE Scorer has no network, and says so") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(fitted_ease(split), implicit_training_matrix<float>(split));
  CHECK(scorer.describe().find("EASE") == 0);
  CHECK_THROWS_AS(scorer.network(), std::logic_error);
}

TEST_CASE("an EASE model file loads back as a Scorer with the same scores and ids") {
  const ImplicitData split = grouped_split();
  const Ease<float> ease = fitted_ease(split);
  const Scorer<float> direct(ease, implicit_training_matrix<float>(split), implicit_training_users(split), split.items);
  TempFile file("", ".model");
  save_model(file.path(), saved_model(ease, split));
  const SavedEase<float> saved = load_ease<float>(file.path());
  CHECK(saved.model.lambda() == 5.0);
  CHECK(saved.fingerprint == split.source_fingerprint);
  CHECK(saved.fingerprint != 0);
  const Scorer<float> loaded = load_scorer<float>(file.path());
  CHECK(loaded.user_ids().raw(3) == split.train_users[3]);
  check_close(loaded.scores(3), direct.scores(3), 1e-6f);
  const auto folded = loaded.fold_in_items(std::vector<std::string>{"i1", "i4"});
  check_close(loaded.scores(folded), direct.scores(direct.fold_in_items(std::vector<std::string>{"i1", "i4"})), 1e-6f);
}

TEST_CASE("load_model refuses an EASE file, naming what reads it") {
  const ImplicitData split = grouped_split();
  TempFile file("", ".model");
  save_model(file.path(), saved_model(fitted_ease(split), split));
  CHECK_THROWS_WITH_AS(load_model<float>(file.path()), doctest::Contains("load_scorer"), ModelFileError);
}

TEST_CASE("a Mult-VAE model file loads back with its architecture, rules and scores") {
  const ImplicitData split = grouped_split();
  const Network<float> network = variational_network(split.catalogue());
  TempFile file("", ".model");
  save_model(file.path(), saved_model(network, split));
  const SavedModel<float> saved = load_model<float>(file.path());
  CHECK(saved.model.architecture().describe() == network.architecture().describe());
  CHECK_FALSE(saved.rules.predicts_ratings());
  const Scorer<float> loaded(saved);
  const Scorer<float> direct(network, Variant::user, implicit_rules(), implicit_training_matrix<float>(split),
                             implicit_training_users(split), split.items);
  check_close(loaded.scores(8), direct.scores(8), 1e-6f);
  // the VAE predicts from its mean: a fold-in is deterministic
  const std::vector<int> items = items_of(split, 8);
  CHECK(loaded.scores(loaded.fold_in_items(items)) == loaded.scores(loaded.fold_in_items(items)));
  check_close(loaded.scores(loaded.fold_in_items(items)), direct.scores(8));
}

TEST_CASE("an EASE model file with a weight count that does not match its items is refused") {
  const ImplicitData split = grouped_split();
  const Ease<float> ease = fitted_ease(split);
  SavedEase<float> saved = saved_model(ease, split);
  saved.items.insert("extra");
  TempFile file("", ".model");
  CHECK_THROWS_WITH_AS(save_model(file.path(), saved), doctest::Contains("item id map"), ModelFileError);
}

TEST_CASE("a new user's item list reads one item per line, values ignored, each item once") {
  const auto items = parse_item_list("i1\ni2,1\n\ni1\n i3 \n", "new.txt");
  CHECK(items == std::vector<std::string>{"i1", "i2", "i3"});
}

TEST_CASE("an item list line with more than two fields is refused, naming the line") {
  CHECK_THROWS_WITH_AS(parse_item_list("i1\ni2,1,3\n", "new.txt"), doctest::Contains("new.txt:2"), RatingFileError);
  CHECK_THROWS_AS(parse_item_list("\n\n", "new.txt"), RatingFileError);
}

namespace {

// A model of a host's own kind: every user scores item i as i / items (a fixed ranking).
class AscendingDecoder final : public Decoder<float> {
 public:
  explicit AscendingDecoder(int items) : items_(items) {}
  std::string describe() const override { return "ascending"; }
  float score(const SparseColumns<float>&, int, int item) const override { return float(item) / float(items_); }
  void scores(const SparseColumns<float>&, const int*, Index count, Matrix<float>& out) const override {
    out.resize(items_, count);
    for (Index j = 0; j < count; ++j)
      for (int i = 0; i < items_; ++i) out(i, j) = float(i) / float(items_);
  }
  FoldedFit<float> fold_in(const SparseColumns<float>&, const std::vector<int>&, const Vector<float>&,
                           const FoldInOptions&) const override {
    return {};
  }
  void scores(const FoldedFit<float>&, const std::vector<int>&, Vector<float>& out) const override {
    out.resize(items_);
    for (int i = 0; i < items_; ++i) out(i) = float(i) / float(items_);
  }

 private:
  int items_;
};

}  // namespace

TEST_CASE("a decoder of a host's own serves through the Scorer: lists, batches and fold-in") {
  const ImplicitData split = grouped_split();
  const int items = split.catalogue();
  const Scorer<float> scorer({std::make_shared<const AscendingDecoder>(items)}, Variant::user, implicit_rules(),
                             implicit_training_matrix<float>(split));
  CHECK(scorer.describe() == "ascending");
  const auto top = scorer.recommend(0, TopN{3, {}, {}});
  REQUIRE(top.size() == 3);
  int expected = items - 1;  // the highest indices, less user 0's training items
  for (const Recommendation& r : top) {
    const std::vector<int> rated = scorer.rated_items(0);
    while (std::find(rated.begin(), rated.end(), expected) != rated.end()) --expected;
    CHECK(r.item == expected--);
  }
  CHECK(scorer.recommend(std::vector<int>{0}, TopN{3, {}, {}})[0].front().item == top.front().item);
  const auto folded = scorer.recommend(scorer.fold_in_items({items - 1}), TopN{1, {}, {}});
  REQUIRE(folded.size() == 1);
  CHECK(folded.front().item == items - 2);
}
