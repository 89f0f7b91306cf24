// Uses the installed headers as a host recommender would: one training step of AutoRec on a
// tiny batch must lower the loss; then a network of its own (deep, ELU, dropout) is trained,
// saved, loaded, and served through a Scorer: scores, top-N and a new user folded in; then an
// ensemble of two is saved, loaded and served; then a kernelised network (Sparse FC's local
// kernel) is fit by the library's protocol with L-BFGS, saved, loaded and served; then, from
// events without ratings, EASE and a Mult-DAE are fitted, saved, loaded with load_scorer and
// fold new users in from their items; last, the programs' rating protocol in one object
// (RatingFit) and the ranking metrics of its Scorer in one call.
#include <autorec/autorec.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {
bool paper_model_learns() {
  autorec::AutoRec<float>::Options options;
  options.inputs = 4;
  options.hidden = 3;
  options.lambda = 0.1f;
  autorec::AutoRec<float> model(options);
  autorec::SparseColumns<float> ratings(4, 2);
  ratings.insert(0, 0) = 4;
  ratings.insert(2, 0) = 3;
  ratings.insert(1, 1) = 5;
  ratings.makeCompressed();
  const autorec::SparseBatch<float> batch(ratings);
  autorec::Adam<float>::Options adam_options;
  adam_options.learning_rate = 0.05f;
  autorec::Adam<float> adam(model.parameter_groups(), model.parameters().size(), adam_options);
  autorec::TrainingPass<float> pass(model);
  const float before = pass.loss_and_gradient(model, batch);
  for (int i = 0; i < 20; ++i) {
    adam.step(model.parameters(), pass.gradient());
    pass.loss_and_gradient(model, batch);
  }
  const float after = pass.loss_and_gradient(model, batch);
  std::cout << "consumer: loss " << before << " -> " << after << "\n";
  return after < before;
}

bool own_network_trains_saves_loads_and_recommends() {
  using namespace autorec;
  const RatingShape shape{300, 200, 12000, {{1.f, 1}, {2.f, 1}, {3.f, 2}, {4.f, 3}, {5.f, 2}}};  // synthetic
  const std::vector<Rating> ratings = generate_ratings(shape, 7);
  const RatingSplit split = split_ratings(ratings, 0.1, 1);
  const SparseColumns<float> input = rating_matrix<float>(split.train, shape.users, shape.items, Variant::item);

  AutoRec<float>::Options options;
  options.inputs = input.rows();
  options.hidden = {64, 32, 64};
  options.activation = "elu";
  options.dropout = 0.1;
  options.lambda = 1;
  AutoRec<float> model(options);
  TrainOptions<float> train_options;  // Adam, minibatches
  train_options.epochs = 20;
  const PredictionRules rules = rules_from(split.train, 3);
  train(model, input, {}, Variant::item, rules, train_options);

  SavedModel<float> saved{model, Variant::item, rules, IdMap::indices(shape.users), IdMap::indices(shape.items)};
  saved.training = input;
  const std::string path = "consumer-model.bin";
  save_model(path, saved);
  const SavedModel<float> loaded = load_model<float>(path);
  std::remove(path.c_str());

  // Serving from the loaded file alone: scores, top-N, a new user folded in.
  const Scorer<float> scorer(loaded);
  std::vector<float> predicted;
  for (const Rating& r : split.test) predicted.push_back(scorer.score(r.user, r.item));
  const Metrics metrics = score(split.test, predicted);
  const auto top = scorer.recommend("0", TopN{5, {}, {}, true});
  const auto newcomer = scorer.recommend(scorer.fold_in(std::vector<std::pair<std::string, float>>{{"3", 5}, {"8", 1}}));
  std::cout << "consumer: " << loaded.model.architecture().describe() << ", test RMSE " << metrics.rmse
            << ", top item of user 0: " << (top.empty() ? "none" : scorer.item_ids().raw(top.front().item))
            << ", of a new user: " << (newcomer.empty() ? "none" : scorer.item_ids().raw(newcomer.front().item)) << "\n";
  if (!(metrics.rmse < 2 && top.size() == 5 && newcomer.size() == 10 && loaded.model.parameters() == model.parameters()))
    return false;

  // A second network from another seed joins it: the file holds both, the Scorer serves their mean.
  options.seed = 8;
  AutoRec<float> second(options);
  train(second, input, {}, Variant::item, rules, train_options);
  const Ensemble<float> ensemble({model, second});
  saved.other_members = {second};
  save_model(path, saved);
  const Scorer<float> pair(load_model<float>(path));
  std::remove(path.c_str());
  const Scorer<float> direct(ensemble, Variant::item, rules, input);
  std::vector<float> mean_predicted;
  for (const Rating& r : split.test) mean_predicted.push_back(pair.score(r.user, r.item));
  const double ensemble_rmse = score(split.test, mean_predicted).rmse;
  std::cout << "consumer: an ensemble of " << pair.network_count() << ", test RMSE " << ensemble_rmse << "\n";
  return pair.network_count() == 2 && pair.scores(0) == direct.scores(0) && ensemble_rmse < 2 &&
         pair.recommend(pair.fold_in(std::vector<std::pair<std::string, float>>{{"3", 5}})).size() == 10;
}
bool kernelised_network_fits_by_the_protocol() {
  using namespace autorec;
  const RatingShape shape{300, 200, 12000, {{1.f, 1}, {2.f, 1}, {3.f, 2}, {4.f, 3}, {5.f, 2}}};  // synthetic
  RatingData data{IdMap::indices(shape.users), IdMap::indices(shape.items), generate_ratings(shape, 7)};
  const RatingSplit split = split_ratings(data.ratings, 0.1, 1);
  const RatingSplit fit = split_ratings(split.train, 0.1, 2);  // validation chooses the epoch count
  const SparseColumns<float> fit_input = rating_matrix<float>(fit.train, shape.users, shape.items, Variant::item);
  const SparseColumns<float> input = rating_matrix<float>(split.train, shape.users, shape.items, Variant::item);
  const PredictionRules rules = rules_from(split.train, 3);

  FitSettings protocol;
  protocol.lambdas = {10};
  TrainOptions<float> options;
  options.optimizer = "lbfgs";
  options.epochs = 30;
  const Fitted<float> fitted = autorec::fit<float>(
      protocol, {fit_input, fit.test, input}, options, Variant::item, rules, [&](double lambda, std::uint64_t seed) {
        AutoRec<float>::Options o;
        o.inputs = input.rows();
        o.hidden = {32, 32};
        o.kernel_dims = 3;
        o.kernel_lambda = 0.02f;
        o.lambda = float(lambda);
        o.seed = seed;
        return AutoRec<float>(o);
      });
  const SavedModel<float> saved = saved_model(fitted.ensemble, Variant::item, rules, data, split.train);
  const std::string path = "consumer-kernel-model.bin";
  save_model(path, saved);
  const Scorer<float> scorer(load_model<float>(path));
  std::remove(path.c_str());
  std::vector<float> predicted;
  for (const Rating& r : split.test) predicted.push_back(scorer.score(r.user, r.item));
  const double rmse = score(split.test, predicted).rmse;
  std::cout << "consumer: " << fitted.ensemble.member(0).architecture().describe() << ", refit for " << fitted.epochs
            << " L-BFGS iterations, test RMSE " << rmse << "\n";
  return rmse < 2 && fitted.epochs > 0 && scorer.recommend(scorer.fold_in(std::vector<std::pair<std::string, float>>{{"3", 5}})).size() == 10;
}

// Events (no ratings) of 240 users in 4 taste groups of 25 items, 10 events each.
autorec::RatingData taste_group_events() {
  autorec::RatingData events;
  autorec::Random random(3);
  for (int u = 0; u < 240; ++u) {
    const int user = events.users.insert("user" + std::to_string(u));
    for (int e = 0; e < 10; ++e) {
      const int item = (u % 4) * 25 + int(random.below(25));
      const int index = events.items.insert("item" + std::to_string(item));
      bool repeated = false;
      for (const autorec::Rating& r : events.ratings) repeated = repeated || (r.user == user && r.item == index);
      if (!repeated) events.ratings.push_back({user, index, 1.0f});
    }
  }
  return events;
}

bool implicit_models_fit_save_and_fold_in() {
  using namespace autorec;
  ImplicitSplitOptions split_options;
  split_options.heldout_users = 24;
  const ImplicitData split = split_strong_generalisation(taste_group_events(), split_options);
  const int items = split.catalogue();
  const double popularity = heldout_metrics(split.test, items, popularity_scorer(split)).ndcg;

  // EASE, lambda chosen on the validation users; saved, loaded, a new user folded in.
  const EaseFit ease = fit_ease(split, ease_lambda_grid(split.train, items));
  const double ease_ndcg = heldout_metrics(split.test, items, ease_scorer(*ease.model)).ndcg;
  const std::string path = "consumer-implicit.bin";
  save_model(path, saved_model(*ease.model, split));
  const Scorer<float> ease_scorer_loaded = load_scorer<float>(path);
  const auto ease_top = ease_scorer_loaded.recommend(
      ease_scorer_loaded.fold_in_items({"item0", "item1", "item2"}), TopN{5});

  // A Mult-DAE of our own size, trained by the library's minibatch loop.
  Network<float>::Options options;
  options.inputs = items;
  options.hidden = 32;
  options.activation = "tanh";
  options.input_dropout = 0.5;
  options.lambda = 0.01f;
  options.weight_scale = 0.2f;
  options.loss = "multinomial";
  options.normalize_input = true;
  Network<float> dae(options);
  TrainOptions<float> train_options;
  train_options.optimizer = "adam";
  train_options.batch_size = 50;
  train_options.epochs = 40;
  const ImplicitTrainReport report = train_implicit(dae, split, train_options);
  const double dae_ndcg = heldout_metrics(split.test, items, network_scorer(dae)).ndcg;
  save_model(path, saved_model(dae, split));
  const Scorer<float> dae_loaded = load_scorer<float>(path);
  const auto dae_top = dae_loaded.recommend(dae_loaded.fold_in_items({"item0", "item1", "item2"}), TopN{5});

  // The two blended, EASE's weight chosen on the validation users: one file, one Scorer.
  const double weight = choose_blend(split, ease_scorer(*ease.model), network_scorer(dae), blend_weight_grid());
  const double blend_ndcg =
      heldout_metrics(split.test, items,
                      blended_scorer({ease_scorer(*ease.model), network_scorer(dae)}, {weight, 1 - weight}))
          .ndcg;
  save_model(path, saved_blend<float>({{weight, *ease.model}, {1 - weight, dae}}, split));
  const Scorer<float> blend_loaded = load_scorer<float>(path);
  std::remove(path.c_str());
  const auto blend_top = blend_loaded.recommend(blend_loaded.fold_in_items({"item0", "item1", "item2"}), TopN{5});
  auto group = [](const Scorer<float>& scorer, const Recommendation& r) {
    return std::stoi(scorer.item_ids().raw(r.item).substr(4)) / 25;
  };
  std::cout << "consumer: implicit test NDCG@100 popularity " << popularity << ", EASE " << ease_ndcg << " (lambda "
            << ease.model->lambda() << "), Mult-DAE " << dae_ndcg << " (epoch " << report.best_epoch
            << "), blend " << blend_ndcg << " (EASE's weight " << weight << "); a new user's first item: "
            << ease_scorer_loaded.item_ids().raw(ease_top.at(0).item) << ", "
            << dae_loaded.item_ids().raw(dae_top.at(0).item) << " and "
            << blend_loaded.item_ids().raw(blend_top.at(0).item) << "\n";
  return ease_ndcg > popularity && dae_ndcg > popularity && blend_ndcg > popularity && ease_top.size() == 5 &&
         dae_top.size() == 5 && blend_top.size() == 5 && group(ease_scorer_loaded, ease_top[0]) == 0 &&
         group(dae_loaded, dae_top[0]) == 0 && group(blend_loaded, blend_top[0]) == 0 &&
         !ease_scorer_loaded.predicts_ratings();
}
bool rating_protocol_fits_and_ranks() {
  using namespace autorec;
  const RatingShape shape{300, 200, 12000, {{1.f, 1}, {2.f, 1}, {3.f, 2}, {4.f, 3}, {5.f, 2}}};  // synthetic
  const RatingSplit split = split_ratings(generate_ratings(shape, 3), 0.1, 1);
  RatingFitSettings<float> settings;  // I-AutoRec, RProp, lambda chosen on a validation slice
  settings.network.hidden = 32;
  settings.training.epochs = 30;
  const RatingFit<float> job(split.train, shape.users, shape.items, settings);
  const Fitted<float> fitted = job.run();
  const Scorer<float> scorer(fitted.ensemble, Variant::item, job.rules(), job.train_input());
  const RankingMetrics ranking = ranking_metrics(scorer, split.test, 10);
  std::cout << "consumer: the rating protocol chose lambda " << fitted.lambda << " and " << fitted.epochs
            << " epochs; NDCG@10 " << ranking.ndcg << " over " << ranking.users << " users\n";
  return fitted.epochs > 0 && ranking.users > 0 && ranking.ndcg >= 0 && ranking.ndcg <= 1;
}
}  // namespace

int main() {
  if (!paper_model_learns() || !own_network_trains_saves_loads_and_recommends() ||
      !kernelised_network_fits_by_the_protocol() || !implicit_models_fit_save_and_fold_in() ||
      !rating_protocol_fits_and_ranks())
    return 1;
#ifdef _OPENMP
  std::cout << "consumer: all checks passed, OpenMP on\n";
#else
  std::cout << "consumer: all checks passed, OpenMP off\n";
#endif
  return 0;
}
