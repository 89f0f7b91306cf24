#pragma once
// An ensemble: networks trained from different seeds whose predictions are averaged. The
// errors of independently initialised autoencoders are partly independent, so the mean
// prediction is usually a few thousandths of RMSE better than any member (docs/results.md).
// It predicts through the same calls as one network, so prediction and scoring take either.

#include <stdexcept>
#include <utility>
#include <vector>

#include "autorec/model/network.hpp"

namespace autorec {

template <typename Scalar = float>
class Ensemble {
 public:
  Ensemble() = default;
  explicit Ensemble(const std::vector<Network<Scalar>>& members) {
    for (const auto& member : members) add(member);
  }

  /// Keeps the member's parameters, not the workspace its training left (activations and
  /// their gradients: four matrices of k x n floats for a one-layer network).
  void add(const Network<Scalar>& member) {
    check(member);
    members_.push_back(member.prediction_copy());
  }
  std::size_t size() const { return members_.size(); }
  const Network<Scalar>& member(std::size_t i) const { return members_.at(i); }
  Index inputs() const { return members_.empty() ? 0 : members_.front().inputs(); }

  /// The members' mean reconstruction at the stored entries of `pattern` (Network::predict_at).
  void predict_at(const SparseColumns<Scalar>& inputs, const SparseColumns<Scalar>& pattern,
                  Vector<Scalar>& values) const {
    if (members_.empty()) throw std::invalid_argument("Ensemble: no members to predict with");
    Vector<Scalar> member_values;
    values = Vector<Scalar>::Zero(pattern.nonZeros());
    for (const auto& member : members_) {
      member.predict_at(inputs, pattern, member_values);
      values += member_values;
    }
    values /= Scalar(members_.size());
  }

  /// The members' mean full reconstruction (Network::predict).
  void predict(const SparseColumns<Scalar>& inputs, Matrix<Scalar>& outputs) const {
    if (members_.empty()) throw std::invalid_argument("Ensemble: no members to predict with");
    Matrix<Scalar> member_outputs;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      members_[m].predict(inputs, m == 0 ? outputs : member_outputs);
      if (m > 0) outputs += member_outputs;
    }
    outputs /= Scalar(members_.size());
  }

 private:
  void check(const Network<Scalar>& member) const {
    if (!members_.empty() && member.inputs() != members_.front().inputs())
      throw std::invalid_argument("Ensemble: a member with " + std::to_string(member.inputs()) +
                                  " inputs joins members with " + std::to_string(members_.front().inputs()));
  }
  std::vector<Network<Scalar>> members_;
};

}  // namespace autorec
