// Serving: a Scorer gives predict_ratings' numbers from cached codes, top-N lists, scores by
// raw id, concurrent use, and fold-in of new users.
#include <doctest/doctest.h>

#include <thread>

#include "autorec/eval/predict.hpp"
#include "autorec/eval/recommend.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/serve/scorer_metrics.hpp"
#include "temp_file.hpp"

using namespace autorec;

namespace {
// 40 users x 25 items, about 30% rated; user 39 and item 24 have no training rating.
std::vector<Rating> ratings() {
  Random random(5);
  std::vector<Rating> out;
  for (int u = 0; u < 39; ++u)
    for (int i = 0; i < 24; ++i)
      if (random.uniform() < 0.3) out.push_back({u, i, float(1 + random.below(5))});
  return out;
}

template <typename Scalar>
Network<Scalar> network_for(Index inputs, HiddenSizes hidden = 6, std::string activation = "sigmoid") {
  typename Network<Scalar>::Options options;
  options.inputs = inputs;
  options.hidden = hidden;
  options.activation = activation;
  options.weight_scale = Scalar(0.3);
  options.bias_scale = Scalar(0.5);
  options.lambda = Scalar(2);
  return Network<Scalar>(options);
}

PredictionRules rules() { return {1, 5, 3}; }

template <typename Scalar>
struct Served {
  Variant variant;
  SparseColumns<Scalar> training;
  Network<Scalar> network;
  Scorer<Scalar> scorer;
  explicit Served(Variant v, HiddenSizes hidden = 6)
      : variant(v),
        training(rating_matrix<Scalar>(ratings(), 40, 25, v)),
        network(network_for<Scalar>(training.rows(), hidden)),
        scorer(network, v, rules(), training) {}
};

std::vector<Rating> every_pair() {
  std::vector<Rating> pairs;
  for (int u = 0; u < 40; ++u)
    for (int i = 0; i < 25; ++i) pairs.push_back({u, i, 0});
  return pairs;
}
}  // namespace

TEST_CASE_TEMPLATE("A Scorer's score of every pair equals predict_ratings in both variants", Scalar, float, double) {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<Scalar> s(variant);
    const std::vector<Rating> pairs = every_pair();
    const std::vector<float> expected = predict_ratings(s.network, s.training, pairs, variant, rules());
    for (std::size_t p = 0; p < pairs.size(); ++p)
      CHECK(s.scorer.score(pairs[p].user, pairs[p].item) == doctest::Approx(expected[p]).epsilon(1e-5));
    CHECK(s.scorer.score(39, 3) == 3.0f);  // cold user: the default
    CHECK(s.scorer.score(2, 24) == 3.0f);  // cold item
  }
}

TEST_CASE("A Scorer's top-N equals recommend() and leaves out the items the user rated") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<float> s(variant);
    for (int user : {0, 7, 38}) {
      const auto expected = recommend(s.network, s.training, variant, rules(), user, 5);
      const auto got = s.scorer.recommend(user, TopN{5, {}, {}, true});
      REQUIRE(got.size() == expected.size());
      for (std::size_t r = 0; r < got.size(); ++r) {
        CHECK(got[r].item == expected[r].item);
        CHECK(got[r].rating == doctest::Approx(expected[r].rating).epsilon(1e-5));
      }
      for (int rated : s.scorer.rated_items(user))
        for (const Recommendation& r : got) CHECK(r.item != rated);
    }
  }
}

TEST_CASE("Top-N honours a candidate set and an exclusion list, and a cold user gets no list") {
  const Served<float> s(Variant::item);
  const std::vector<int> rated = s.scorer.rated_items(3);
  std::vector<int> candidates;
  for (int i = 0; i < 25 && candidates.size() < 4; ++i)
    if (!std::binary_search(rated.begin(), rated.end(), i)) candidates.push_back(i);
  TopN request;
  request.count = 10;
  request.candidates = candidates;
  request.exclude = {candidates[1]};
  const auto top = s.scorer.recommend(3, request);
  CHECK(top.size() == 3);
  for (const Recommendation& r : top) {
    CHECK(std::find(candidates.begin(), candidates.end(), r.item) != candidates.end());
    CHECK(r.item != candidates[1]);
  }
  request = TopN{25, {}, {}, false};  // rated items may be ranked too
  CHECK(s.scorer.recommend(3, request).size() == 24);  // every item with training ratings
  CHECK(s.scorer.recommend(39).empty());
  request.candidates = {25};
  CHECK_THROWS_AS(s.scorer.recommend(3, request), std::out_of_range);
}

TEST_CASE("Top-N orders the items predicted above the rating range by their prediction before clipping") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<float> s(variant);
    const Scorer<float> wide(s.network, variant, PredictionRules{-100, 100, 0}, s.training);
    // A top of the range below user 0's fifth best prediction: its first five items tie there.
    const std::vector<Recommendation> best = wide.recommend(0, TopN{5, {}, {}, true});
    REQUIRE(best.size() == 5);
    const float top = best[4].rating;
    const PredictionRules narrow{-100, top, 0};
    const Scorer<float> scorer(s.network, variant, narrow, s.training);
    std::vector<int> users;
    for (int u = 0; u < 39; ++u) users.push_back(u);
    const auto lists = scorer.recommend(users, TopN{10, {}, {}, true});
    for (int u : users) {
      CAPTURE(u);
      const std::vector<float> unclipped = scorer.ranking_scores(u);
      const std::vector<float> wide_scores = wide.scores(u);  // nothing clipped within [-100, 100]
      const auto expected = wide.recommend(u, TopN{10, {}, {}, true});
      const auto one = scorer.recommend(u, TopN{10, {}, {}, true});
      const auto reference = recommend(s.network, s.training, variant, narrow, u, 10);
      REQUIRE(one.size() == expected.size());
      REQUIRE(reference.size() == expected.size());
      for (std::size_t r = 0; r < one.size(); ++r) {
        const std::size_t item = std::size_t(one[r].item);
        CHECK(one[r].item == expected[r].item);  // the order before clipping
        CHECK(lists[std::size_t(u)][r].item == one[r].item);
        CHECK(reference[r].item == one[r].item);
        CHECK(unclipped[item] == doctest::Approx(wide_scores[item]).epsilon(1e-5));
        CHECK(one[r].rating == std::min(unclipped[item], top));  // reported clipped
        CHECK(reference[r].rating == doctest::Approx(one[r].rating).epsilon(1e-5));
      }
    }
    CHECK(scorer.recommend(0, TopN{5, {}, {}, true})[4].rating == top);  // the ties this test is about
    // A folded-in user's list too (fold-in reads the rules only for the range and the scale).
    const std::vector<std::pair<int, float>> newcomer{{1, top}, {4, top - 1}, {9, top}};
    const auto folded = scorer.recommend(scorer.fold_in(newcomer), TopN{10, {}, {}, true});
    const auto folded_expected = wide.recommend(wide.fold_in(newcomer), TopN{10, {}, {}, true});
    REQUIRE(folded.size() == folded_expected.size());
    for (std::size_t r = 0; r < folded.size(); ++r) CHECK(folded[r].item == folded_expected[r].item);
  }
}

TEST_CASE("A user folded in from one rating gets the same prediction for every item, and the most-rated items") {
  const Served<float> s(Variant::item);
  const auto folded = s.scorer.fold_in(std::vector<std::pair<int, float>>{{2, 4.0f}});
  const std::vector<float> scores = s.scorer.scores(folded);
  const std::vector<int> counts = item_rating_counts(s.training, Variant::item);
  std::vector<int> expected;
  for (int i = 0; i < 25; ++i)
    if (s.scorer.item_has_ratings(i)) {
      CHECK(scores[std::size_t(i)] == scores[0]);  // nothing to tell the items apart
      if (i != 2) expected.push_back(i);
    }
  std::stable_sort(expected.begin(), expected.end(),
                   [&](int a, int b) { return counts[std::size_t(a)] > counts[std::size_t(b)]; });
  const auto top = s.scorer.recommend(folded, TopN{5, {}, {}, true});
  REQUIRE(top.size() == 5);
  for (std::size_t r = 0; r < top.size(); ++r) CHECK(top[r].item == expected[r]);
}

TEST_CASE("Top-N for many users at once equals one user at a time in both variants") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<float> s(variant);
    std::vector<int> users(40);
    for (int u = 0; u < 40; ++u) users[std::size_t(u)] = u;
    const auto all = s.scorer.recommend(users, TopN{7, {}, {}, true});
    for (int u = 0; u < 40; ++u) {
      const auto one = s.scorer.recommend(u, TopN{7, {}, {}, true});
      REQUIRE(all[std::size_t(u)].size() == one.size());
      for (std::size_t r = 0; r < one.size(); ++r) {
        CHECK(all[std::size_t(u)][r].item == one[r].item);
        CHECK(all[std::size_t(u)][r].rating == doctest::Approx(one[r].rating).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("Top-N for many users refuses a candidate or an exclusion outside the catalogue with UnknownId") {
  const Served<float> s(Variant::item);
  const std::vector<int> users = {0, 1, 2};
  CHECK_THROWS_WITH_AS(s.scorer.recommend(users, TopN{3, {s.scorer.item_count()}, {}, true}),
                       doctest::Contains("item index"), UnknownId);
  CHECK_THROWS_AS(s.scorer.recommend(users, TopN{3, {}, {-1}, true}), UnknownId);
}

TEST_CASE("Scores by raw id equal scores by index, and an unknown id is named, escaped, in the error") {
  RatingData data;
  for (int u = 0; u < 40; ++u) data.users.insert("user-" + std::to_string(u));
  for (int i = 0; i < 25; ++i) data.items.insert("item-" + std::to_string(i));
  const SparseColumns<float> training = rating_matrix<float>(ratings(), 40, 25, Variant::item);
  const Scorer<float> scorer(network_for<float>(40), Variant::item, rules(), training, data.users, data.items);
  CHECK(scorer.score("user-4", "item-9") == scorer.score(4, 9));
  CHECK(scorer.recommend("user-4").front().item == scorer.recommend(4).front().item);
  CHECK_THROWS_WITH_AS(scorer.score("nobody\x1b[2J", "item-9"), "unknown user 'nobody\\x1b[2J'", UnknownId);
  CHECK_THROWS_WITH_AS(scorer.score(40, 0), "user index 40 is outside [0, 40)", UnknownId);
}

TEST_CASE("A Scorer gives the same answers to concurrent threads as to one") {
  const Served<float> s(Variant::item);
  std::vector<std::vector<float>> expected(40), expected_pair(40);
  for (int u = 0; u < 40; ++u) {
    expected[std::size_t(u)] = s.scorer.scores(u);
    for (int i = 0; i < 25; ++i) expected_pair[std::size_t(u)].push_back(s.scorer.score(u, i));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (int u = 0; u < 40; ++u) {
          if (s.scorer.scores(u) != expected[std::size_t(u)]) ++mismatches[std::size_t(t)];
          if (s.scorer.score(u, round % 25) != expected_pair[std::size_t(u)][std::size_t(round % 25)])
            ++mismatches[std::size_t(t)];
          s.scorer.recommend(u);
          s.scorer.fold_in(std::vector<std::pair<int, float>>{{1, 4.0f}, {2, 2.0f}});
        }
    });
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("A Scorer built from a loaded model file, taken over or copied, scores as the one built from the network") {
  const Served<float> s(Variant::user);
  RatingData data;
  data.users = IdMap::indices(40);
  data.items = IdMap::indices(25);
  data.ratings = ratings();
  autorec::testing::TempFile file;
  save_model(file.path(), saved_model(s.network, Variant::user, rules(), data, data.ratings));
  const Scorer<float> loaded(load_model<float>(file.path()));  // takes the loaded model over
  const SavedModel<float> kept = load_model<float>(file.path());
  const Scorer<float> copied(kept);  // copies it
  for (int u = 0; u < 40; ++u) {
    CHECK(loaded.scores(u) == s.scorer.scores(u));
    CHECK(copied.scores(u) == s.scorer.scores(u));
  }
  CHECK(kept.model.parameters() == s.network.parameters());
}

TEST_CASE("U-AutoRec fold-in of a known user's ratings gives that user's scores") {
  const Served<double> s(Variant::user);
  std::vector<std::pair<int, float>> known;
  for (int item : s.scorer.rated_items(5))
    known.emplace_back(item, float(s.training.coeff(item, 5)));
  const FoldedUser<double> folded = s.scorer.fold_in(known);
  const std::vector<float> expected = s.scorer.scores(5);
  const std::vector<float> got = s.scorer.scores(folded);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  CHECK(s.scorer.recommend(folded, TopN{3, {}, {}, true}).front().item ==
        s.scorer.recommend(5, TopN{3, {}, {}, true}).front().item);
}

namespace {
// The fold-in objective at (v, w, c), computed from the Network's public pieces.
double fold_in_loss(const Network<double>& network, const Matrix<double>& P, const Vector<double>& r,
                    const Vector<double>& v, const Vector<double>& w, double c) {
  std::vector<Matrix<double>> trace{P + v * r.transpose()};
  network.forward_hidden(trace);
  Vector<double> o = trace.back().transpose() * w;
  o.array() += c;
  Vector<double> a(o.size());
  network.output_activation().forward_values(o.data(), a.data(), o.size());
  return (a - r).squaredNorm() + network.lambda() / 2 * (v.squaredNorm() + w.squaredNorm());
}
}  // namespace

TEST_CASE("I-AutoRec fold-in ends at a stationary point of the new user's objective, deep networks too") {
  for (const char* output : {"identity", "sigmoid"})
    for (HiddenSizes hidden : {HiddenSizes(6), HiddenSizes{5, 4}}) {
      CAPTURE(output);
      const SparseColumns<double> training = rating_matrix<double>(ratings(), 40, 25, Variant::item);
      typename Network<double>::Options options;
      options.inputs = 40;
      options.hidden = hidden;
      options.activation = "tanh";
      options.output_activation = output;
      options.weight_scale = 0.3;
      options.lambda = 2;
      const Network<double> network(options);
      const Scorer<double> scorer(network, Variant::item, {0, 6, 3}, training);
      const std::vector<std::pair<int, float>> mine{{0, 0.9f}, {3, 0.2f}, {7, 0.7f}, {11, 0.5f}, {20, 0.1f}};
      FoldInOptions fit;
      fit.fit_encoder = true;
      fit.iterations = 5000;
      fit.tolerance = 0;
      const FoldedUser<double> folded = scorer.fold_in(mine, fit);
      REQUIRE(folded.fits.size() == 1);
      const FoldedFit<double>& x = folded.fits[0];
      FoldInOptions start;
      start.iterations = 0;
      CHECK(x.loss <= scorer.fold_in(mine, start).fits[0].loss);
      CHECK(scorer.fold_in(mine).fits[0].encoder.norm() == 0);  // by default v stays 0
      CHECK(x.encoder.norm() > 0);                              // the encoder column moved away from 0

      Matrix<double> P;
      SparseColumns<double> rated(40, 5);
      {
        std::vector<Eigen::Triplet<double, int>> entries;
        for (int j = 0; j < 5; ++j)
          for (SparseColumns<double>::InnerIterator it(training, mine[std::size_t(j)].first); it; ++it)
            entries.emplace_back(int(it.row()), j, it.value());
        rated.setFromTriplets(entries.begin(), entries.end());
        rated.makeCompressed();
      }
      network.first_layer(rated, P);
      Vector<double> r(5);
      for (int j = 0; j < 5; ++j) r(j) = mine[std::size_t(j)].second;
      const double at = fold_in_loss(network, P, r, x.encoder, x.weights, x.bias);
      CHECK(at == doctest::Approx(x.loss).epsilon(1e-12));
      // No direction lowers it at first order: each +-h step raises it by O(h^2) at most.
      const double h = 1e-4;
      Random random(3);
      for (int trial = 0; trial < 5; ++trial) {
        Vector<double> dv(x.encoder.size()), dw(x.weights.size());
        for (Index i = 0; i < dv.size(); ++i) dv(i) = random.normal();
        for (Index i = 0; i < dw.size(); ++i) dw(i) = random.normal();
        const double dc = random.normal();
        const double plus = fold_in_loss(network, P, r, x.encoder + h * dv, x.weights + h * dw, x.bias + h * dc);
        const double minus = fold_in_loss(network, P, r, x.encoder - h * dv, x.weights - h * dw, x.bias - h * dc);
        CHECK(std::abs(plus - minus) / (2 * h) < 1e-4);
      }
    }
}

TEST_CASE("I-AutoRec fold-in's scores use the rated items' updated codes and leave those items out of its top-N") {
  const Served<float> s(Variant::item);
  const std::vector<std::pair<int, float>> mine{{2, 5}, {4, 1}, {9, 4}};
  const FoldedUser<float> folded = s.scorer.fold_in(mine);
  CHECK(folded.rated == std::vector<int>{2, 4, 9});
  const std::vector<float> all = s.scorer.scores(folded);
  const FoldedFit<float>& fit = folded.fits.at(0);
  const float raw = fit.rated_codes.col(1).dot(fit.weights) + fit.bias;
  CHECK(all[4] == doctest::Approx(std::clamp(raw, 1.0f, 5.0f)));
  CHECK(all[24] == 3.0f);  // an item without training ratings keeps the default
  const auto top = s.scorer.recommend(folded, TopN{30, {}, {}, true});
  CHECK(top.size() == 24 - 3);
  for (const Recommendation& r : top) CHECK((r.item != 2 && r.item != 4 && r.item != 9));
}

TEST_CASE("I-AutoRec fold-in by default fits the decoder row exactly: its gradient in (w, c) vanishes") {
  const Served<double> s(Variant::item);
  const std::vector<std::pair<int, float>> mine{{2, 5}, {4, 1}, {9, 4}, {13, 2}};
  const FoldedFit<double> fit = s.scorer.fold_in(mine).fits.at(0);
  // L = sum (H^T w + c - r)^2 + (lambda / 2) |w|^2 with H the items' trained codes.
  Vector<double> residual(4);
  for (int j = 0; j < 4; ++j)
    residual(j) = fit.rated_codes.col(j).dot(fit.weights) + fit.bias - mine[std::size_t(j)].second;
  const Vector<double> dw = 2 * fit.rated_codes * residual + s.network.lambda() * fit.weights;
  CHECK(dw.norm() < 1e-8);
  CHECK(std::abs(2 * residual.sum()) < 1e-8);
  // v = 0: the rated items' codes are those of their training vectors
  Matrix<double> codes;
  s.network.encode(s.training, codes);
  for (int j = 0; j < 4; ++j) CHECK(fit.rated_codes.col(j).isApprox(codes.col(mine[std::size_t(j)].first)));
}

TEST_CASE("I-AutoRec fold-in with more ratings than the code size solves the kn x kn primal form to the same fit") {
  const Served<double> s(Variant::item);  // code size 6
  std::vector<std::pair<int, float>> mine;
  for (int item = 0; item < 14; ++item) mine.emplace_back(item, float(1 + item % 5));
  const FoldedFit<double> fit = s.scorer.fold_in(mine).fits.at(0);
  Vector<double> residual(14);
  for (int j = 0; j < 14; ++j) residual(j) = fit.rated_codes.col(j).dot(fit.weights) + fit.bias - mine[std::size_t(j)].second;
  const Vector<double> dw = 2 * fit.rated_codes * residual + s.network.lambda() * fit.weights;
  CHECK(dw.norm() < 1e-8);
  CHECK(std::abs(2 * residual.sum()) < 1e-8);
}

TEST_CASE("The ridge fit's primal and dual forms give the same weights and intercept") {
  Random random(3);
  for (const Index m : {3, 5, 6, 7, 40, 600}) {  // code size 6: dual up to 6 ratings, primal (in blocks) above
    Matrix<double> H(6, m);
    Vector<double> r(m);
    for (Index j = 0; j < m; ++j) {
      r(j) = 1 + 4 * random.uniform();
      for (Index i = 0; i < 6; ++i) H(i, j) = random.uniform();
    }
    const Vector<double> mean = H.rowwise().mean();
    const Matrix<double> Hc = H.colwise() - mean;
    Matrix<double> dual = Hc.transpose() * Hc;
    dual.diagonal().array() += 1.5;
    const Vector<double> rc = r.array() - r.mean();
    const Vector<double> expected = Hc * dual.ldlt().solve(rc);
    Vector<double> w;
    double c = 0;
    detail::ridge_fit<double>(H, r, 3.0, w, c);
    INFO("m = " << m);
    CHECK((w - expected).norm() < 1e-9);
    CHECK(c == doctest::Approx(r.mean() - mean.dot(expected)).epsilon(1e-10));
  }
}

TEST_CASE("Fold-in refuses a repeated item, an unknown item and a rating outside the model's range") {
  const Served<float> s(Variant::item);
  CHECK_THROWS_WITH_AS(s.scorer.fold_in(std::vector<std::pair<int, float>>{{1, 4}, {1, 5}}),
                       "fold-in: item '1' is rated twice", std::invalid_argument);
  CHECK_THROWS_AS(s.scorer.fold_in(std::vector<std::pair<int, float>>{{25, 4}}), UnknownId);
  CHECK_THROWS_AS(s.scorer.fold_in(std::vector<std::pair<std::string, float>>{{"x", 4}}), UnknownId);
  CHECK_THROWS_WITH_AS(s.scorer.fold_in(std::vector<std::pair<int, float>>{{1, 7}}),
                       "fold-in: rating 7.000000 of item '1' lies outside the model's range [1.000000, 5.000000]",
                       std::invalid_argument);
  CHECK(s.scorer.recommend(s.scorer.fold_in(std::vector<std::pair<int, float>>{})).empty());
}

TEST_CASE("A model file without a training matrix cannot build a Scorer, and says why") {
  SavedModel<float> saved{network_for<float>(40), Variant::item, rules(), IdMap::indices(40), IdMap::indices(25)};
  CHECK_THROWS_WITH_AS(Scorer<float>{saved},
                       doctest::Contains("holds no training matrix"), std::invalid_argument);
}

TEST_CASE("A Scorer on a rating scale answers and folds in ratings in the data's units") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<double> plain(variant);
    std::vector<Rating> scaled = ratings();
    for (Rating& r : scaled) r.value *= 20;
    PredictionRules units = rules();
    units.min_rating *= 20;
    units.max_rating *= 20;
    units.default_rating *= 20;
    units.scale = 20;
    const Scorer<double> scorer(plain.network, variant, units, input_matrix<double>(scaled, 40, 25, variant, units));
    CHECK(scorer.score(0, 1) == doctest::Approx(20 * plain.scorer.score(0, 1)));
    CHECK(scorer.score(39, 3) == 60.0f);  // cold: the default, in the data's units
    const auto folded = scorer.scores(scorer.fold_in({{1, 80.0f}, {2, 40.0f}}));
    const auto expected = plain.scorer.scores(plain.scorer.fold_in({{1, 4.0f}, {2, 2.0f}}));
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(folded[i] == doctest::Approx(20 * expected[i]).epsilon(1e-4));
  }
}

namespace {
// Three networks of different widths and seeds over the same inputs.
template <typename Scalar>
Ensemble<Scalar> ensemble_for(Index inputs) {
  Ensemble<Scalar> ensemble;
  for (int m = 0; m < 3; ++m) {
    typename Network<Scalar>::Options options;
    options.inputs = inputs;
    options.hidden = Index(4 + m);
    options.weight_scale = Scalar(0.4);
    options.bias_scale = Scalar(0.5);
    options.seed = std::uint64_t(10 + m);
    ensemble.add(Network<Scalar>(options));
  }
  return ensemble;
}
}  // namespace

TEST_CASE("An ensemble's Scorer predicts its members' mean, clipped after averaging, in both variants") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const SparseColumns<double> training = rating_matrix<double>(ratings(), 40, 25, variant);
    const Ensemble<double> ensemble = ensemble_for<double>(training.rows());
    const PredictionRules range{0.5f, 1.5f, 1};  // narrow, so that clipping matters
    const Scorer<double> scorer(ensemble, variant, range, training);
    CHECK(scorer.network_count() == 3);
    Matrix<double> mean;  // the members' mean reconstruction, outputs x encoded vectors
    ensemble.predict(training, mean);
    int clipped = 0;
    for (int u = 0; u < 39; ++u) {
      const std::vector<float> ranking = scorer.ranking_scores(u);
      for (int i = 0; i < 24; ++i) {
        const double expected = variant == Variant::item ? mean(u, i) : mean(i, u);
        CHECK(ranking[std::size_t(i)] == doctest::Approx(expected).epsilon(1e-6));
        CHECK(scorer.score(u, i) == doctest::Approx(std::clamp(expected, 0.5, 1.5)).epsilon(1e-6));
        clipped += expected < 0.5 || expected > 1.5;
      }
    }
    CHECK(clipped > 0);
    std::vector<int> users(40);
    for (int u = 0; u < 40; ++u) users[std::size_t(u)] = u;
    const auto all = scorer.recommend(users, TopN{7, {}, {}, true});
    for (int u = 0; u < 40; ++u) {
      const auto one = scorer.recommend(u, TopN{7, {}, {}, true});
      REQUIRE(all[std::size_t(u)].size() == one.size());
      for (std::size_t r = 0; r < one.size(); ++r) CHECK(all[std::size_t(u)][r].item == one[r].item);
    }
  }
}

TEST_CASE("An ensemble of one network scores exactly as that network's Scorer") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const Served<float> s(variant);
    const Scorer<float> alone(Ensemble<float>({s.network}), variant, rules(), s.training);
    for (int u = 0; u < 40; ++u) CHECK(alone.scores(u) == s.scorer.scores(u));
    const std::vector<std::pair<int, float>> mine{{2, 5}, {4, 1}, {9, 4}};
    CHECK(alone.scores(alone.fold_in(mine)) == s.scorer.scores(s.scorer.fold_in(mine)));
  }
}

TEST_CASE("An ensemble folds a new user into every member and scores the mean of their fits") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const SparseColumns<double> training = rating_matrix<double>(ratings(), 40, 25, variant);
    const Ensemble<double> ensemble = ensemble_for<double>(training.rows());
    const PredictionRules wide{-100, 100, 3};  // no clipping: the mean of the members' scores
    const Scorer<double> scorer(ensemble, variant, wide, training);
    const std::vector<std::pair<int, float>> mine{{2, 5}, {4, 1}, {9, 4}, {13, 2}};
    const FoldedUser<double> folded = scorer.fold_in(mine);
    REQUIRE(folded.fits.size() == 3);
    std::vector<double> expected(25, 0.0);
    for (std::size_t m = 0; m < 3; ++m) {
      const Scorer<double> member(ensemble.member(m), variant, wide, training);
      const std::vector<float> member_scores = member.scores(member.fold_in(mine));
      for (std::size_t i = 0; i < 24; ++i) expected[i] += member_scores[i] / 3.0;
    }
    const std::vector<float> got = scorer.scores(folded);
    for (std::size_t i = 0; i < 24; ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5));
    CHECK(got[24] == 3.0f);  // an item without training ratings keeps the default
    const Scorer<double> one(ensemble.member(0), variant, wide, training);
    CHECK_THROWS_WITH_AS(one.scores(folded), "Scorer: a user folded in with 3 networks, this Scorer has 1",
                         std::invalid_argument);
  }
}

TEST_CASE("A Scorer from an ensemble's model file scores as the Scorer of the ensemble") {
  for (Variant variant : {Variant::item, Variant::user}) {
    RatingData data;
    data.users = IdMap::indices(40);
    data.items = IdMap::indices(25);
    data.ratings = ratings();
    const SparseColumns<float> training = rating_matrix<float>(data.ratings, 40, 25, variant);
    const Ensemble<float> ensemble = ensemble_for<float>(training.rows());
    autorec::testing::TempFile file;
    save_model(file.path(), saved_model(ensemble, variant, rules(), data, data.ratings));
    const Scorer<float> loaded(load_model<float>(file.path()));
    const Scorer<float> direct(ensemble, variant, rules(), training);
    CHECK(loaded.network_count() == 3);
    for (int u = 0; u < 40; ++u) CHECK(loaded.scores(u) == direct.scores(u));
  }
}

TEST_CASE("Ranking metrics of a Scorer in one call equal the general form with its lists, threshold and catalogue") {
  const Served<float> s(Variant::item);
  std::vector<Rating> test;
  for (int u = 0; u < 39; ++u) test.push_back({u, (u * 7) % 24, float(1 + u % 5)});
  const RankingMetrics metrics = ranking_metrics(s.scorer, test, 5);
  const RankingMetrics expected = ranking_metrics(
      [&](const std::vector<int>& users) { return s.scorer.recommend(users, TopN{5, {}, {}, true}); }, test, 40, 5,
      default_relevance_threshold(1, 5), 24);  // item 24 has no training rating
  CHECK(metrics.threshold == 4.0);
  CHECK(metrics.users == expected.users);
  CHECK(metrics.users > 0);
  CHECK(metrics.ndcg == expected.ndcg);
  CHECK(metrics.coverage == expected.coverage);
  CHECK(s.scorer.catalogue() == 24);
  CHECK(ranking_metrics(s.scorer, test, 5, 1.0).users == 39);  // every test rating relevant
}
