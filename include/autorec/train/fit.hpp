#pragma once
// The training protocol (the paper's, and every program's): lambda and the number of epochs
// are chosen on a validation slice of the training part, then every network, ensemble
// members alike, is refit on the whole training part for that many epochs.
//
//   trials   one network per lambda (FitSettings::lambdas; a grid of several grows past an
//            end while the best lies there, train/lambda_search.hpp), trained on `fit_input`
//            with early stopping on `validation`, from the seed FitSettings::seed. With one
//            lambda and a refit, its one trial chooses the epoch count.
//   members  member m's network (seed + m * member_seed_step) trains on `train_input` for the
//            chosen trial's best epoch count without validation (refit); without a refit, the
//            chosen trial's network is member 0 and the others train as the trials did.
//
// Any trainer fits: `train(network, input, validation, options) -> TrainReport` (the CPU's
// autorec::train, gpu::train, or a host's), and `make(lambda, seed)` builds the networks.
// A model that is not one Network (a sharded one, spread over ranks) runs the same protocol
// through fit_one(), which calls back for each trial and for the final model.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/model/ensemble.hpp"
#include "autorec/train/lambda_search.hpp"
#include "autorec/report.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec {

struct FitSettings {
  /// One lambda, or an ascending grid (each the previous times a constant ratio) to choose from.
  std::vector<double> lambdas = {1};
  /// How many times a grid may grow past an end where the best lies (0: never).
  int grid_extensions = 3;
  /// Refit every network on the whole training part for the chosen epoch count; without it,
  /// the networks are those trained with early stopping on the validation slice.
  bool refit = true;
  int members = 1;  ///< networks averaged (an ensemble)
  std::uint64_t seed = 1;
  std::uint64_t member_seed_step = 1;  ///< member m's network and minibatch seed: seed + m * step
};

/// The protocol's data, in the networks' layout: the training part less the validation slice,
/// the validation ratings, and the whole training part (what refits train on and what
/// predictions read).
template <typename Scalar>
struct FitData {
  const SparseColumns<Scalar>& fit_input;
  const std::vector<Rating>& validation;
  const SparseColumns<Scalar>& train_input;
};

/// What a program shows while the protocol runs; every one is optional.
template <typename Scalar>
struct FitEvents {
  std::function<void(double lambda)> on_trial_start;
  std::function<void(const LambdaTrial&)> on_trial;
  std::function<void(const LambdaChoice&)> on_choice;  ///< after the trials, before the members
  std::function<void(int member, std::uint64_t seed)> on_member_start;
  std::function<void(int member, const Network<Scalar>&, const TrainReport&)> on_member;
};

template <typename Scalar>
struct Fitted {
  Ensemble<Scalar> ensemble;
  double lambda = 0;
  int epochs = 0;          ///< the refit's epoch count (0 without a refit)
  LambdaChoice choice;     ///< the trials (none with one lambda and no refit)
  TrainReport report;      ///< the chosen trial's, or without trials member 0's
  double seconds = 0;      ///< in the trainer, trials and members together
};

template <typename Scalar>
using MakeNetwork = std::function<Network<Scalar>(double lambda, std::uint64_t seed)>;
template <typename Scalar>
using TrainNetwork = std::function<TrainReport(Network<Scalar>&, const SparseColumns<Scalar>& input,
                                               const std::vector<Rating>& validation, const TrainOptions<Scalar>&)>;

/// The protocol's choice on validation: one trial per lambda, `trial(lambda) -> TrainReport`
/// (a model trained on the training part less validation, stopped early on validation). With
/// one lambda its one trial chooses the epoch count; with a grid, choose_lambda chooses.
template <typename Trial>
LambdaChoice choose_on_validation(const FitSettings& settings, Trial&& trial) {
  if (settings.lambdas.size() > 1) return choose_lambda(settings.lambdas, trial, settings.grid_extensions);
  LambdaChoice choice;
  choice.lambda = settings.lambdas.at(0);
  choice.trials.push_back({choice.lambda, trial(choice.lambda)});
  choice.epochs = choice.trials.back().report.best_epoch;
  choice.validation_rmse = choice.trials.back().report.best_validation_rmse;
  return choice;
}

/// What fit_one() chose and trained.
struct OneFit {
  double lambda = 0;
  int epochs = 0;       ///< the refit's epoch count (0 without a refit)
  LambdaChoice choice;  ///< the trials (none with one lambda and no refit)
  TrainReport report;   ///< the chosen trial's, or without trials the final model's
};

/// The protocol for one model of any kind, through two callbacks:
///   trial(lambda) -> TrainReport          a model on the training part less validation,
///                                         stopped early on validation (choose_on_validation)
///   final(lambda, epochs) -> TrainReport  the model kept: with epochs (a refit) trained on
///                                         the whole training part for that many epochs;
///                                         without (no refit) trained as a trial is, which
///                                         for a grid trains the chosen lambda's trial again
/// settings.members must be 1 (an ensemble of such models is the caller's loop).
template <typename Trial, typename Final>
OneFit fit_one(const FitSettings& settings, Trial&& trial, Final&& final_model) {
  if (settings.members != 1)
    throw std::invalid_argument("fit_one: one model, not " + std::to_string(settings.members));
  if (settings.lambdas.empty()) throw std::invalid_argument("fit: no lambda to train with");
  OneFit fitted;
  if (!settings.refit && settings.lambdas.size() == 1) {
    fitted.lambda = settings.lambdas.front();
    fitted.report = final_model(fitted.lambda, std::optional<int>());
    return fitted;
  }
  fitted.choice = choose_on_validation(settings, trial);
  fitted.lambda = fitted.choice.lambda;
  fitted.report = fitted.choice.chosen_report();
  if (settings.refit) fitted.epochs = fitted.choice.epochs;
  final_model(fitted.lambda, settings.refit ? std::optional<int>(fitted.epochs) : std::nullopt);
  return fitted;
}

namespace detail {
template <typename Scalar>
class Protocol {
 public:
  Protocol(const FitSettings& settings, const FitData<Scalar>& data, const TrainOptions<Scalar>& options,
           MakeNetwork<Scalar> make, TrainNetwork<Scalar> train, const FitEvents<Scalar>& events)
      : settings_(settings), data_(data), options_(options), make_(std::move(make)), train_(std::move(train)),
        events_(events) {
    if (settings.lambdas.empty()) throw std::invalid_argument("fit: no lambda to train with");
    if (settings.members < 1) throw std::invalid_argument("fit: at least one network, got " + std::to_string(settings.members));
    check_optimizer_options<Scalar>(options);
    if ((settings.refit || settings.lambdas.size() > 1) && data.validation.empty())
      throw std::invalid_argument("fit: choosing lambda or the refit's epoch count needs validation ratings, and there "
                                  "are none");
  }

  Fitted<Scalar> run() {
    const bool trials = settings_.refit || settings_.lambdas.size() > 1;
    if (trials) {
      choose();
      if (events_.on_choice) events_.on_choice(fitted_.choice);
    }
    fitted_.lambda = trials ? fitted_.choice.lambda : settings_.lambdas.front();
    if (settings_.refit) fitted_.epochs = fitted_.choice.epochs;
    for (int member = 0; member < settings_.members; ++member) add_member(member);
    return std::move(fitted_);
  }

 private:
  std::uint64_t member_seed(int member) const {
    return settings_.seed + std::uint64_t(member) * settings_.member_seed_step;
  }

  TrainReport timed_train(Network<Scalar>& network, const SparseColumns<Scalar>& input,
                          const std::vector<Rating>& validation, const TrainOptions<Scalar>& options) {
    const auto start = std::chrono::steady_clock::now();
    TrainReport report = train_(network, input, validation, options);
    fitted_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  }

  // One network per lambda on the validation slice; keeps the chosen one for member 0.
  void choose() {
    std::vector<std::pair<double, Network<Scalar>>> networks;
    auto train_with = [&](double lambda) {
      if (events_.on_trial_start) events_.on_trial_start(lambda);
      Network<Scalar> network = make_(lambda, settings_.seed);
      TrainOptions<Scalar> options = options_;
      options.seed = settings_.seed;
      TrainReport report = timed_train(network, data_.fit_input, data_.validation, options);
      if (events_.on_trial) events_.on_trial(LambdaTrial{lambda, report});
      if (!settings_.refit) networks.emplace_back(lambda, network.prediction_copy());
      return report;
    };
    fitted_.choice = choose_on_validation(settings_, train_with);
    fitted_.report = fitted_.choice.chosen_report();
    for (auto& [lambda, network] : networks)
      if (lambda == fitted_.choice.lambda) chosen_.emplace(std::move(network));
  }

  void add_member(int member) {
    const std::uint64_t seed = member_seed(member);
    if (events_.on_member_start) events_.on_member_start(member, seed);
    if (member == 0 && chosen_) {  // without a refit the chosen trial is member 0
      if (events_.on_member) events_.on_member(member, *chosen_, fitted_.report);
      fitted_.ensemble.add(*chosen_);
      return;
    }
    Network<Scalar> network = make_(fitted_.lambda, seed);
    TrainOptions<Scalar> options = options_;
    options.seed = seed;
    TrainReport report;
    if (settings_.refit) {
      options.epochs = fitted_.epochs;
      options.patience = 0;
      report = timed_train(network, data_.train_input, {}, options);
    } else {
      report = timed_train(network, data_.fit_input, data_.validation, options);
      if (member == 0) fitted_.report = report;
    }
    if (events_.on_member) events_.on_member(member, network, report);
    fitted_.ensemble.add(network);
  }

  const FitSettings& settings_;
  const FitData<Scalar>& data_;
  const TrainOptions<Scalar>& options_;
  MakeNetwork<Scalar> make_;
  TrainNetwork<Scalar> train_;
  const FitEvents<Scalar>& events_;
  Fitted<Scalar> fitted_;
  std::optional<Network<Scalar>> chosen_;
};
}  // namespace detail

/// Runs the protocol above: the networks `make` builds, trained by `train`.
template <typename Scalar>
Fitted<Scalar> fit(const FitSettings& settings, const FitData<Scalar>& data, const TrainOptions<Scalar>& options,
                   MakeNetwork<Scalar> make, TrainNetwork<Scalar> train, const FitEvents<Scalar>& events = {}) {
  return detail::Protocol<Scalar>(settings, data, options, std::move(make), std::move(train), events).run();
}

/// The same with the CPU trainer (autorec::train) for `variant` and `rules`.
template <typename Scalar>
Fitted<Scalar> fit(const FitSettings& settings, const FitData<Scalar>& data, const TrainOptions<Scalar>& options,
                   Variant variant, const PredictionRules& rules, MakeNetwork<Scalar> make,
                   const FitEvents<Scalar>& events = {}, const TrainCallbacks& callbacks = {}) {
  return fit<Scalar>(
      settings, data, options, std::move(make),
      [&](Network<Scalar>& network, const SparseColumns<Scalar>& input, const std::vector<Rating>& validation,
          const TrainOptions<Scalar>& o) { return train(network, input, validation, variant, rules, o, callbacks); },
      events);
}

}  // namespace autorec
