// Fold-in quality: how close folding a new user in comes to retraining with them.
//
// A share of the users (--held-out) is held out; each gives 80% of their ratings as what
// they bring (fold-in input) and keeps 20% as their test. Model A trains on the other users
// and folds each held-out user in; model B retrains on the other users plus the held-out
// users' 80%. Both predict the same held-out 20%: the two RMSEs, and the mean fold-in time.
//
//   fold_in_quality --data ratings.csv [--config examples/recipes/....toml] [--variant item|user] [--lambda L]

#include <CLI/CLI.hpp>

#include <chrono>
#include <iomanip>
#include <iostream>

#include "autorec/data/load.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/train/trainer.hpp"
#include "network_flags.hpp"
#include "training_flags.hpp"

namespace {

using namespace autorec;

struct Settings {
  std::string data, variant = "item";
  float lambda = 100;
  double held_out = 0.1;
  std::uint64_t seed = 1;
  FoldInOptions fold_in;
  autorec_programs::NetworkFlags network;
  autorec_programs::TrainingFlags training;
};

// Trains on `train` (a validation slice of it stops training) and returns its Scorer.
Scorer<float> trained(const Settings& s, const RatingData& data, const std::vector<Rating>& ratings, Variant variant) {
  const RatingSplit fit = split_ratings(ratings, 0.1, s.seed + 1);
  const PredictionRules rules = rules_from(ratings, 3);
  const SparseColumns<float> input = rating_matrix<float>(fit.train, data.users.size(), data.items.size(), variant);
  Network<float> model(s.network.options(input.rows(), s.lambda, s.seed));
  const TrainReport report = train(model, input, fit.test, variant, rules, s.training.options(variant, s.seed));
  std::cout << "  trained " << report.best_epoch << " epochs, validation RMSE " << report.best_validation_rmse << "\n";
  return Scorer<float>(model, variant, rules, rating_matrix<float>(ratings, data.users.size(), data.items.size(), variant));
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Fold-in against retraining on held-out users."};
  app.add_option("--data", s.data, "ratings file")->required()->check(CLI::ExistingFile);
  app.add_option("--variant", s.variant, "item or user")->check(CLI::IsMember({"item", "user"}))->capture_default_str();
  app.add_option("--lambda", s.lambda, "L2 strength")->capture_default_str();
  app.add_option("--held-out", s.held_out, "share of users held out")->check(CLI::Range(0.01, 0.5))->capture_default_str();
  app.add_option("--seed", s.seed, "seed")->capture_default_str();
  app.add_option("--fold-in-iterations", s.fold_in.iterations, "gradient steps of I-AutoRec's fold-in after its start")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_flag("--fit-encoder", s.fold_in.fit_encoder, "I-AutoRec's fold-in also fits the new user's encoder column");
  s.network.add_to(app);
  s.training.add_to(app);
  app.set_config("--config", "", "a recipe (examples/recipes)");
  CLI11_PARSE(app, argc, argv);
  try {
    const Variant variant = parse_variant(s.variant);
    RatingData data;
    load_ratings(s.data, data);
    Random random(s.seed);
    std::vector<char> held(std::size_t(data.users.size()));
    for (char& h : held) h = random.uniform() < s.held_out;
    std::vector<std::vector<Rating>> by_user(std::size_t(data.users.size()));
    for (const Rating& r : data.ratings) by_user[std::size_t(r.user)].push_back(r);
    std::vector<Rating> others, brought, test;
    for (std::size_t u = 0; u < by_user.size(); ++u) {
      if (!held[u] || by_user[u].size() < 5) {
        others.insert(others.end(), by_user[u].begin(), by_user[u].end());
        continue;
      }
      const RatingSplit mine = split_ratings(by_user[u], 0.2, s.seed + u);
      brought.insert(brought.end(), mine.train.begin(), mine.train.end());
      test.insert(test.end(), mine.test.begin(), mine.test.end());
    }
    std::cout << to_string(variant) << "-AutoRec: " << others.size() << " ratings of the other users; held-out users bring "
              << brought.size() << " and are tested on " << test.size() << "\n";

    std::cout << "A: train without the held-out users, then fold them in\n";
    const Scorer<float> without = trained(s, data, others, variant);
    std::vector<std::vector<std::pair<int, float>>> bring(by_user.size());
    for (const Rating& r : brought) bring[std::size_t(r.user)].emplace_back(r.item, r.value);
    std::vector<float> folded_predictions(test.size());
    std::vector<FoldedUser<float>> folded(by_user.size());
    double seconds = 0;
    long users = 0;
    for (std::size_t u = 0; u < by_user.size(); ++u) {
      if (bring[u].empty()) continue;
      const auto start = std::chrono::steady_clock::now();
      folded[u] = without.fold_in(bring[u], s.fold_in);
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++users;
    }
    // Each folded user's scores over the catalogue, computed once for all their test ratings.
    std::vector<std::vector<float>> folded_scores(by_user.size());
    for (std::size_t t = 0; t < test.size(); ++t) {
      std::vector<float>& scores = folded_scores[std::size_t(test[t].user)];
      if (scores.empty()) scores = without.scores(folded[std::size_t(test[t].user)]);
      folded_predictions[t] = scores[std::size_t(test[t].item)];
    }
    const Metrics fold_metrics = score(test, folded_predictions);

    std::cout << "B: retrain with the held-out users' brought ratings\n";
    std::vector<Rating> with = others;
    with.insert(with.end(), brought.begin(), brought.end());
    const Scorer<float> retrained = trained(s, data, with, variant);
    std::vector<float> retrained_predictions(test.size());
    for (std::size_t t = 0; t < test.size(); ++t) retrained_predictions[t] = retrained.score(test[t].user, test[t].item);
    const Metrics retrain_metrics = score(test, retrained_predictions);

    std::cout << std::fixed << std::setprecision(4) << "held-out users " << users << ": fold-in RMSE "
              << fold_metrics.rmse << ", retraining RMSE " << retrain_metrics.rmse << "; fold-in "
              << std::setprecision(2) << 1e3 * seconds / double(users) << " ms per user\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "fold_in_quality: " << error.what() << "\n";
    return 1;
  }
}
