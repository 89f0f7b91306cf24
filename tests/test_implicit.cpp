// Implicit feedback: events files, the strong-generalisation split and its five files, the
// held-out top-N metrics, the popularity baseline and EASE.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

#include <Eigen/Dense>

#include "autorec/data/implicit.hpp"
#include "autorec/data/load.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/io/heldout_split_files.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/random.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "temp_file.hpp"

using namespace autorec;

namespace {

// Users in `groups` taste groups; each likes `per_user` of its group's `group_items` items
// (rated 5) and rates two items of other groups 2 (not positives at 3.5).
RatingData grouped_ratings(int users, int groups, int group_items, int per_user, std::uint64_t seed) {
  RatingData data;
  Random random(seed);
  for (int u = 0; u < users; ++u) {
    const int user = data.users.insert("u" + std::to_string(u));
    const int group = u % groups;
    std::vector<int> items(static_cast<std::size_t>(group_items));
    for (int i = 0; i < group_items; ++i) items[std::size_t(i)] = group * group_items + i;
    random.shuffle(items);
    for (int i = 0; i < per_user; ++i)
      data.ratings.push_back({user, data.items.insert("i" + std::to_string(items[std::size_t(i)])), 5.0f});
    for (int i = 0; i < 2; ++i) {
      const int other = int(random.below(std::uint64_t(groups * group_items)));
      if (other / group_items != group)
        data.ratings.push_back({user, data.items.insert("i" + std::to_string(other)), 2.0f});
    }
  }
  return data;
}

ItemSets rows_of(const std::vector<std::vector<int>>& rows) {
  ItemSets sets;
  for (const auto& row : rows) sets.add_row(row);
  return sets;
}

struct TempFolder {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("autorec-split-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++)))
                         .string();
  static int& counter() {
    static int n = 0;
    return n;
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("an events file of user and item lines loads each event with value 1 when ratings are not required") {
  testing::TempFile file("user,item\nalice,a\nbob,b\nalice,c\n", ".csv");
  LoadOptions options;
  options.ratings_required = false;
  RatingData data;
  const LoadSummary summary = load_ratings(file.path(), data, options);
  CHECK(summary.header);
  REQUIRE(data.ratings.size() == 3);
  for (const Rating& r : data.ratings) CHECK(r.value == 1.0f);
}

TEST_CASE("an events file's first line of ids that are not column names is an event, not a header") {
  testing::TempFile file("user0\titem3\nuser0\titem4\n", ".tsv");
  LoadOptions options;
  options.ratings_required = false;
  RatingData data;
  const LoadSummary summary = load_ratings(file.path(), data, options);
  CHECK_FALSE(summary.header);
  REQUIRE(data.ratings.size() == 2);
  CHECK(data.items.raw(data.ratings[0].item) == "item3");
}

TEST_CASE("an events file's header of column names such as userId and movieId is skipped") {
  testing::TempFile file("userId,movieId\n1,10\n", ".csv");
  LoadOptions options;
  options.ratings_required = false;
  RatingData data;
  CHECK(load_ratings(file.path(), data, options).header);
  CHECK(data.ratings.size() == 1);
}

TEST_CASE("a two-field line is still an error, naming its line, when ratings are required") {
  testing::TempFile file("1,10,5\n2,20\n", ".csv");
  RatingData data;
  CHECK_THROWS_WITH(load_ratings(file.path(), data), doctest::Contains(":2: expected at least 3 fields"));
}

TEST_CASE("keep-max merges a repeated pair into its largest value") {
  testing::TempFile file("1\t10\t2\n1\t10\t5\n1\t10\t3\n", ".tsv");
  LoadOptions options;
  options.duplicates = DuplicatePolicy::keep_max;
  RatingData data;
  const LoadSummary summary = load_ratings(file.path(), data, options);
  REQUIRE(data.ratings.size() == 1);
  CHECK(data.ratings[0].value == 5.0f);
  CHECK(summary.duplicates == 2);
}

TEST_CASE("the default positive threshold is 3.5 on MovieLens scales and every event for a file of events") {
  CHECK(default_positive_threshold(1, 5) == doctest::Approx(3.5));
  CHECK(default_positive_threshold(0.5f, 5) == doctest::Approx(3.5));
  CHECK(std::isinf(default_positive_threshold(1, 1)));
  CHECK(default_positive_threshold(-10, 10) == doctest::Approx(4));
}

TEST_CASE("the strong-generalisation split holds out H validation and H test users with at least the minimum") {
  RatingData data = grouped_ratings(100, 4, 20, 8, 3);
  data.ratings.push_back({data.users.insert("few"), data.items.insert("i0"), 5.0f});  // one positive: dropped
  ImplicitSplitOptions options;
  options.heldout_users = 10;
  ImplicitSummary summary;
  const ImplicitData split = split_strong_generalisation(data, options, &summary);
  CHECK(summary.threshold == doctest::Approx(3.5));
  CHECK(summary.users_kept == 100);
  CHECK(summary.users_dropped == 1);
  CHECK(split.validation.users.size() == 10);
  CHECK(split.test.users.size() == 10);
  CHECK(split.train.rows() == 80);
  std::set<std::string> seen(split.train_users.begin(), split.train_users.end());
  for (const auto* group : {&split.validation, &split.test})
    for (const std::string& user : group->users) CHECK(seen.insert(user).second);  // each user in one part
  CHECK(seen.count("few") == 0);
  CHECK(split.train.entries() == 80 * 8);  // the ratings of 2 are not positives
}

TEST_CASE("each held-out user's positives are split into disjoint fold-in and a fifth as targets") {
  const RatingData data = grouped_ratings(60, 3, 20, 10, 5);
  ImplicitSplitOptions options;
  options.heldout_users = 5;
  const ImplicitData split = split_strong_generalisation(data, options);
  for (const auto* group : {&split.validation, &split.test})
    for (int r = 0; r < group->fold_in.rows(); ++r) {
      const auto fold_in = group->fold_in.row(r), targets = group->targets.row(r);
      CHECK(fold_in.size() + targets.size() <= 10);
      CHECK(targets.size() == (fold_in.size() + targets.size()) / 5);
      for (int item : targets) CHECK_FALSE(fold_in.contains(item));
      for (int item : fold_in) CHECK(item < split.catalogue());
    }
}

TEST_CASE("the split is the same for the same seed and differs for another") {
  const RatingData data = grouped_ratings(60, 3, 20, 10, 5);
  ImplicitSplitOptions options;
  options.heldout_users = 5;
  const ImplicitData a = split_strong_generalisation(data, options), b = split_strong_generalisation(data, options);
  options.seed = 2;
  const ImplicitData c = split_strong_generalisation(data, options);
  CHECK(a.test.users == b.test.users);
  CHECK(a.items == b.items);
  CHECK(a.test.users != c.test.users);
}

TEST_CASE("a split that would leave no training users is refused with the counts") {
  const RatingData data = grouped_ratings(20, 2, 20, 8, 1);
  ImplicitSplitOptions options;
  options.heldout_users = 10;
  CHECK_THROWS_WITH(split_strong_generalisation(data, options),
                    doctest::Contains("20 users have at least 5 positives"));
}

TEST_CASE("a split written as the five files reads back the same") {
  const RatingData data = grouped_ratings(60, 3, 20, 10, 5);
  ImplicitSplitOptions options;
  options.heldout_users = 5;
  const ImplicitData split = split_strong_generalisation(data, options);
  TempFolder folder;
  write_heldout_split(folder.path, split);
  const ImplicitData back = load_heldout_split(folder.path);
  CHECK(back.train_users == split.train_users);
  CHECK(back.catalogue() == split.catalogue());
  for (const auto& [ours, theirs] : {std::pair{&split.validation, &back.validation}, std::pair{&split.test, &back.test}}) {
    REQUIRE(theirs->users == ours->users);
    for (int r = 0; r < ours->fold_in.rows(); ++r) {
      // the catalogue reads back in the same order, so item indices agree
      CHECK(std::vector<int>(theirs->fold_in.row(r).begin(), theirs->fold_in.row(r).end()) ==
            std::vector<int>(ours->fold_in.row(r).begin(), ours->fold_in.row(r).end()));
      CHECK(std::vector<int>(theirs->targets.row(r).begin(), theirs->targets.row(r).end()) ==
            std::vector<int>(ours->targets.row(r).begin(), ours->targets.row(r).end()));
    }
  }
}

TEST_CASE("a split folder whose test user also trains is refused, naming the files") {
  TempFolder folder;
  std::filesystem::create_directories(folder.path);
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(folder.path + "/" + name) << content;
  };
  write("train.csv", "uid,sid\n0,1\n0,2\n1,2\n");
  write("validation_tr.csv", "uid,sid\n2,1\n");
  write("validation_te.csv", "uid,sid\n2,2\n");
  write("test_tr.csv", "uid,sid\n0,1\n");
  write("test_te.csv", "uid,sid\n0,2\n");
  CHECK_THROWS_WITH(load_heldout_split(folder.path), doctest::Contains("user '0' is also in"));
}

TEST_CASE("a split folder missing a file is refused, naming it") {
  TempFolder folder;
  std::filesystem::create_directories(folder.path);
  std::ofstream(folder.path + "/train.csv") << "uid,sid\n0,1\n";
  CHECK_THROWS_WITH(load_heldout_split(folder.path), doctest::Contains("validation_tr.csv: missing"));
}

TEST_CASE("held-out NDCG and recall count targets by rank, skip folded-in items and users without targets") {
  HeldoutUsers users;
  users.users = {"a", "b", "c"};
  users.fold_in = rows_of({{0}, {1}, {2}});
  users.targets = rows_of({{1, 3}, {0}, {}});
  // scores fall with the item index, so the lists are 1 2 3 ... (a), 0 2 3 ... (b)
  auto scores = [](const ItemSets&, int, int count, Matrix<float>& out) {
    out.resize(count, 6);
    for (int i = 0; i < 6; ++i) out.col(i).setConstant(float(10 - i));
  };
  HeldoutCutoffs cutoffs;
  cutoffs.ndcg_at = 2;
  cutoffs.recall_at[0] = 1;
  cutoffs.recall_at[1] = 3;
  const HeldoutMetrics m = heldout_metrics(users, 6, scores, cutoffs, 2);
  CHECK(m.users == 2);
  // a: list 1 2 3; targets 1 (rank 1) and 3 (rank 3). NDCG@2 = 1 / (1 + 1/log2 3).
  // b: list 0 2 3; target 0 at rank 1: NDCG 1.
  CHECK(m.ndcg == doctest::Approx((1 / (1 + 1 / std::log2(3.0)) + 1) / 2));
  CHECK(m.recall_small == doctest::Approx(1.0));        // both have a target first
  CHECK(m.recall_large == doctest::Approx((1.0 + 1) / 2));  // a: 2 of min(3, 2); b: 1 of 1
}

TEST_CASE("held-out metrics refuse a model that scores NaN") {
  HeldoutUsers users;
  users.users = {"a"};
  users.fold_in = rows_of({{0}});
  users.targets = rows_of({{1}});
  auto scores = [](const ItemSets&, int, int count, Matrix<float>& out) {
    out.setConstant(count, 3, std::numeric_limits<float>::quiet_NaN());
  };
  CHECK_THROWS_WITH(heldout_metrics(users, 3, scores), doctest::Contains("NaN"));
}

TEST_CASE("the EASE Gram matrix is X transposed times X") {
  const ItemSets train = rows_of({{0, 2}, {1, 2, 3}, {0, 1, 2, 3}});
  const Eigen::MatrixXd x = Eigen::MatrixXd(train.matrix<double>(4));
  const Eigen::MatrixXd expected = x.transpose() * x;
  CHECK(Ease<double>::gram(train, 4).isApprox(expected));
}

TEST_CASE("EASE's weights have a zero diagonal and satisfy the optimality conditions off it") {
  Random random(7);
  std::vector<std::vector<int>> rows(40);
  for (auto& row : rows)
    for (int i = 0; i < 12; ++i)
      if (random.uniform() < 0.3) row.push_back(i);
  const ItemSets train = rows_of(rows);
  const double lambda = 3;
  const Ease<double> model = Ease<double>::fit(train, 12, lambda);
  const Eigen::MatrixXd g = Ease<double>::gram(train, 12);
  const Eigen::MatrixXd& b = model.weights();
  CHECK(b.diagonal().cwiseAbs().maxCoeff() == 0.0);
  // the gradient of |X - X B|^2 + lambda |B|^2 vanishes off the diagonal: (G + lambda I) B - G
  Eigen::MatrixXd gradient = (g + lambda * Eigen::MatrixXd::Identity(12, 12)) * b - g;
  gradient.diagonal().setZero();
  CHECK(gradient.cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("EASE scores a user as the sum of its items' weight rows") {
  const ItemSets train = rows_of({{0, 2}, {1, 2, 3}, {0, 1, 2, 3}, {0, 3}});
  const Ease<float> model = Ease<float>::fit(train, 4, 1.0);
  const ItemSets users = rows_of({{0, 3}});
  Matrix<float> out;
  model.scores(users, 0, 1, out);
  const Vector<float> expected = (model.weights().row(0) + model.weights().row(3)).transpose();
  CHECK((out.row(0).transpose() - expected).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("EASE refuses a catalogue that does not fit in memory, naming what it needs") {
  CHECK_THROWS_WITH(Ease<float>::check_memory(100000, 1e9), doctest::Contains("needs about 186"));
  CHECK_NOTHROW(Ease<float>::check_memory(1000, 1e9));
}

TEST_CASE("EASE refuses a lambda that is not positive") {
  const ItemSets train = rows_of({{0, 1}});
  CHECK_THROWS_WITH(Ease<float>::fit(train, 2, 0.0), doctest::Contains("lambda must be positive"));
}

TEST_CASE("EASE chosen on validation ranks grouped tastes far above popularity") {
  const RatingData data = grouped_ratings(400, 8, 25, 10, 11);
  ImplicitSplitOptions options;
  options.heldout_users = 40;
  const ImplicitData split = split_strong_generalisation(data, options);
  std::vector<EaseTrial> seen;
  const EaseFit fit = fit_ease(split, ease_lambda_grid(split.train, split.catalogue()),
                               [&](const EaseTrial& trial) { seen.push_back(trial); });
  REQUIRE(fit.model.has_value());
  CHECK(seen.size() == fit.trials.size());
  CHECK(fit.trials.size() >= 5);
  double best = 0, chosen = 0;
  for (const EaseTrial& trial : fit.trials) {
    best = std::max(best, trial.validation.ndcg);
    if (trial.lambda == fit.model->lambda()) chosen = trial.validation.ndcg;
  }
  CHECK(chosen == best);
  const HeldoutMetrics ease = heldout_metrics(split.test, split.catalogue(), ease_scorer(*fit.model));
  const HeldoutMetrics popularity = heldout_metrics(split.test, split.catalogue(), popularity_scorer(split));
  CHECK(ease.users == 40);
  // Within a group the targets are any of the 17 items not folded in, so even a perfect
  // model ranks them among those 17 at random: NDCG about 0.45, and Recall@50 1.
  MESSAGE("EASE NDCG@100 ", ease.ndcg, ", popularity ", popularity.ndcg);
  CHECK(ease.ndcg > 0.4);
  CHECK(ease.ndcg > 2 * popularity.ndcg);
  CHECK(ease.recall_large > 0.9);
}

TEST_CASE("the EASE lambda grid centres on the mean positives per item") {
  const ItemSets train = rows_of({{0, 1, 2, 3}, {0, 1, 2, 3}});  // 8 positives, 4 items: 2 each
  CHECK(ease_lambda_grid(train, 4) == std::vector<double>{0.5, 1, 2, 4, 8});
}

TEST_CASE("a blend standardises each model's scores per user before weighting them") {
  const ItemSets users = rows_of({{0}, {1}});
  auto small = [](const ItemSets&, int, int count, Matrix<float>& out) {
    out.resize(count, 3);
    out.rowwise() = Eigen::RowVector3f(1, 2, 3);  // standardised: -1.22, 0, 1.22
  };
  auto large = [](const ItemSets&, int, int count, Matrix<float>& out) {
    out.resize(count, 3);
    out.rowwise() = Eigen::RowVector3f(300, 200, 100);
  };
  Matrix<float> out;
  blended_scorer({small, large}, {0.5, 0.5})(users, 0, 2, out);
  CHECK(out.cwiseAbs().maxCoeff() < 1e-6f);  // equal weights of opposite orders cancel
  blended_scorer({small, large}, {0.75, 0.25})(users, 0, 2, out);
  CHECK(out(0, 2) == doctest::Approx(0.5 * std::sqrt(1.5)).epsilon(1e-5));
  CHECK(out(0, 2) > out(0, 1));
}

TEST_CASE("the blend weight is chosen by validation NDCG") {
  const RatingData data = grouped_ratings(200, 4, 25, 10, 13);
  ImplicitSplitOptions options;
  options.heldout_users = 20;
  const ImplicitData split = split_strong_generalisation(data, options);
  const Ease<float> ease = Ease<float>::fit(split.train, split.catalogue(), 20);
  std::vector<BlendTrial> trials;
  const double weight = choose_blend(split, ease_scorer(ease), popularity_scorer(split), {0, 0.5, 1},
                                     [&](const BlendTrial& trial) { trials.push_back(trial); });
  REQUIRE(trials.size() == 3);
  CHECK(weight > 0);  // some EASE beats popularity alone
  CHECK(trials[0].validation.ndcg < trials[2].validation.ndcg);
}

TEST_CASE("Item sets as columns hold each user's items as a column of ones, items x users") {
  const ItemSets rows = rows_of({{0, 2}, {1, 2, 3}, {3}});
  const SparseColumns<float> all = rows.columns<float>(5);
  REQUIRE(all.rows() == 5);
  REQUIRE(all.cols() == 3);
  CHECK(all.isCompressed());
  CHECK(Matrix<float>(all).col(1) == (Vector<float>(5) << 0, 1, 1, 1, 0).finished());
  CHECK(all.sum() == 6);
  const SparseColumns<float> last = rows.columns<float>(5, 2, 1);
  REQUIRE(last.cols() == 1);
  CHECK(Matrix<float>(last).col(0) == (Vector<float>(5) << 0, 0, 0, 1, 0).finished());
}
