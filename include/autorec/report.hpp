#pragma once
// What a training run reports, epoch by epoch: a leaf header beside types.hpp, so that file
// formats (io/checkpoint.hpp, io/learning_curve.hpp) depend on it and not on train/.

#include <limits>
#include <vector>

namespace autorec {

struct EpochReport {
  int epoch = 0;               ///< from 1
  double train_rmse = 0;       ///< over the epoch's minibatches, as the parameters moved
  double validation_rmse = std::numeric_limits<double>::quiet_NaN();  ///< NaN without validation
  double seconds = 0;          ///< wall time of the epoch, validation included
  bool best = false;           ///< the best validation RMSE so far
};

struct TrainReport {
  std::vector<EpochReport> history;
  int best_epoch = 0;  ///< the epoch whose parameters the model holds on return
  double best_validation_rmse = std::numeric_limits<double>::quiet_NaN();
  bool stopped_early = false;  ///< by patience
  bool stopped_by_callback = false;  ///< by TrainCallbacks::should_stop
};

}  // namespace autorec
