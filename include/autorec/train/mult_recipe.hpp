#pragma once
// The Mult-DAE and Mult-VAE recipe (Liang et al., "Variational Autoencoders for Collaborative
// Filtering", WWW 2018, as the authors' code sets it up), for autorec-train --feedback
// implicit and the Python package alike:
//
//   network   inputs = outputs = the catalogue's items; the input L2-normalised; the
//             multinomial log-likelihood over a softmax of all items (loss "multinomial")
//             Mult-DAE  items -> hidden (200) -> items, tanh, input dropout 0.5
//             Mult-VAE  items -> hidden (600) -> Gaussian code (latent 200) -> hidden -> items
//   init      the ends' weights at Glorot's scale sqrt(2 / (items + first hidden width))
//   lambda    the authors' lam weighs |W|^2 against a batch's mean log-likelihood, ours
//             (lambda / 2) |W|^2 against the sum over an epoch's N users: lambda = 2 lam N,
//             with their lam = 0.01 / 500 (the batch size) for Mult-DAE, 0 for Mult-VAE
//   training  Adam, batches of 500 users, 200 epochs, patience 50 (train/implicit_trainer.hpp)
//
// Every setting left unset takes the recipe's value; the others stay as given.

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "autorec/model/architecture.hpp"
#include "autorec/model/network.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec {

struct MultRecipe {
  bool variational = false;                  ///< Mult-VAE (a Gaussian code) or Mult-DAE
  Index latent = 200;                        ///< Mult-VAE's code size
  std::optional<std::vector<Index>> hidden;  ///< 600 (VAE) or 200 (DAE)
  std::optional<std::string> activation;     ///< tanh
  std::optional<double> input_dropout;       ///< 0.5
  std::optional<double> lambda;              ///< 2 (0.01 / 500) N (DAE), 0 (VAE)
  std::optional<float> weight_scale;         ///< Glorot's scale

  /// `options` (its other fields as given) with the recipe's network settings, for `items`
  /// items and `users` training users.
  Network<float>::Options network_options(Network<float>::Options options, Index items, Index users) const {
    options.inputs = items;
    options.hidden = hidden.value_or(std::vector<Index>{variational ? Index(600) : Index(200)});
    options.activation = activation.value_or("tanh");
    options.input_dropout = input_dropout.value_or(0.5);
    options.lambda = float(lambda.value_or(variational ? 0.0 : 2 * (0.01 / 500) * double(users)));
    options.weight_scale = weight_scale.value_or(float(std::sqrt(2.0 / double(items + options.hidden.front()))));
    options.loss = "multinomial";
    options.normalize_input = true;
    return options;
  }

  /// The network itself.
  Network<float> network(const Network<float>::Options& options, Index items, Index users) const {
    const Network<float>::Options full = network_options(options, items, users);
    if (!variational) return Network<float>(full);
    return Network<float>(Architecture::variational(items, full.hidden, latent, full.activation, full.input_dropout),
                          full);
  }
};

/// The recipe's training settings where `given` leaves them unset (a program's flags not
/// given): Adam, batches of 500, 200 epochs, patience 50.
struct MultTraining {
  std::optional<std::string> optimizer;
  std::optional<Index> batch;
  std::optional<int> epochs;
  std::optional<int> patience;

  TrainOptions<float> options(TrainOptions<float> base) const {
    base.optimizer = optimizer.value_or("adam");
    base.batch_size = batch.value_or(500);
    base.epochs = epochs.value_or(200);
    base.patience = patience.value_or(50);
    return base;
  }
};

}  // namespace autorec
