// Serving a blend of implicit-feedback models (model/blend.hpp, serve/blend_decoder.hpp): the
// Scorer ranks as the held-out protocol's blended_scorer does, folds a new user into every
// member, and the blend's model file round-trips.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "implicit_fixtures.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::grouped_split;
using autorec::testing::multinomial_network;
using autorec::testing::TempFile;

namespace {

// EASE (weight 0.3) and a Mult-DAE network (0.7) fitted on the split's training users.
struct Fitted {
  Ease<float> ease;
  Network<float> network;
};
Fitted fitted(const ImplicitData& split) {
  Network<float> network = multinomial_network(split.catalogue());
  TrainOptions<float> options;
  options.optimizer = "adam";
  options.batch_size = 30;
  options.epochs = 5;
  train_implicit(network, split, options);
  return {Ease<float>::fit(split.train, split.catalogue(), 5.0), std::move(network)};
}
SavedBlend<float> saved_of(const Fitted& models, const ImplicitData& split) {
  return saved_blend<float>({{0.3, models.ease}, {0.7, models.network.prediction_copy()}}, split);
}

std::vector<int> items_of(const ImplicitData& split, int u) {
  const ItemSets::Row row = split.train.row(u);
  return {row.begin(), row.end()};
}

void check_close(const std::vector<float>& a, const std::vector<float>& b, double tolerance = 1e-4) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(tolerance).scale(1));
}

}  // namespace

TEST_CASE("a blend's scores are each member's standardised scores, weighted") {
  Matrix<float> out = Matrix<float>::Zero(4, 1);
  Vector<float> scores(4);
  scores << 1, 2, 3, 4;  // mean 2.5, standard deviation sqrt(1.25)
  add_standardized(scores, 2.0, out.col(0));
  const double sd = std::sqrt(1.25);
  CHECK(out(0, 0) == doctest::Approx(2 * (1 - 2.5) / sd));
  CHECK(out(3, 0) == doctest::Approx(2 * (4 - 2.5) / sd));
  add_standardized(Vector<float>::Constant(4, 9.0f), 1.0, out.col(0));  // no spread: adds nothing
  CHECK(out(3, 0) == doctest::Approx(2 * (4 - 2.5) / sd));
}

TEST_CASE("a blend's Scorer scores a known user as the held-out protocol's blend does") {
  const ImplicitData split = grouped_split();
  const Fitted models = fitted(split);
  const Scorer<float> scorer(saved_of(models, split));
  const HeldoutScorer blend = blended_scorer({ease_scorer(models.ease), network_scorer(models.network)}, {0.3, 0.7});
  for (int u : {0, 40}) {
    Matrix<float> expected;
    blend(split.train, u, 1, expected);
    const std::vector<float> scores = scorer.ranking_scores(u);
    REQUIRE(Index(scores.size()) == expected.cols());
    for (int i = 0; i < split.catalogue(); ++i) CHECK(scores[std::size_t(i)] == doctest::Approx(expected(0, i)).scale(1));
    CHECK(scorer.score(u, 5) == doctest::Approx(expected(0, 5)).scale(1));
  }
  CHECK_FALSE(scorer.predicts_ratings());
  CHECK(scorer.describe().find("a blend of EASE") == 0);
  CHECK_THROWS_AS(scorer.network(), std::logic_error);
}

TEST_CASE("a user folded into a blend from a training user's items scores as that user") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(saved_of(fitted(split), split));
  const FoldedUser<float> folded = scorer.fold_in_items(items_of(split, 12));
  REQUIRE(folded.fits.size() == 1);
  CHECK(folded.fits[0].members.size() == 2);
  check_close(scorer.scores(folded), scorer.scores(12));
  const auto known = scorer.recommend(12, TopN{5, {}, {}, true});
  const auto fresh = scorer.recommend(folded, TopN{5, {}, {}, true});
  REQUIRE(known.size() == fresh.size());
  for (std::size_t r = 0; r < known.size(); ++r) CHECK(known[r].item == fresh[r].item);
}

TEST_CASE("a blend's lists for many users at once equal each user's own list") {
  const ImplicitData split = grouped_split();
  const Scorer<float> scorer(saved_of(fitted(split), split));
  const std::vector<int> users{1, 33, 70};
  const auto lists = scorer.recommend(users, TopN{4, {}, {}, true});
  for (std::size_t k = 0; k < users.size(); ++k) {
    const auto one = scorer.recommend(users[k], TopN{4, {}, {}, true});
    REQUIRE(one.size() == lists[k].size());
    for (std::size_t r = 0; r < one.size(); ++r) CHECK(one[r].item == lists[k][r].item);
  }
}

TEST_CASE("a blend's model file loads back with its members, weights, ids and scores") {
  const ImplicitData split = grouped_split();
  const Fitted models = fitted(split);
  const Scorer<float> direct(saved_of(models, split));
  TempFile file("", ".model");
  save_model(file.path(), saved_of(models, split));
  ModelFileContents<float> contents = parse_model_file<float>(read_model_bytes(file.path()), file.path());
  const auto* saved = std::get_if<SavedBlend<float>>(&contents);
  REQUIRE(saved != nullptr);
  REQUIRE(saved->members.size() == 2);
  CHECK(saved->members[0].weight == 0.3);
  CHECK(saved->members[1].weight == 0.7);
  CHECK(std::get<Ease<float>>(saved->members[0].model).weights() == models.ease.weights());
  CHECK(std::get<Network<float>>(saved->members[1].model).parameters() == models.network.parameters());
  CHECK(saved->fingerprint == split.source_fingerprint);
  const Scorer<float> loaded = load_scorer<float>(file.path());
  CHECK(loaded.user_ids().raw(3) == split.train_users[3]);
  check_close(loaded.scores(3), direct.scores(3), 1e-6);
  const std::vector<std::string> given{"i1", "i4"};
  check_close(loaded.scores(loaded.fold_in_items(given)), direct.scores(direct.fold_in_items(given)), 1e-6);
}

TEST_CASE("load_model and load_ease refuse a blend's file, naming load_scorer") {
  const ImplicitData split = grouped_split();
  TempFile file("", ".model");
  save_model(file.path(), saved_of(fitted(split), split));
  CHECK_THROWS_WITH_AS(load_model<float>(file.path()), doctest::Contains("a blend"), ModelFileError);
  CHECK_THROWS_WITH_AS(load_ease<float>(file.path()), doctest::Contains("load_scorer"), ModelFileError);
}

TEST_CASE("a blend with a weight that is not finite, or with no member, is not saved") {
  const ImplicitData split = grouped_split();
  SavedBlend<float> saved = saved_of(fitted(split), split);
  saved.members[1].weight = std::numeric_limits<double>::quiet_NaN();
  TempFile file("", ".model");
  CHECK_THROWS_WITH_AS(save_model(file.path(), saved), doctest::Contains("not finite"), ModelFileError);
  saved.members.clear();
  CHECK_THROWS_WITH_AS(save_model(file.path(), saved), doctest::Contains("no models"), ModelFileError);
}

TEST_CASE("a blend whose network reads another catalogue is refused by saving and by the Scorer") {
  const ImplicitData split = grouped_split();
  SavedBlend<float> saved = saved_of(fitted(split), split);
  saved.members[1].model = multinomial_network(split.catalogue() + 1);
  TempFile file("", ".model");
  CHECK_THROWS_WITH_AS(save_model(file.path(), saved), doctest::Contains("inputs"), ModelFileError);
  CHECK_THROWS_WITH_AS(Scorer<float>(std::move(saved)), doctest::Contains("items"), std::invalid_argument);
}
