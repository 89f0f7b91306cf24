// autorec._core: the C++ library behind the Python package. python/autorec/__init__.py holds
// the API users call; this module moves arrays across and runs the library's code:
//
//   ratings   three parallel arrays, in the matrix's stored order: user index (int32),
//             item index (int32), value (float32); n_users x n_items
//   ids       raw user and item ids as bytes (the file's bytes; Python decodes them)
//   Model     a model file's contents (networks or EASE) and the Scorer that serves them
//
// The GIL is released while the library trains, scores and reads files; training takes it
// back once an epoch to run the Python callback and to see Ctrl-C (KeyboardInterrupt).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/layers/layer_kinds.hpp"
#include "autorec/parallel.hpp"
#include "autorec/serve/scorer.hpp"
#include "autorec/serve/scorer_metrics.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "autorec/train/fit_ratings.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "autorec/train/mult_recipe.hpp"

namespace py = pybind11;

namespace {

using autorec::Index;
using autorec::Rating;
using IndexArray = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;
using ValueArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// ---- ratings and ids ----------------------------------------------------------------------

/// The ratings of three parallel arrays, checked against the shape: every index in range,
/// every value finite (the error names the entry).
std::vector<Rating> ratings_of(const IndexArray& users, const IndexArray& items, const ValueArray& values,
                               Index n_users, Index n_items) {
  const py::ssize_t n = values.size();
  if (users.size() != n || items.size() != n)
    throw std::invalid_argument("ratings: " + std::to_string(users.size()) + " users, " +
                                std::to_string(items.size()) + " items and " + std::to_string(n) + " values");
  const auto u = users.unchecked<1>();
  const auto i = items.unchecked<1>();
  const auto v = values.unchecked<1>();
  std::vector<Rating> ratings(static_cast<std::size_t>(n));
  for (py::ssize_t r = 0; r < n; ++r) {
    if (u(r) < 0 || u(r) >= n_users || i(r) < 0 || i(r) >= n_items)
      throw std::out_of_range("rating " + std::to_string(r) + " is at (" + std::to_string(u(r)) + ", " +
                              std::to_string(i(r)) + "), outside the " + std::to_string(n_users) + " x " +
                              std::to_string(n_items) + " matrix");
    if (!std::isfinite(v(r)))
      throw std::invalid_argument("the rating of user " + std::to_string(u(r)) + " for item " + std::to_string(i(r)) +
                                  " is " + std::to_string(v(r)) + ": ratings must be finite numbers");
    ratings[std::size_t(r)] = Rating{u(r), i(r), v(r)};
  }
  return ratings;
}

autorec::IdMap id_map(const std::vector<std::string>& ids, const char* what) {
  autorec::IdMap map;
  for (std::size_t k = 0; k < ids.size(); ++k)
    if (map.insert(ids[k]) != int(k))
      throw std::invalid_argument(std::string(what) + " id '" + ids[k] + "' appears twice (at " +
                                  std::to_string(map.find(ids[k])) + " and " + std::to_string(k) + ")");
  return map;
}

py::list bytes_of(const autorec::IdMap& ids) {
  py::list list(std::size_t(ids.size()));
  for (int k = 0; k < ids.size(); ++k) list[std::size_t(k)] = py::bytes(ids.raw(k));
  return list;
}

template <typename T>
py::array_t<T> array_of(std::vector<T>&& values) {
  auto* held = new std::vector<T>(std::move(values));
  py::capsule owner(held, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(py::ssize_t(held->size()), held->data(), owner);
}

py::dict load_ratings(const std::string& path, const std::string& format, bool keep_last_duplicate,
                      bool require_ratings) {
  autorec::RatingData data;
  autorec::LoadSummary summary;
  {
    py::gil_scoped_release release;
    autorec::LoadOptions options;
    options.format = autorec::parse_rating_format(format);
    if (keep_last_duplicate) options.duplicates = autorec::DuplicatePolicy::keep_last;
    options.ratings_required = require_ratings;
    summary = autorec::load_ratings(path, data, options);
  }
  std::vector<std::int32_t> users, items;
  std::vector<float> values;
  users.reserve(data.ratings.size());
  items.reserve(data.ratings.size());
  values.reserve(data.ratings.size());
  for (const Rating& r : data.ratings) {
    users.push_back(r.user);
    items.push_back(r.item);
    values.push_back(r.value);
  }
  py::dict result;
  result["fingerprint"] = autorec::fingerprint(data);
  result["users"] = array_of(std::move(users));
  result["items"] = array_of(std::move(items));
  result["values"] = array_of(std::move(values));
  result["user_ids"] = bytes_of(data.users);
  result["item_ids"] = bytes_of(data.items);
  result["lines"] = summary.lines;
  result["duplicates"] = summary.duplicates;
  result["header"] = summary.header;
  return result;
}

py::array_t<bool> held_out(std::size_t n, double fraction, std::uint64_t seed) {
  const std::vector<char> mask = autorec::held_out(n, fraction, seed);
  py::array_t<bool> result(py::ssize_t(mask.size()));
  auto out = result.mutable_unchecked<1>();
  for (std::size_t k = 0; k < mask.size(); ++k) out(py::ssize_t(k)) = mask[k] != 0;
  return result;
}

std::uint64_t fingerprint_of(const IndexArray& users, const IndexArray& items, const ValueArray& values,
                             const std::vector<std::string>& user_ids, const std::vector<std::string>& item_ids) {
  const std::vector<Rating> ratings = ratings_of(users, items, values, Index(user_ids.size()), Index(item_ids.size()));
  return autorec::fingerprint(ratings, id_map(user_ids, "user"), id_map(item_ids, "item"));
}

// ---- fit options ----------------------------------------------------------------------------

/// Reads the keyword options the Python estimator passes, refusing any it does not know.
class OptionReader {
 public:
  explicit OptionReader(py::dict options) : options_(std::move(options)) {}

  template <typename T>
  std::optional<T> get(const char* key) {
    used_.insert(key);
    if (!options_.contains(key) || options_[key].is_none()) return std::nullopt;
    try {
      return options_[key].cast<T>();
    } catch (const py::cast_error&) {
      throw py::type_error(std::string(key) + "=" + py::repr(options_[key]).cast<std::string>() + ": wrong type");
    }
  }
  template <typename T>
  void read(const char* key, T& into) {
    if (auto value = get<T>(key)) into = *value;
  }
  void finish() const {
    for (auto item : options_)
      if (!used_.count(item.first.cast<std::string>()))
        throw py::type_error("unknown option " + item.first.cast<std::string>());
  }

 private:
  py::dict options_;
  std::set<std::string> used_;
};

void read_network(OptionReader& in, autorec::Network<float>::Options& network) {
  if (auto hidden = in.get<std::vector<Index>>("hidden")) network.hidden = *hidden;
  in.read("activation", network.activation);
  in.read("output_activation", network.output_activation);
  in.read("dropout", network.dropout);
  in.read("input_dropout", network.input_dropout);
  in.read("weight_scale", network.weight_scale);
  in.read("bf16_weights", network.bf16_weights);
  in.read("kernel_dims", network.kernel_dims);
  in.read("kernel_lambda", network.kernel_lambda);
}

void read_training(OptionReader& in, autorec::TrainOptions<float>& training) {
  in.read("optimizer", training.optimizer);
  in.read("learning_rate", training.adam.learning_rate);
  in.read("batch", training.batch_size);
  in.read("epochs", training.epochs);
  in.read("patience", training.patience);
  in.read("lbfgs_history", training.lbfgs.history);
  auto& rprop = training.rprop;
  in.read("rprop_grow", rprop.grow);
  in.read("rprop_max_step", rprop.max_step);
  in.read("rprop_first_max_step", rprop.first_max_step);
  in.read("rprop_max_step_epochs", rprop.max_step_steps);
  // as autorec-train does: a smaller cap alone also lowers the first step, which may not exceed it
  rprop.initial_step = in.get<float>("rprop_step").value_or(std::min(rprop.initial_step, rprop.max_step_at(0)));
}

/// The OpenMP thread count when the module was imported: what threads=0 means.
int default_threads() {
  static const int count = autorec::thread_count();
  return count;
}

/// Sets the calling thread's OpenMP thread count for one call, and restores it after.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : previous_(autorec::thread_count()) {
    if (threads < 0)
      throw std::invalid_argument("threads must be 0 (all cores) or more, got " + std::to_string(threads));
    autorec::set_thread_count(threads > 0 ? threads : default_threads());
  }
  ~ThreadScope() { autorec::set_thread_count(previous_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

/// The settings of the rating protocol, and in `threads` the fit's thread count (ThreadScope).
autorec::RatingFitSettings<float> fit_settings(const py::dict& options, int& threads) {
  OptionReader in(options);
  autorec::RatingFitSettings<float> settings;
  settings.variant = autorec::parse_variant(in.get<std::string>("variant").value_or("item"));
  settings.seed = in.get<std::uint64_t>("seed").value_or(1);
  settings.network.seed = settings.seed;
  read_network(in, settings.network);
  settings.training = autorec::paper_train_options<float>(settings.variant);
  settings.training.seed = settings.seed;
  read_training(in, settings.training);
  in.read("ensemble", settings.members);
  in.read("refit", settings.refit);
  in.read("validation_fraction", settings.validation_fraction);
  settings.lambda = in.get<double>("lam");
  settings.default_rating = in.get<float>("default_rating");
  threads = in.get<int>("threads").value_or(0);
  in.finish();
  return settings;
}

// ---- training with a Python callback ------------------------------------------------------------

/// Python's truth of a callback's return value (None: go on).
bool truthy(const py::object& value) {
  const int truth = PyObject_IsTrue(value.ptr());
  if (truth < 0) throw py::error_already_set();
  return truth == 1;
}

/// Each epoch: takes the GIL, raises KeyboardInterrupt on Ctrl-C (as an exception through the
/// trainer, which leaves nothing half-built), and calls `callback(dict)`; a true return stops
/// the network in training at its best epoch so far.
class EpochCallback {
 public:
  explicit EpochCallback(py::object callback) : callback_(std::move(callback)) {}

  void stage(std::string name, double lambda, int member) {
    stage_ = std::move(name);
    lambda_ = lambda;
    member_ = member;
  }

  autorec::TrainCallbacks callbacks() {
    autorec::TrainCallbacks callbacks;
    callbacks.should_stop = [this](const autorec::EpochReport& epoch) { return call(epoch); };
    return callbacks;
  }

 private:
  py::object callback_;
  std::string stage_ = "trial";
  double lambda_ = 0;
  int member_ = 0;

  bool call(const autorec::EpochReport& epoch) {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (callback_.is_none()) return false;
    py::dict report;
    report["stage"] = stage_;
    report["lambda"] = lambda_;
    report["member"] = member_;
    report["epoch"] = epoch.epoch;
    report["train_rmse"] = epoch.train_rmse;
    report["validation_rmse"] = epoch.validation_rmse;
    report["seconds"] = epoch.seconds;
    report["best"] = epoch.best;
    return truthy(callback_(report));
  }
};

/// An implicit-feedback epoch for the callback (Ctrl-C and the stop request as above).
bool implicit_epoch(const py::object& callback, const autorec::ImplicitEpochReport& epoch) {
  py::gil_scoped_acquire acquire;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  if (callback.is_none()) return false;
  py::dict report;
  report["epoch"] = epoch.epoch;
  report["train_loss"] = epoch.train_loss;
  report["beta"] = epoch.beta;
  report["ndcg@100"] = epoch.validation.ndcg;
  report["recall@20"] = epoch.validation.recall_small;
  report["recall@50"] = epoch.validation.recall_large;
  report["seconds"] = epoch.seconds;
  report["best"] = epoch.best;
  return truthy(callback(report));
}

py::dict history_of(const autorec::TrainReport& report) {
  py::list epochs;
  for (const autorec::EpochReport& e : report.history) {
    py::dict row;
    row["epoch"] = e.epoch;
    row["train_rmse"] = e.train_rmse;
    row["validation_rmse"] = e.validation_rmse;
    row["seconds"] = e.seconds;
    epochs.append(row);
  }
  py::dict result;
  result["epochs"] = epochs;
  result["best_epoch"] = report.best_epoch;
  result["best_validation_rmse"] = report.best_validation_rmse;
  return result;
}

// ---- the model ------------------------------------------------------------------------------------

/// The Scorer of a model file's contents (call it with the GIL released: it encodes the
/// training vectors, or copies EASE's weights).
std::unique_ptr<autorec::Scorer<float>> scorer_of(const autorec::ModelFileContents<float>& contents) {
  return std::visit([](const auto& saved) { return std::make_unique<autorec::Scorer<float>>(saved); }, contents);
}

class Model {
 public:
  /// contents and its Scorer (scorer_of): the file's contents are kept for save().
  Model(autorec::ModelFileContents<float> contents, std::unique_ptr<autorec::Scorer<float>> scorer)
      : contents_(std::move(contents)), scorer_(std::move(scorer)) {}

  const autorec::Scorer<float>& scorer() const { return *scorer_; }
  const autorec::ModelFileContents<float>& contents() const { return contents_; }
  double ease_lambda() const { return std::get<autorec::SavedEase<float>>(contents_).model.lambda(); }
  py::dict fit_report;  ///< lambda, epochs and the chosen trial's history, for a model fit here

 private:
  autorec::ModelFileContents<float> contents_;
  std::unique_ptr<autorec::Scorer<float>> scorer_;
};

std::unique_ptr<Model> fit_autorec(const IndexArray& users, const IndexArray& items, const ValueArray& values,
                                   const std::optional<IndexArray>& validation_users,
                                   const std::optional<IndexArray>& validation_items,
                                   const std::optional<ValueArray>& validation_values,
                                   const std::vector<std::string>& user_ids, const std::vector<std::string>& item_ids,
                                   std::optional<std::uint64_t> source_fingerprint, const py::dict& options,
                                   py::object callback) {
  const Index n_users = Index(user_ids.size()), n_items = Index(item_ids.size());
  autorec::RatingData data{id_map(user_ids, "user"), id_map(item_ids, "item"), {}};
  std::vector<Rating> training = ratings_of(users, items, values, n_users, n_items);
  std::optional<std::vector<Rating>> validation;
  if (validation_values)
    validation = ratings_of(*validation_users, *validation_items, *validation_values, n_users, n_items);
  int thread_count = 0;
  const autorec::RatingFitSettings<float> settings = fit_settings(options, thread_count);
  const ThreadScope threads(thread_count);
  EpochCallback epochs(std::move(callback));
  autorec::FitEvents<float> events;
  double chosen_lambda = settings.lambda.value_or(0);
  events.on_trial_start = [&](double lambda) { epochs.stage("trial", lambda, 0); };
  events.on_choice = [&](const autorec::LambdaChoice& choice) { chosen_lambda = choice.lambda; };
  events.on_member_start = [&](int member, std::uint64_t) { epochs.stage("member", chosen_lambda, member); };
  std::optional<autorec::Fitted<float>> fitted;
  std::optional<autorec::SavedModel<float>> saved;
  std::optional<autorec::ModelFileContents<float>> contents;
  std::unique_ptr<autorec::Scorer<float>> scorer;
  {
    py::gil_scoped_release release;
    const autorec::RatingFit<float> job =
        validation ? autorec::RatingFit<float>(std::move(training), std::move(*validation), n_users, n_items, settings)
                   : autorec::RatingFit<float>(std::move(training), n_users, n_items, settings);
    fitted = job.run(events, epochs.callbacks());
    saved = autorec::saved_model(fitted->ensemble, settings.variant, job.rules(), data, job.training());
    data.ratings = job.training();
    saved->fingerprint = source_fingerprint ? *source_fingerprint : autorec::fingerprint(data);
    contents = std::move(*saved);
    scorer = scorer_of(*contents);
  }
  auto model = std::make_unique<Model>(std::move(*contents), std::move(scorer));
  model->fit_report = history_of(fitted->report);
  model->fit_report["lambda"] = fitted->lambda;
  model->fit_report["refit_epochs"] = fitted->epochs;
  model->fit_report["seconds"] = fitted->seconds;
  return model;
}

// ---- implicit feedback: EASE, Mult-DAE and Mult-VAE -----------------------------------------------

/// Each row's items with a value above 0, as item sets.
autorec::ItemSets item_sets(const std::vector<Rating>& events, Index rows) {
  std::vector<std::vector<int>> by_row(static_cast<std::size_t>(rows));
  for (const Rating& r : events)
    if (r.value > 0) by_row[std::size_t(r.user)].push_back(r.item);
  autorec::ItemSets sets;
  for (auto& row : by_row) sets.add_row(std::move(row));
  return sets;
}

/// The training users (all rows of the matrix) and, when given, held-out validation users:
/// each row's items split into fold-in items and targets (target_fraction, seeded). Its
/// source fingerprint is the one given, or the events'.
autorec::ImplicitData implicit_data(const std::vector<Rating>& events, const std::vector<std::string>& user_ids,
                                    const std::vector<std::string>& item_ids,
                                    const std::optional<std::vector<Rating>>& validation, Index validation_users,
                                    double target_fraction, std::uint64_t seed,
                                    std::optional<std::uint64_t> source_fingerprint) {
  autorec::ImplicitData data;
  data.items = id_map(item_ids, "item");
  const autorec::IdMap users = id_map(user_ids, "user");  // refuses a repeated id
  data.train_users = user_ids;
  data.source_fingerprint = source_fingerprint.value_or(autorec::fingerprint(events, users, data.items));
  data.train = item_sets(events, Index(user_ids.size()));
  if (data.train.entries() == 0) throw std::invalid_argument("no interactions (entries above 0) to train on");
  if (!validation) return data;
  if (!(target_fraction > 0 && target_fraction < 1))
    throw std::invalid_argument("target_fraction must lie in (0, 1), got " + std::to_string(target_fraction));
  const autorec::ItemSets held_out = item_sets(*validation, validation_users);
  autorec::Random random(seed);
  autorec::ImplicitSummary summary;
  for (int u = 0; u < held_out.rows(); ++u) {
    const auto row = held_out.row(u);
    data.validation.users.push_back(std::to_string(u));
    autorec::detail::split_heldout_row(std::vector<int>(row.begin(), row.end()), target_fraction, random,
                                       data.validation, summary);
  }
  return data;
}

/// EASE (Steck, WWW 2019) on the users' item sets (entries above 0). lambda given, or chosen
/// by the validation users' NDCG@100 from ease_lambda_grid when they are given, or the grid's
/// centre (scaled to the data) without them.
std::unique_ptr<Model> fit_ease(const IndexArray& users, const IndexArray& items, const ValueArray& values,
                                const std::optional<IndexArray>& validation_users,
                                const std::optional<IndexArray>& validation_items,
                                const std::optional<ValueArray>& validation_values, Index validation_rows,
                                const std::vector<std::string>& user_ids, const std::vector<std::string>& item_ids,
                                std::optional<double> lambda, double target_fraction, std::uint64_t seed,
                                std::optional<std::uint64_t> source_fingerprint) {
  const Index n_users = Index(user_ids.size()), n_items = Index(item_ids.size());
  const std::vector<Rating> events = ratings_of(users, items, values, n_users, n_items);
  std::optional<std::vector<Rating>> validation;
  if (validation_values)
    validation = ratings_of(*validation_users, *validation_items, *validation_values, validation_rows, n_items);
  if (lambda && !(*lambda > 0)) throw std::invalid_argument("EASE: lambda must be > 0, got " + std::to_string(*lambda));
  autorec::ImplicitData data =
      implicit_data(events, user_ids, item_ids, validation, validation_rows, target_fraction, seed + 1,
                    source_fingerprint);
  std::optional<autorec::SavedEase<float>> saved;
  std::optional<autorec::ModelFileContents<float>> contents;
  std::unique_ptr<autorec::Scorer<float>> scorer;
  std::vector<autorec::EaseTrial> trials;
  {
    py::gil_scoped_release release;
    const std::vector<double> grid = autorec::ease_lambda_grid(data.train, int(n_items));
    std::optional<autorec::Ease<float>> model;
    if (validation) {
      autorec::EaseFit fit = autorec::fit_ease(data, lambda ? std::vector<double>{*lambda} : grid);
      model = std::move(fit.model);
      trials = std::move(fit.trials);
    } else {
      autorec::Ease<float>::check_memory(int(n_items), autorec::available_memory_bytes(), false);
      model = autorec::Ease<float>::fit(data.train, int(n_items), lambda.value_or(grid[2]));
    }
    saved = autorec::saved_model(std::move(*model), data);
    contents = std::move(*saved);
    scorer = scorer_of(*contents);
  }
  auto result = std::make_unique<Model>(std::move(*contents), std::move(scorer));
  result->fit_report["lambda"] = result->ease_lambda();
  py::list tried;
  for (const autorec::EaseTrial& trial : trials) tried.append(py::make_tuple(trial.lambda, trial.validation.ndcg));
  result->fit_report["trials"] = tried;
  return result;
}


autorec::MultRecipe mult_recipe(OptionReader& in) {
  autorec::MultRecipe recipe;
  in.read("variational", recipe.variational);
  in.read("latent", recipe.latent);
  recipe.hidden = in.get<std::vector<Index>>("hidden");
  recipe.activation = in.get<std::string>("activation");
  recipe.input_dropout = in.get<double>("input_dropout");
  recipe.lambda = in.get<double>("lam");
  recipe.weight_scale = in.get<float>("weight_scale");
  return recipe;
}

/// Mult-DAE or Mult-VAE on the rows of a users x items matrix (entries above 0), early
/// stopping on the validation users' NDCG@100 when they are given, all epochs otherwise.
std::unique_ptr<Model> fit_mult(const IndexArray& users, const IndexArray& items, const ValueArray& values,
                                const std::optional<IndexArray>& validation_users,
                                const std::optional<IndexArray>& validation_items,
                                const std::optional<ValueArray>& validation_values, Index validation_rows,
                                const std::vector<std::string>& user_ids, const std::vector<std::string>& item_ids,
                                std::optional<std::uint64_t> source_fingerprint, const py::dict& options,
                                py::object callback) {
  const Index n_users = Index(user_ids.size()), n_items = Index(item_ids.size());
  const std::vector<Rating> events = ratings_of(users, items, values, n_users, n_items);
  std::optional<std::vector<Rating>> validation;
  if (validation_values)
    validation = ratings_of(*validation_users, *validation_items, *validation_values, validation_rows, n_items);
  OptionReader in(options);
  const autorec::MultRecipe recipe = mult_recipe(in);
  const std::uint64_t seed = in.get<std::uint64_t>("seed").value_or(1);
  autorec::TrainOptions<float> training = autorec::paper_train_options<float>(autorec::Variant::user);
  training.seed = seed;
  read_training(in, training);
  autorec::KlAnnealing annealing;
  in.read("beta_cap", annealing.cap);
  in.read("anneal_steps", annealing.steps);
  const double target_fraction = in.get<double>("target_fraction").value_or(0.2);
  const ThreadScope threads(in.get<int>("threads").value_or(0));
  in.finish();
  autorec::ImplicitData data =
      implicit_data(events, user_ids, item_ids, validation, validation_rows, target_fraction, seed + 1,
                    source_fingerprint);
  autorec::Network<float>::Options base;
  base.seed = seed;
  std::optional<autorec::SavedModel<float>> saved;
  std::optional<autorec::ModelFileContents<float>> contents;
  std::unique_ptr<autorec::Scorer<float>> scorer;
  autorec::ImplicitTrainReport report;
  {
    py::gil_scoped_release release;
    autorec::Network<float> network = recipe.network(base, n_items, n_users);
    report = autorec::train_implicit(network, data, training, {}, annealing,
                                     [&callback](const autorec::ImplicitEpochReport& epoch) {
                                       return implicit_epoch(callback, epoch);
                                     });
    saved = autorec::saved_model(std::move(network), data);
    contents = std::move(*saved);
    scorer = scorer_of(*contents);
  }
  auto model = std::make_unique<Model>(std::move(*contents), std::move(scorer));
  model->fit_report["best_epoch"] = report.best_epoch;
  model->fit_report["best_ndcg@100"] = validation ? report.best_ndcg : std::nan("");
  model->fit_report["epochs"] = report.history.size();
  return model;
}

std::unique_ptr<Model> load_model(const std::string& path) {
  std::optional<autorec::ModelFileContents<float>> contents;
  std::unique_ptr<autorec::Scorer<float>> scorer;
  {
    py::gil_scoped_release release;
    contents = autorec::parse_model_file<float>(autorec::read_model_bytes(path), path);
    scorer = scorer_of(*contents);
  }
  return std::make_unique<Model>(std::move(*contents), std::move(scorer));  // a Python dict: with the GIL
}

void save(const Model& model, const std::string& path) {
  py::gil_scoped_release release;
  std::visit([&](const auto& saved) { autorec::save_model(path, saved); }, model.contents());
}

// ---- scoring --------------------------------------------------------------------------------------

py::array_t<float> predict(const Model& model, const IndexArray& users, const IndexArray& items) {
  if (users.size() != items.size())
    throw std::invalid_argument("predict: " + std::to_string(users.size()) + " users and " +
                                std::to_string(items.size()) + " items; give one of each per prediction");
  std::vector<std::pair<int, int>> pairs(std::size_t(users.size()));
  const auto u = users.unchecked<1>();
  const auto i = items.unchecked<1>();
  for (py::ssize_t k = 0; k < users.size(); ++k) pairs[std::size_t(k)] = {u(k), i(k)};
  std::vector<float> scores;
  {
    py::gil_scoped_release release;
    scores = model.scorer().score(pairs);
  }
  return array_of(std::move(scores));
}

autorec::TopN request_of(std::size_t count, bool filter_rated, const std::optional<IndexArray>& candidates,
                         const std::optional<IndexArray>& exclude) {
  autorec::TopN request;
  request.count = count;
  request.exclude_rated = filter_rated;
  if (candidates) request.candidates.assign(candidates->data(), candidates->data() + candidates->size());
  if (exclude) request.exclude.assign(exclude->data(), exclude->data() + exclude->size());
  return request;
}

/// Lists as two rows-by-count arrays: item indices (-1 past a short list) and their scores (NaN).
py::tuple as_arrays(const std::vector<std::vector<autorec::Recommendation>>& lists, std::size_t count) {
  py::array_t<std::int32_t> ids({py::ssize_t(lists.size()), py::ssize_t(count)});
  py::array_t<float> scores({py::ssize_t(lists.size()), py::ssize_t(count)});
  auto id = ids.mutable_unchecked<2>();
  auto score = scores.mutable_unchecked<2>();
  for (std::size_t row = 0; row < lists.size(); ++row)
    for (std::size_t k = 0; k < count; ++k) {
      const bool has = k < lists[row].size();
      id(py::ssize_t(row), py::ssize_t(k)) = has ? lists[row][k].item : -1;
      score(py::ssize_t(row), py::ssize_t(k)) = has ? lists[row][k].rating : std::nanf("");
    }
  return py::make_tuple(ids, scores);
}

py::tuple recommend(const Model& model, const IndexArray& users, std::size_t count, bool filter_rated,
                    const std::optional<IndexArray>& candidates, const std::optional<IndexArray>& exclude) {
  const std::vector<int> list(users.data(), users.data() + users.size());
  const autorec::TopN request = request_of(count, filter_rated, candidates, exclude);
  std::vector<std::vector<autorec::Recommendation>> lists;
  {
    py::gil_scoped_release release;
    lists = model.scorer().recommend(list, request);
  }
  return as_arrays(lists, count);
}

/// A user the model never saw, from (item index, value) pairs: ratings for a rating model,
/// the items alone for a model of implicit feedback.
autorec::FoldedUser<float> fold_in(const Model& model, const IndexArray& items, const ValueArray& values) {
  const auto i = items.unchecked<1>();
  const auto v = values.unchecked<1>();
  if (values.size() != items.size())
    throw std::invalid_argument("fold-in: " + std::to_string(items.size()) + " items and " +
                                std::to_string(values.size()) + " values");
  py::gil_scoped_release release;
  if (!model.scorer().predicts_ratings())
    return model.scorer().fold_in_items(std::vector<int>(items.data(), items.data() + items.size()));
  std::vector<std::pair<int, float>> ratings(std::size_t(items.size()));
  for (py::ssize_t k = 0; k < items.size(); ++k) ratings[std::size_t(k)] = {i(k), v(k)};
  return model.scorer().fold_in(ratings);
}

py::tuple recommend_new(const Model& model, const IndexArray& items, const ValueArray& values, std::size_t count,
                        bool filter_rated, const std::optional<IndexArray>& candidates,
                        const std::optional<IndexArray>& exclude) {
  const autorec::FoldedUser<float> folded = fold_in(model, items, values);
  const autorec::TopN request = request_of(count, filter_rated, candidates, exclude);
  std::vector<std::vector<autorec::Recommendation>> lists(1);
  {
    py::gil_scoped_release release;
    lists[0] = model.scorer().recommend(folded, request);
  }
  return as_arrays(lists, count);
}

py::array_t<float> scores(const Model& model, int user) {
  std::vector<float> all;
  {
    py::gil_scoped_release release;
    all = model.scorer().scores(user);
  }
  return array_of(std::move(all));
}

py::array_t<float> scores_new(const Model& model, const IndexArray& items, const ValueArray& values) {
  const autorec::FoldedUser<float> folded = fold_in(model, items, values);
  std::vector<float> all;
  {
    py::gil_scoped_release release;
    all = folded.rated.empty() ? std::vector<float>(std::size_t(model.scorer().item_count()), std::nanf(""))
                               : model.scorer().scores(folded);
  }
  return array_of(std::move(all));
}

// ---- evaluation -------------------------------------------------------------------------------------

py::dict evaluate(const Model& model, const IndexArray& users, const IndexArray& items, const ValueArray& values,
                  std::optional<int> k, std::optional<double> threshold) {
  const autorec::Scorer<float>& scorer = model.scorer();
  const std::vector<Rating> test = ratings_of(users, items, values, scorer.user_count(), scorer.item_count());
  if (k && *k < 1) throw std::invalid_argument("k must be at least 1, got " + std::to_string(*k));
  std::optional<autorec::Metrics> rating;
  std::optional<autorec::RankingMetrics> ranking;
  {
    py::gil_scoped_release release;
    if (scorer.predicts_ratings()) {
      std::vector<std::pair<int, int>> pairs;
      for (const Rating& r : test) pairs.emplace_back(r.user, r.item);
      rating = autorec::score(test, scorer.score(pairs));
    }
    if (k) ranking = autorec::ranking_metrics(scorer, test, *k, threshold);
  }
  py::dict result;
  if (rating) {
    result["rmse"] = rating->rmse;
    result["mae"] = rating->mae;
    result["count"] = rating->count;
  }
  if (ranking) {
    const std::string at = "@" + std::to_string(*k);
    result[py::str("precision" + at)] = ranking->precision;
    result[py::str("recall" + at)] = ranking->recall;
    result[py::str("ndcg" + at)] = ranking->ndcg;
    result[py::str("map" + at)] = ranking->map;
    result[py::str("hit" + at)] = ranking->hit_rate;
    result[py::str("itemcoverage" + at)] = ranking->coverage;
    result["threshold"] = ranking->threshold;
    result["ranked_users"] = ranking->users;
  }
  return result;
}

py::list rated_items(const Model& model, int user) {
  py::list items;
  for (int item : model.scorer().rated_items(user)) items.append(item);
  return items;
}

}  // namespace

PYBIND11_MODULE(_core, module) {
  module.doc() = "autorec's C++ library; use the autorec package, which wraps it";
  py::register_exception<autorec::UnknownId>(module, "UnknownId", PyExc_IndexError);
  py::register_exception<autorec::RatingFileError>(module, "RatingFileError", PyExc_ValueError);
  module.def("load_ratings", &load_ratings, py::arg("path"), py::arg("format"), py::arg("keep_last_duplicate"),
             py::arg("require_ratings"));
  module.def("held_out", &held_out, py::arg("n"), py::arg("fraction"), py::arg("seed"));
  module.def("fingerprint", &fingerprint_of);
  module.def("thread_count", &autorec::thread_count);
  module.def("set_thread_count", &autorec::set_thread_count);
  py::class_<Model>(module, "Model")
      .def_property_readonly("variant", [](const Model& m) { return autorec::to_string(m.scorer().variant()); })
      .def_property_readonly("predicts_ratings", [](const Model& m) { return m.scorer().predicts_ratings(); })
      .def_property_readonly("description", [](const Model& m) { return m.scorer().describe(); })
      .def_property_readonly("networks", [](const Model& m) { return m.scorer().network_count(); })
      .def_property_readonly("user_ids", [](const Model& m) { return bytes_of(m.scorer().user_ids()); })
      .def_property_readonly("item_ids", [](const Model& m) { return bytes_of(m.scorer().item_ids()); })
      .def_property_readonly("rating_range", [](const Model& m) {
        return py::make_tuple(m.scorer().rules().min_rating, m.scorer().rules().max_rating);
      })
      .def_readwrite("fit_report", &Model::fit_report)
      .def("rated_items", &rated_items)
      .def("save", &save)
      .def("predict", &predict)
      .def("recommend", &recommend)
      .def("recommend_new", &recommend_new)
      .def("scores", &scores)
      .def("scores_new", &scores_new)
      .def("evaluate", &evaluate);
  module.def("fit_autorec", &fit_autorec);
  module.def("fit_ease", &fit_ease);
  module.def("fit_mult", &fit_mult);
  module.def("load", &load_model, py::arg("path"));
}
