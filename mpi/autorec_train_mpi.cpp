// autorec-train-mpi: autorec-train under mpirun, the network's inputs (users for I-AutoRec,
// items for U-AutoRec) split into --shards shards over the ranks (sharding/sharded_network.hpp).
// Each rank keeps and trains only its shards' ratings and parameters; rank 0 prints, and
// gathers the model into one ordinary model file. The same seed gives the same model on any
// number of ranks from 1 to --shards. With --checkpoint DIR a run killed at any point resumes
// where DIR's last checkpoint left it.

#include <mpi.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <sched.h>
#include <unistd.h>

#include "autorec/autorec.hpp"
#include "autorec/data/fingerprint.hpp"
#include "autorec/data/split.hpp"
#include "autorec/kernels/noise.hpp"
#include "autorec/sharding/sharded_rules.hpp"
#include "autorec/sharding/sharded_trainer.hpp"
#include "autorec/io/checkpoint.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/io/peak_memory.hpp"
#include "autorec/train/fit.hpp"
#include "autorec/train/lambda_search.hpp"
#include "mpi_reducer.hpp"
#include "network_flags.hpp"
#include "program_support.hpp"
#include "run_flags.hpp"
#include "training_flags.hpp"

namespace {

using namespace autorec;

struct Settings : autorec_programs::RunFlags {
  autorec_programs::NetworkFlags network;
  autorec_programs::TrainingFlags training;
  int threads = 0;
  std::string checkpoint;
  int top_k = 0;
  std::string device = "cpu";
  int checkpoint_every = 1;
  int shards = 4;
  std::string reduction = "fixed";
};

// Discards what ranks other than 0 would print.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

// The split every rank makes alike from each pair alone, whoever holds it: (user, item) is
// held out with probability `fraction`, drawn from (seed, user, item). (autorec-train draws
// a set number of ratings from all of them, which only a process holding all can.)
RatingSplit split_by_pair(std::vector<Rating> ratings, double fraction, std::uint64_t seed) {
  RatingSplit split;
  for (const Rating& r : ratings) {
    const std::uint64_t pair = (std::uint64_t(std::uint32_t(r.user)) << 32) | std::uint32_t(r.item);
    (keeps(mix64(seed), pair, fraction) ? split.train : split.test).push_back(r);
  }
  return split;
}

// `ratings` (of this rank's rows) by owned shard.
std::vector<std::vector<Rating>> by_shard(const std::vector<Rating>& ratings, Variant variant, const ShardLayout& layout,
                                          ShardLayout::Range owned) {
  std::vector<std::vector<Rating>> parts(static_cast<std::size_t>(owned.count()));
  for (const Rating& r : ratings) parts[std::size_t(layout.shard_of(entry_of(r, variant).row) - owned.first)].push_back(r);
  return parts;
}

// This rank's shards' inputs from a training part, and the held-out ratings scored against
// them. Held-out pairs the network cannot reconstruct (a row without training ratings, or a
// column without any on any rank) get the rules' fallback here, once.
ShardedData<float> shard_data(const std::vector<Rating>& train, const std::vector<Rating>& held_out, Index users,
                              Index items, Variant variant, const PredictionRules& rules, const ShardLayout& layout,
                              ShardLayout::Range owned, ShardReducer<float>& reducer) {
  const auto train_parts = by_shard(train, variant, layout, owned), held_parts = by_shard(held_out, variant, layout, owned);
  const Matrix<float> column_ratings = sums_over_shards(
      train_parts, input_shape(users, items, variant).cols, [&](const Rating& r) { return entry_of(r, variant).col; },
      [](const Rating&) { return 1.0; }, reducer);
  ShardedData<float> data;
  std::vector<double> counts, held_counts, cold_squared, cold_absolute;
  for (int i = 0; i < owned.count(); ++i) {
    const Index begin = layout.begin(owned.first + i), size = layout.size(owned.first + i);
    // The shard's rows, numbered from 0.
    auto local = [&](Rating r) {
      (variant == Variant::item ? r.user : r.item) -= int(begin);
      return r;
    };
    const Index local_users = variant == Variant::item ? size : users, local_items = variant == Variant::item ? items : size;
    std::vector<Rating> shard_train;
    std::vector<char> row_rated(static_cast<std::size_t>(size), 0);
    for (const Rating& r : train_parts[std::size_t(i)]) {
      shard_train.push_back(local(r));
      row_rated[std::size_t(entry_of(shard_train.back(), variant).row)] = 1;
    }
    data.inputs.push_back(input_matrix<float>(shard_train, local_users, local_items, variant, rules));
    std::vector<Rating> warm;
    double squared = 0, absolute = 0;
    for (const Rating& r : held_parts[std::size_t(i)]) {
      const Entry e = entry_of(local(r), variant);
      if (row_rated[std::size_t(e.row)] && column_ratings(1, e.col) > 0) {
        warm.push_back(local(r));
        continue;
      }
      const double error = double(rules.fallback(r.user, r.item)) - double(r.value);
      squared += error * error;
      absolute += std::abs(error);
    }
    data.validation.push_back(rating_matrix<float>(warm, local_users, local_items, variant));
    counts.push_back(double(shard_train.size()));
    held_counts.push_back(double(held_parts[std::size_t(i)].size()));
    cold_squared.push_back(squared);
    cold_absolute.push_back(absolute);
  }
  data.ratings = reducer.sum(counts);
  data.validation_ratings = reducer.sum(held_counts);
  data.validation_cold_error = reducer.sum(cold_squared);
  data.validation_cold_absolute = reducer.sum(cold_absolute);
  return data;
}

// Rank 0 gets every rank's ratings, in rank order; the others get none.
std::vector<Rating> gather_ratings(const std::vector<Rating>& own, int rank, int ranks) {
  const int bytes = mpi::to_count(Index(own.size() * sizeof(Rating)), "a rank's ratings");
  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(static_cast<std::size_t>(ranks));
  mpi::check(MPI_Gather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  Index total = 0;
  for (int r = 0; r < ranks; ++r) {
    offsets[std::size_t(r)] = mpi::to_count(total, "the gathered ratings");
    total += counts[std::size_t(r)];
  }
  std::vector<Rating> all(rank == 0 ? std::size_t(total) / sizeof(Rating) : 0);
  mpi::check(MPI_Gatherv(own.data(), bytes, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, 0,
                         MPI_COMM_WORLD),
             "MPI_Gatherv");
  return all;
}

// Threads per rank: --threads, or the cores shared among this machine's ranks, but never
// more than the cores the rank may run on: mpirun binds each rank to one core unless told
// --bind-to none, and threads beyond that core would only take turns on it.
int threads_per_rank(int requested, std::ostream& out) {
  cpu_set_t allowed;
  const int usable = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed)
                                                                         : int(std::thread::hardware_concurrency());
  if (requested > usable)
    out << "note: --threads " << requested << " on " << usable << " core(s) this rank is bound to; "
        << "run mpirun --bind-to none (or --map-by ...:PE=" << requested << ") to give it more\n";
  if (requested > 0) return requested;
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks_here = local ? std::max(1, std::atoi(local)) : 1;
  return std::max(1, std::min(usable, int(std::thread::hardware_concurrency()) / ranks_here));
}

// Refuses what a sharded run cannot do, before any file is read.
void check_settings(const Settings& settings, int ranks) {
  if (settings.network.ensemble > 1) throw std::runtime_error("--ensemble: autorec-train-mpi trains one network");
  if (ranks > settings.shards)
    throw std::runtime_error(std::to_string(ranks) + " ranks for " + std::to_string(settings.shards) +
                             " shards: each rank needs a shard (raise --shards, or run on fewer ranks)");
  if (settings.top_k > 0)
    throw std::runtime_error("--top-k: ranking metrics need the whole model in one process; give --save and rank "
                             "with autorec-recommend, or train with autorec-train");
  if (settings.device != "cpu") throw std::runtime_error("--device " + settings.device + ": ranks train on the CPU");
}

// What one rank reads of the rating file(s): every id, and the ratings of its own rows.
struct RankRatings {
  RatingData ids;   ///< every user and item id, no ratings
  RatingData data;  ///< the ids as read with this rank's rows (the model file's)
  ShardLayout layout;
  ShardLayout::Range owned;
  std::vector<Rating> train_part, test;  ///< this rank's rows of each
  std::uint64_t source_fingerprint = 0;  ///< of all ranks' ratings together
};

// Two reads of the file(s), a block at a time: the first learns every id (so the number of
// inputs, and with it the shards), the second keeps only this rank's rows. No rank holds the
// other ranks' ratings, until rank 0 gathers the training part into the model file.
RankRatings read_rank_ratings(const Settings& settings, const std::vector<std::string>& files, Variant variant,
                              int rank, int ranks, std::ostream& out) {
  const LoadOptions load_options = settings.load_options();
  RatingData ids;
  for (const std::string& file : files)
    autorec_programs::print_summary(out, load_ratings_where(file, ids, load_options, [](int, int) { return false; }));
  const ShardLayout layout(input_shape(ids.users.size(), ids.items.size(), variant).rows, settings.shards);
  const ShardLayout::Range owned = layout.owned(rank, ranks);
  const Index first_row = layout.begin(owned.first), end_row = layout.begin(owned.last);
  const auto mine = [&](int user, int item) {
    const Index row = variant == Variant::item ? user : item;
    return row >= first_row && row < end_row;
  };
  RatingData data;
  std::vector<Rating> train_part, test;
  load_ratings_where(files[0], data, load_options, mine);
  if (files.size() == 2) {
    train_part = std::move(data.ratings);
    data.ratings.clear();
    load_ratings_where(files[1], data, load_options, mine);
    test = std::move(data.ratings);
  } else {
    RatingSplit split = split_by_pair(std::move(data.ratings), settings.test_fraction, settings.seed);
    train_part = std::move(split.train);
    test = std::move(split.test);
  }
  data.ratings = {};
  // Of the file the model is trained from: its ratings' hashes add up over the ranks.
  std::uint64_t sums[2] = {0, 0}, mine_sums[2] = {fingerprint_sum(train_part, data.users, data.items), train_part.size()};
  if (files.size() == 1) mine_sums[0] += fingerprint_sum(test, data.users, data.items), mine_sums[1] += test.size();
  mpi::check(MPI_Allreduce(mine_sums, sums, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  return {std::move(ids),        std::move(data), layout, owned, std::move(train_part), std::move(test),
          fingerprint_of(sums[0], sums[1])};
}

// The training of one rank: its ratings, shards and prediction rules, and what it prints.
struct ShardedJob {
  const Settings& settings;
  Variant variant;
  const RankRatings& ratings;
  Index inputs;
  mpi::Reducer& reducer;
  const PredictionRules& rules;
  const ShardedData<float>& fit_data;   ///< the training part less validation, and validation
  const ShardedData<float>& test_data;  ///< the whole training part, and the test ratings
  int rank, ranks;
  std::ostream& out;
  bool interactive;
};

// One training run of this rank's shards; `checkpoint` saves (and first resumes) it.
TrainReport train_shards(const ShardedJob& job, ShardedNetwork<float>& model, const ShardedData<float>& on,
                         const TrainOptions<float>& options, TrainCallbacks with,
                         const std::optional<CheckpointDirectory>& checkpoint) {
  ShardedTrainer<float> trainer(model, on, job.rules, options, job.reducer);
  const ShardLayout::Range owned = job.ratings.owned;
  if (checkpoint) {
    if (const std::optional<int> epoch = checkpoint->latest()) {
      std::vector<ShardedTrainer<float>::ShardState> states;
      for (int s = owned.first; s < owned.last; ++s) states.push_back(checkpoint->read_shard<float>(*epoch, s));
      trainer.restore(checkpoint->read_history(*epoch), std::move(states));
      job.out << "resumed from " << checkpoint->path() << " after epoch " << *epoch << "\n";
    }
    const auto on_epoch = with.on_epoch;
    with.on_epoch = [&, on_epoch](const EpochReport& e) {
      if (on_epoch) on_epoch(e);
      if (e.epoch % job.settings.checkpoint_every != 0) return;
      trainer.write_states([&](int i, const ShardedTrainer<float>::ShardState& state) {
        checkpoint->write_shard(e.epoch, owned.first + i, state);
      });
      job.reducer.barrier();  // every shard of this epoch is on disk
      if (job.rank == 0) checkpoint->commit(e.epoch, trainer.history());
      job.reducer.barrier();
    };
  }
  return trainer.run(with);
}

// Each training run (a trial, the network kept) checkpoints in its own folder of --checkpoint.
std::optional<CheckpointDirectory> checkpoint_of(const ShardedJob& job, const std::string& run, double lambda) {
  const Settings& settings = job.settings;
  if (settings.checkpoint.empty()) return std::nullopt;
  std::ostringstream key;
  key << settings.reduction << " sums, data " << std::hex << job.ratings.source_fingerprint << std::dec << ", "
      << to_string(job.variant) << ", " << settings.network.architecture(job.inputs).describe()
      << (settings.network.bf16_weights ? ", bf16" : "") << ", " << job.ratings.layout.shards << " shards, lambda "
      << lambda << ", " << settings.training.optimizer << ", seed " << settings.seed << ", test "
      << settings.test_fraction << ", validation " << settings.validation_fraction;
  return CheckpointDirectory(settings.checkpoint + "/" + run, key.str());
}

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// The library's protocol (train/fit.hpp, fit_one): lambda (given, or from the grid) and the
// epoch count chosen on the validation slice, then a refit on the whole training part. The
// network kept is left in `model`.
OneFit fit_sharded(const ShardedJob& job, std::optional<ShardedNetwork<float>>& model) {
  const Settings& settings = job.settings;
  std::ostream& out = job.out;
  const bool choose = settings.lambda == "auto";
  if (choose && job.fit_data.validation_ratings == 0)
    throw std::runtime_error("--lambda auto chooses lambda on validation ratings, and there are none: raise "
                             "--validation-fraction, or give --lambda");
  FitSettings protocol;
  protocol.lambdas =
      choose ? lambda_grid(std::size_t(job.fit_data.ratings)) : std::vector<double>{std::stod(settings.lambda)};
  protocol.refit = !settings.no_refit && job.fit_data.validation_ratings > 0;
  protocol.seed = settings.seed;
  if (choose) {
    out << "choosing lambda on the validation ratings, starting from the grid";
    for (double value : protocol.lambdas) out << " " << value;
    out << " (--lambda sets one)\n";
  }
  const Architecture architecture = settings.network.architecture(job.inputs);
  out << "network " << architecture.describe() << (settings.network.bf16_weights ? ", bf16 weights in the passes" : "")
      << "\n";
  const TrainOptions<float> train_options = settings.training.options(job.variant, settings.seed);
  TrainCallbacks callbacks;
  if (job.interactive)
    callbacks.on_progress = [](double done) { std::cerr << "\r  " << int(done * 100) << "% of epoch" << std::flush; };
  TrainCallbacks epoch_callbacks = callbacks;
  epoch_callbacks.on_epoch = [&](const EpochReport& e) {
    if (job.rank == 0) autorec_programs::print_epoch(out, e, job.interactive);
  };
  auto train_network = [&](double lambda, const ShardedData<float>& on, const TrainOptions<float>& options,
                           const TrainCallbacks& with, const std::string& run) {
    model.emplace(architecture, settings.network.options(job.inputs, float(lambda), settings.seed),
                  job.ratings.layout, job.ratings.owned);
    return train_shards(job, *model, on, options, with, checkpoint_of(job, run, lambda));
  };
  auto trial = [&](double lambda) {  // the validation slice held out, stopped early on it
    const TrainReport report = train_network(lambda, job.fit_data, train_options, choose ? callbacks : epoch_callbacks,
                                             "trial-" + number(lambda));
    if (job.interactive) std::cerr << "\r\033[K";
    autorec_programs::print_trial(out, LambdaTrial{lambda, report});
    return report;
  };
  auto kept = [&](double lambda, std::optional<int> epochs) {
    if (protocol.refit || choose) {
      out << (choose ? "chose lambda " : "lambda ") << lambda;
      if (epochs)
        out << "; refitting on all " << std::size_t(job.test_data.ratings) << " training ratings for " << *epochs
            << " epochs\n";
      else
        out << "; training on the training ratings less validation, stopped early as the trials were\n";
    }
    if (!epochs) {
      const TrainReport report = train_network(lambda, job.fit_data, train_options, epoch_callbacks, "model");
      out << "kept epoch " << report.best_epoch << " (validation RMSE " << std::fixed << std::setprecision(4)
          << report.best_validation_rmse << std::defaultfloat << ")" << (report.stopped_early ? ", stopped early" : "")
          << "\n";
      return report;
    }
    TrainOptions<float> refit_options = train_options;
    refit_options.epochs = *epochs;
    refit_options.patience = 0;
    ShardedData<float> all = job.test_data;  // the whole training part, no validation
    all.validation_ratings = 0;
    return train_network(lambda, all, refit_options, callbacks, "refit-" + std::to_string(*epochs));
  };
  return fit_one(protocol, trial, kept);
}

// One ordinary model file, gathered on rank 0.
void save_gathered(const ShardedJob& job, const ShardedNetwork<float>& model, double lambda) {
  const Settings& settings = job.settings;
  const ShardLayout::Range owned = job.ratings.owned;
  std::vector<Vector<float>> own;
  for (int i = 0; i < owned.count(); ++i) own.push_back(model.shard(i).parameters());
  std::vector<Vector<float>> all = job.reducer.gather_to_root(own);
  if (settings.save.empty()) return;
  const std::vector<Rating> all_training = gather_ratings(job.ratings.train_part, job.rank, job.ranks);
  if (job.rank != 0) return;
  const auto options = settings.network.options(job.inputs, float(lambda), settings.seed);
  SavedModel<float> saved =
      saved_model(ShardedNetwork<float>::gathered(settings.network.architecture(job.inputs), options,
                                                  job.ratings.layout, all),
                  job.variant, job.rules, job.ratings.data, all_training);
  saved.fingerprint = job.ratings.source_fingerprint;
  save_model(settings.save, saved);
  job.out << "model saved to " << settings.save << "\n";
}

int run(const Settings& settings, int rank, int ranks) {
  NullBuffer null_buffer;
  std::ostream silent(&null_buffer);
  std::ostream& out = rank == 0 ? std::cout : silent;
  check_settings(settings, ranks);
  const std::string data_file =
      settings.train_file.empty() && settings.data.empty() ? autorec_programs::default_data() : settings.data;
  const std::string stem = settings.curve.empty() ? "" : autorec_programs::strip_extension(settings.curve);
  std::vector<std::string> outputs;
  if (!stem.empty()) outputs = {stem + ".csv", stem + ".svg"};
  if (!settings.save.empty()) outputs.push_back(settings.save);
  if (rank == 0) autorec_programs::check_outputs(outputs, {data_file, settings.train_file, settings.test_file});
  set_thread_count(threads_per_rank(settings.threads, out));
  const Variant variant = parse_variant(settings.variant);

  const RankRatings ratings = read_rank_ratings(
      settings,
      settings.train_file.empty() ? std::vector<std::string>{data_file}
                                  : std::vector<std::string>{settings.train_file, settings.test_file},
      variant, rank, ranks, out);
  const Index users = ratings.ids.users.size(), items = ratings.ids.items.size();
  const Index inputs = ratings.layout.inputs;
  const ShardLayout& layout = ratings.layout;
  const ShardLayout::Range owned = ratings.owned;
  mpi::Reducer reducer(MPI_COMM_WORLD, layout,
                       settings.reduction == "fixed" ? mpi::Reduction::fixed : mpi::Reduction::allreduce);
  const RatingSplit fit = split_by_pair(ratings.train_part, settings.validation_fraction, settings.seed + 1);
  PredictionRules rules =
      fitted_rules_sharded(by_shard(ratings.train_part, variant, layout, owned), users, items, reducer);
  settings.apply_default_rating(rules);
  const ShardedData<float> fit_data =
      shard_data(fit.train, fit.test, users, items, variant, rules, layout, owned, reducer);
  const ShardedData<float> test_data =
      shard_data(ratings.train_part, ratings.test, users, items, variant, rules, layout, owned, reducer);
  if (test_data.validation_ratings == 0)
    throw std::runtime_error("no test ratings to score: raise --test-fraction or give a larger file");

  out << to_string(variant) << "-AutoRec: " << inputs << " inputs in " << layout.shards << " shards over " << ranks
      << " ranks, " << input_shape(users, items, variant).cols << " encoded vectors; " << fit_data.ratings
      << " training, " << fit_data.validation_ratings << " validation, " << test_data.validation_ratings
      << " test ratings; " << thread_count() << " threads per rank\n";
  out << "predictions clipped to [" << rules.min_rating << ", " << rules.max_rating << "], " << rules.default_rating
      << " for users and items without training ratings";
  if (rules.scale != 1) out << "; the network sees ratings / " << rules.scale;
  out << "\n";
  if (rank == 0)  // the model file's room, before training: it is written by rank 0 after it
    autorec_programs::check_model_space(
        settings.save, autorec_programs::model_file_bytes(
                           double(Network<float>::parameter_count(settings.network.architecture(inputs))),
                           test_data.ratings, double(input_shape(users, items, variant).cols),
                           ratings.ids.users.raw_ids(), ratings.ids.items.raw_ids()));

  const ShardedJob job{settings, variant, ratings, inputs, reducer, rules, fit_data, test_data,
                       rank,     ranks,   out,     rank == 0 && isatty(STDERR_FILENO)};
  std::optional<ShardedNetwork<float>> model;
  const OneFit fitted = fit_sharded(job, model);
  if (rank == 0 && !stem.empty())  // the chosen trial's learning curve, or the network's
    autorec_programs::write_learning_curve(out, stem, fitted.report.history, variant, settings.network.describe(),
                                           fitted.lambda, settings.training.optimizer);
  save_gathered(job, *model, fitted.lambda);
  const auto errors = model->errors_at(test_data.inputs, test_data.validation, rules, reducer);
  const double count = test_data.validation_ratings;
  const double rmse = std::sqrt((errors.squared + test_data.validation_cold_error) / count);
  const double mae = (errors.absolute + test_data.validation_cold_absolute) / count;
  out << "peak memory " << std::fixed << std::setprecision(1) << peak_resident_mib() << std::defaultfloat
      << " MiB (rank 0)\n";
  if (!std::isfinite(rmse)) throw std::runtime_error("the test RMSE is not a number");
  out << std::setprecision(6) << "test RMSE " << rmse << " MAE " << mae << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  Settings s;
  CLI::App app{"Train AutoRec over MPI ranks (run under mpirun), the inputs split into shards; report test RMSE "
               "and MAE as autorec-train does."};
  s.add_run_options(app);
  s.network.add_to(app);
  s.training.add_to(app);
  app.add_option("--threads", s.threads, "threads per rank (0: the cores shared among this machine's ranks)")
      ->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--top-k", s.top_k, "refused: ranking metrics need the whole model in one process")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", s.device, "cpu (the only choice under MPI)")->capture_default_str();
  app.add_option("--shards", s.shards, "split the inputs into this many shards; runs on 1 to this many ranks give "
                 "the same model")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--reduction", s.reduction, "fixed: sums over shards in shard order, the same model on any number "
                 "of ranks; allreduce: MPI_Allreduce, less traffic on many ranks, the same model to rounding")
      ->check(CLI::IsMember({"fixed", "allreduce"}))->capture_default_str();
  app.add_option("--checkpoint", s.checkpoint, "directory of checkpoints, a folder per training run (trial-LAMBDA, "
                 "refit-EPOCHS, model): each resumes from its latest and writes new ones");
  app.add_option("--checkpoint-every", s.checkpoint_every, "epochs between checkpoints")
      ->check(CLI::PositiveNumber)->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = rank == 0 ? app.exit(error) : (error.get_exit_code() ? 1 : 0);
    MPI_Finalize();
    return code;
  }
  int code = 1;
  try {
    code = run(s, rank, ranks);
  } catch (const std::exception& error) {
    // An error every rank meets (a bad file, say) is printed once: by rank 0, whose
    // MPI_Abort ends the others while they wait here.
    if (rank != 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::cerr << "autorec-train-mpi: " << (ranks > 1 ? "rank " + std::to_string(rank) + ": " : "") << error.what()
              << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return code;
}
