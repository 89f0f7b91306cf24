// Serving latency on one core, at ML-1M's shape (6,040 users, 3,706 items, 1M synthetic
// ratings, k = 500; the parameters are untrained, which costs what trained ones cost):
// one score, a batch of 1,000 pairs, top-10 over the catalogue, and fold-in of a new user
// with 20 ratings and with every item, for I-AutoRec and U-AutoRec. Targets (issue 10): a
// score <= 1 us, top-10 <= 1 ms, fold-in <= 10 ms; (issue 28) the largest fold-in <= 50 ms.
//
//   OMP_NUM_THREADS=1 build/bench/bench_serving
//
// With AUTOREC_MODEL=FILE, also top-10 for the first 1,000 users of that model file (what
// bench/python_binding.py compares the Python package's recommend() with).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "autorec/data/generate.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/serve/scorer.hpp"

namespace {

using namespace autorec;

const std::vector<Rating>& ml1m_ratings() {
  static const std::vector<Rating> ratings = generate_ratings(movielens_1m_shape(), 1);
  return ratings;
}

const Scorer<float>& scorer(Variant variant) {
  static std::unique_ptr<Scorer<float>> scorers[2];
  auto& slot = scorers[variant == Variant::item ? 0 : 1];
  if (!slot) {
    const RatingShape shape = movielens_1m_shape();
    const SparseColumns<float> training = rating_matrix<float>(ml1m_ratings(), shape.users, shape.items, variant);
    Network<float>::Options options;
    options.inputs = training.rows();
    options.hidden = 500;
    options.lambda = 100;
    slot = std::make_unique<Scorer<float>>(Network<float>(options), variant, PredictionRules{1, 5, 3}, training);
  }
  return *slot;
}

Variant variant_of(const benchmark::State& state) { return state.range(0) == 0 ? Variant::item : Variant::user; }
void label(benchmark::State& state) { state.SetLabel(state.range(0) == 0 ? "I-AutoRec" : "U-AutoRec"); }

void BM_score_one_pair(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  int user = 0, item = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.score(user, item));
    user = (user + 7) % s.user_count();
    item = (item + 13) % s.item_count();
  }
  label(state);
}
BENCHMARK(BM_score_one_pair)->Arg(0)->Arg(1);

void BM_score_1000_pairs(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  std::vector<std::pair<int, int>> pairs;
  Random random(2);
  for (int p = 0; p < 1000; ++p)
    pairs.emplace_back(int(random.below(std::uint64_t(s.user_count()))), int(random.below(std::uint64_t(s.item_count()))));
  for (auto _ : state) benchmark::DoNotOptimize(s.score(pairs));
  state.SetItemsProcessed(state.iterations() * 1000);
  label(state);
}
BENCHMARK(BM_score_1000_pairs)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_top10_over_the_catalogue(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  int user = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.recommend(user, TopN{10, {}, {}, true}));
    user = (user + 1) % s.user_count();
  }
  label(state);
}
BENCHMARK(BM_top10_over_the_catalogue)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_top10_for_6040_users_in_blocks(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  std::vector<int> users(std::size_t(s.user_count()));
  for (int u = 0; u < s.user_count(); ++u) users[std::size_t(u)] = u;
  for (auto _ : state) benchmark::DoNotOptimize(s.recommend(users, TopN{10, {}, {}, true}));
  state.SetItemsProcessed(state.iterations() * s.user_count());
  label(state);
}
BENCHMARK(BM_top10_for_6040_users_in_blocks)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_fold_in_20_ratings(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  std::vector<std::pair<int, float>> ratings;
  Random random(3);
  while (ratings.size() < 20) {
    const int item = int(random.below(std::uint64_t(s.item_count())));
    bool repeated = false;
    for (const auto& r : ratings) repeated = repeated || r.first == item;
    if (!repeated) ratings.emplace_back(item, float(1 + random.below(5)));
  }
  FoldInOptions options;
  options.fit_encoder = state.range(1) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.fold_in(ratings, options));
  state.SetLabel(std::string(state.range(0) == 0 ? "I-AutoRec" : "U-AutoRec") +
                 (options.fit_encoder ? ", encoder fitted (100 steps)" : ""));
}
BENCHMARK(BM_fold_in_20_ratings)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Unit(benchmark::kMicrosecond);

void BM_fold_in_20_ratings_then_top10(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  std::vector<std::pair<int, float>> ratings;
  for (int i = 0; i < 20; ++i) ratings.emplace_back(i * 37 % s.item_count(), float(1 + i % 5));
  for (auto _ : state) benchmark::DoNotOptimize(s.recommend(s.fold_in(ratings), TopN{10, {}, {}, true}));
  label(state);
}
BENCHMARK(BM_fold_in_20_ratings_then_top10)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The largest fold-in autorec-serve accepts: a rating of every item of the catalogue (3,706),
// then top-10. Target (issue 28): <= 50 ms on one core for I-AutoRec, whose ridge fit then
// takes its kn x kn primal form.
void BM_fold_in_every_item_then_top10(benchmark::State& state) {
  const Scorer<float>& s = scorer(variant_of(state));
  std::vector<std::pair<int, float>> ratings;
  for (int i = 0; i < s.item_count(); ++i) ratings.emplace_back(i, float(1 + i % 5));
  for (auto _ : state) benchmark::DoNotOptimize(s.recommend(s.fold_in(ratings), TopN{10, {}, {}, true}));
  label(state);
}
BENCHMARK(BM_fold_in_every_item_then_top10)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

void BM_top10_for_1000_users_of_model_file(benchmark::State& state) {
  const char* path = std::getenv("AUTOREC_MODEL");
  if (!path) {
    state.SkipWithError("set AUTOREC_MODEL to a model file");
    return;
  }
  static const Scorer<float> file_scorer = load_scorer<float>(path);
  std::vector<int> users;
  for (int u = 0; u < std::min(1000, file_scorer.user_count()); ++u) users.push_back(u);
  for (auto _ : state) benchmark::DoNotOptimize(file_scorer.recommend(users, TopN{10, {}, {}, true}));
  state.SetItemsProcessed(state.iterations() * std::int64_t(users.size()));
}
BENCHMARK(BM_top10_for_1000_users_of_model_file)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
