#pragma once
// EASE's decode step (serve/decoder.hpp, model/ease.hpp): a user's scores are s = B^T x with x
// their item vector (items), the sum of B's rows of their items; EASE has no code but x, so a
// new user folded in is their x, and nothing is fitted.
//   known user u: x = X(:, u), a column of the training matrix (items x users)
//   block of users: S = B^T X(:, users)  (dense x sparse: O(nnz n))

#include <string>
#include <utility>
#include <vector>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/serve/decoder.hpp"

namespace autorec {

template <typename Scalar>
class EaseDecoder final : public Decoder<Scalar> {
 public:
  explicit EaseDecoder(Ease<Scalar> model) : model_(std::move(model)) {}

  std::string describe() const override { return "EASE over " + std::to_string(model_.items()) + " items, lambda " + std::to_string(model_.lambda()); }

  Scalar score(const SparseColumns<Scalar>& training, int user, int item) const override {
    Scalar sum = 0;
    for (typename SparseColumns<Scalar>::InnerIterator e(training, user); e; ++e)
      sum += e.value() * model_.weights()(e.row(), item);
    return sum;
  }

  void scores(const SparseColumns<Scalar>& training, const int* users, Index count, Matrix<Scalar>& out) const override {
    const SparseColumns<Scalar> x = gather_columns(training, std::vector<int>(users, users + count));
    out.noalias() = model_.weights().transpose() * x;
  }

  FoldedFit<Scalar> fold_in(const SparseColumns<Scalar>&, const std::vector<int>& items, const Vector<Scalar>& values,
                            const FoldInOptions&) const override {
    FoldedFit<Scalar> fit;
    fit.code = Vector<Scalar>::Zero(model_.items());
    for (std::size_t j = 0; j < items.size(); ++j) fit.code(items[j]) = values(Index(j));
    return fit;
  }

  void scores(const FoldedFit<Scalar>& fit, const std::vector<int>& items, Vector<Scalar>& out) const override {
    out = Vector<Scalar>::Zero(model_.items());
    for (int item : items) out.noalias() += fit.code(item) * model_.weights().row(item).transpose();
  }

  const Ease<Scalar>& model() const { return model_; }

 private:
  Ease<Scalar> model_;
};

}  // namespace autorec
