#pragma once
// The explicit-rating protocol of autorec-train and of the Python package, from the training
// part of a rating set (a list of ratings, in a given order) to trained networks:
//
//   validation  split_ratings(training, validation_fraction, seed + 1) -> fit, validation
//   rules       fitted_rules(training): range, scale and the bias model for unseen pairs
//               (or a constant default rating)
//   inputs      fit_input   = input_matrix(fit)       d x n, what the trials train on
//               train_input = input_matrix(training)  d x n, what refits train on and what
//                                                      predictions read
//   networks    autorec::fit (train/fit.hpp): lambda given, or chosen on validation from
//               lambda_grid(|fit|); then `members` networks refit on train_input for the
//               chosen epoch count (no refit without validation ratings)
//
// d is the user count for I-AutoRec and the item count for U-AutoRec. The same training part
// in the same order, settings and seed give the same networks, bit for bit, for any caller.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/ratings.hpp"
#include "autorec/data/split.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/model/network.hpp"
#include "autorec/train/fit.hpp"
#include "autorec/train/lambda_search.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec {

template <typename Scalar>
struct RatingFitSettings {
  Variant variant = Variant::item;
  /// The networks' shape and initialisation; the protocol sets inputs, lambda and seed.
  typename Network<Scalar>::Options network;
  TrainOptions<Scalar> training = paper_train_options<Scalar>(Variant::item);
  std::optional<double> lambda;  ///< none: chosen on the validation ratings from lambda_grid
  bool refit = true;             ///< refit on the whole training part (needs validation ratings)
  int members = 1;               ///< networks averaged (an ensemble)
  std::uint64_t seed = 1;        ///< the validation split (seed + 1), the networks' (seed + member)
  double validation_fraction = 0.1;
  /// A constant prediction for pairs the network cannot reconstruct, instead of the bias model.
  std::optional<float> default_rating;
};

template <typename Scalar>
class RatingFit {
 public:
  /// The validation ratings are a random slice of `training` (validation_fraction, seed + 1).
  RatingFit(std::vector<Rating> training, Index users, Index items, RatingFitSettings<Scalar> settings)
      : settings_(std::move(settings)), training_(std::move(training)), users_(users), items_(items) {
    if (training_.empty()) throw std::invalid_argument("fit: no training ratings");
    split_ = split_ratings(training_, settings_.validation_fraction, settings_.seed + 1);
    prepare();
  }

  /// The validation ratings are given: the trials train on `fit` alone, refits on `fit`
  /// followed by `validation` (validation_fraction is not used).
  RatingFit(std::vector<Rating> fit, std::vector<Rating> validation, Index users, Index items,
            RatingFitSettings<Scalar> settings)
      : settings_(std::move(settings)), users_(users), items_(items) {
    if (fit.empty()) throw std::invalid_argument("fit: no training ratings");
    training_ = fit;
    training_.insert(training_.end(), validation.begin(), validation.end());
    split_.train = std::move(fit);
    split_.test = std::move(validation);
    prepare();
  }

  const RatingFitSettings<Scalar>& settings() const { return settings_; }
  const std::vector<Rating>& training() const { return training_; }  ///< the whole training part
  const std::vector<Rating>& fit_ratings() const { return split_.train; }  ///< less validation
  const std::vector<Rating>& validation() const { return split_.test; }
  const PredictionRules& rules() const { return rules_; }
  const SparseColumns<Scalar>& fit_input() const { return fit_input_; }
  const SparseColumns<Scalar>& train_input() const { return train_input_; }
  /// The protocol's lambdas (one, or the grid), refit, members and seed.
  const FitSettings& protocol() const { return protocol_; }
  Index users() const { return users_; }
  Index items() const { return items_; }

  /// The options of a network with `lambda` and `seed` over this data's inputs.
  typename Network<Scalar>::Options network_options(double lambda, std::uint64_t seed) const {
    typename Network<Scalar>::Options options = settings_.network;
    options.inputs = fit_input_.rows();
    options.lambda = Scalar(lambda);
    options.seed = seed;
    return options;
  }
  Architecture architecture() const { return Network<Scalar>::architecture_of(network_options(1, settings_.seed)); }

  /// Runs the protocol with `train` as the trainer (the CPU's, the GPU's or a host's).
  Fitted<Scalar> run(TrainNetwork<Scalar> train, const FitEvents<Scalar>& events = {}) const {
    const FitData<Scalar> data{fit_input_, split_.test, train_input_};
    return fit<Scalar>(
        protocol_, data, settings_.training,
        [this](double lambda, std::uint64_t seed) { return Network<Scalar>(network_options(lambda, seed)); },
        std::move(train), events);
  }

  /// Runs it with the CPU trainer, `callbacks` seeing every network's epochs.
  Fitted<Scalar> run(const FitEvents<Scalar>& events = {}, const TrainCallbacks& callbacks = {}) const {
    return run(
        [this, &callbacks](Network<Scalar>& network, const SparseColumns<Scalar>& input,
                           const std::vector<Rating>& validation, const TrainOptions<Scalar>& options) {
          return autorec::train(network, input, validation, settings_.variant, rules_, options, callbacks);
        },
        events);
  }

 private:
  RatingFitSettings<Scalar> settings_;
  std::vector<Rating> training_;
  Index users_, items_;
  RatingSplit split_;
  PredictionRules rules_;
  SparseColumns<Scalar> fit_input_, train_input_;
  FitSettings protocol_;

  void prepare() {
    if (!settings_.lambda && split_.test.empty())
      throw std::invalid_argument("choosing lambda needs validation ratings, and there are none (validation fraction " +
                                  std::to_string(settings_.validation_fraction) + " of " +
                                  std::to_string(training_.size()) + " ratings): raise it, or give lambda");
    if (settings_.lambda && !(*settings_.lambda >= 0))
      throw std::invalid_argument("lambda must be >= 0, got " + std::to_string(*settings_.lambda));
    rules_ = fitted_rules(training_, users_, items_);
    if (settings_.default_rating) {
      rules_.default_rating = *settings_.default_rating;
      rules_.user_bias.clear();
      rules_.item_bias.clear();
    }
    fit_input_ = input_matrix<Scalar>(split_.train, users_, items_, settings_.variant, rules_);
    train_input_ = input_matrix<Scalar>(training_, users_, items_, settings_.variant, rules_);
    protocol_.lambdas = settings_.lambda ? std::vector<double>{*settings_.lambda} : lambda_grid(split_.train.size());
    protocol_.refit = settings_.refit && !split_.test.empty();
    protocol_.members = settings_.members;
    protocol_.seed = settings_.seed;
    check_learnable();
  }

  // Refuses data the protocol cannot learn from or choose on: one rating value throughout, or
  // validation ratings that all fall back to the rules (their user or item has no other
  // training rating), whose RMSE then never moves.
  void check_learnable() const {
    if (rules_.min_rating == rules_.max_rating)
      throw std::invalid_argument("every training rating is " + std::to_string(rules_.min_rating) +
                                  ": a rating model has nothing to learn (for events or clicks, train a model of "
                                  "implicit feedback: EASE, Mult-DAE or Mult-VAE)");
    if (split_.test.empty() || !(protocol_.refit || protocol_.lambdas.size() > 1)) return;
    const Coverage coverage(fit_input_);
    for (const Rating& r : split_.test)
      if (coverage.covers(entry_of(r, settings_.variant))) return;
    throw std::invalid_argument("none of the " + std::to_string(split_.test.size()) +
                                " validation ratings is of a user and an item with other training ratings: the "
                                "networks never reach them, so they cannot choose lambda or the epoch count (give "
                                "lambda and no refit, or more ratings)");
  }
};

}  // namespace autorec
