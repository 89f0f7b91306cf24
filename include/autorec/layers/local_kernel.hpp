#pragma once
// The local kernel of Sparse FC (Muller, Martel, Indiveri, "Kernelized Synaptic Weight
// Matrices", ICML 2018): a fully connected layer's weight W (out x in) acts as W .* K with
//   K(o, i) = max(0, 1 - |c_o - a_i|^2)
// for learned embeddings a_i (one per input unit, the columns of A: dims x in) and c_o (one
// per output unit, C: dims x out). Units whose embeddings lie apart get no connection, so the
// layer learns its own sparsity. The objective adds (lambda_s / 2) |K|^2 per layer.
//
// With G = dL/d(W .* K) (out x in), from the layer's own backward pass:
//   dW = G .* K
//   E  = (G .* W + lambda_s K) .* [K > 0]                         dL/dK where K is not clipped
//   dA = 2 (C E - A diag(1^T E))        dims x in   (dL/da_i = 2 sum_o E(o, i) (c_o - a_i))
//   dC = -2 (C diag(E 1) - A E^T)       dims x out  (dL/dc_o = -2 sum_i E(o, i) (c_o - a_i))
// Forming K costs one dims-deep product (C^T A, out x in) and elementwise passes: O(out in
// dims), once per training pass, so the sparse ends keep their O(nnz k) products.

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "autorec/parallel.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// Where a kernelised layer keeps its weight and embeddings, relative to its parameter slice:
/// W (outputs x inputs, row-major or column-major) at `weights`, then A (dims x inputs) and
/// C (dims x outputs), column-major, at `embeddings`.
struct KernelSite {
  Index weights = 0;
  Index outputs = 0, inputs = 0;
  bool row_major = false;
  Index embeddings = 0;
  Index dims = 0;
  Index embedding_count() const { return dims * (inputs + outputs); }
};

/// The kernel's math over a site's slice of the parameters and of the gradient. K is kept in
/// W's storage order, so every elementwise pass reads W, K and G contiguously.
template <typename Scalar>
struct LocalKernel {
  KernelSite site;

  /// Embeddings from a normal of standard deviation `scale` truncated at 2 sigma (the paper's
  /// start, 1e-3: every K(o, i) starts near 1).
  void initialize(Scalar* theta, Random& random, Scalar scale) const {
    Scalar* e = theta + site.embeddings;
    for (Index i = 0; i < site.embedding_count(); ++i) {
      double z = random.normal();
      while (std::abs(z) > 2) z = random.normal();
      e[i] = scale * Scalar(z);
    }
  }

  /// K (out x in, in W's storage order, as a flat vector) from the embeddings in `theta`, and
  /// W .* K written over the weight run of `effective` (a copy of the slice).
  void form(const Scalar* theta, Vector<Scalar>& kernel, Scalar* effective) const {
    kernel.resize(site.outputs * site.inputs);
    if (site.row_major)
      form_in<Eigen::RowMajor>(theta, kernel.data(), effective);
    else
      form_in<Eigen::ColMajor>(theta, kernel.data(), effective);
  }

  /// Turns G = dL/d(W .* K), in the gradient's weight run, into dW, and adds dA and dC to the
  /// gradient's embedding runs. `kernel` is the K of form(). Returns (lambda_s / 2) |K|^2.
  Scalar backward(const Scalar* theta, const Vector<Scalar>& kernel, Scalar* gradient, Scalar kernel_lambda,
                  Vector<Scalar>& scratch) const {
    scratch.resize(kernel.size());
    if (site.row_major)
      backward_in<Eigen::RowMajor>(theta, kernel.data(), gradient, kernel_lambda, scratch.data());
    else
      backward_in<Eigen::ColMajor>(theta, kernel.data(), gradient, kernel_lambda, scratch.data());
    return kernel_lambda / 2 * kernel.squaredNorm();
  }

 private:
  template <int Layout>
  using Weights = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

  Eigen::Map<const Matrix<Scalar>> embeddings(const Scalar* theta, Index offset, Index units) const {
    return {theta + site.embeddings + offset, site.dims, units};
  }
  Eigen::Map<Matrix<Scalar>> embeddings(Scalar* theta, Index offset, Index units) const {
    return {theta + site.embeddings + offset, site.dims, units};
  }
  Eigen::Map<const Matrix<Scalar>> A(const Scalar* theta) const { return embeddings(theta, 0, site.inputs); }
  Eigen::Map<const Matrix<Scalar>> C(const Scalar* theta) const {
    return embeddings(theta, site.dims * site.inputs, site.outputs);
  }

  template <int Layout>
  void form_in(const Scalar* theta, Scalar* kernel_data, Scalar* effective) const {
    Eigen::Map<Weights<Layout>> kernel(kernel_data, site.outputs, site.inputs);
    kernel.noalias() = Scalar(2) * C(theta).transpose() * A(theta);  // 2 c_o . a_i
    const Vector<Scalar> c_norms = C(theta).colwise().squaredNorm().transpose();
    const Vector<Scalar> a_norms = A(theta).colwise().squaredNorm().transpose();
    const Scalar* w = theta + site.weights;
    Scalar* v = effective + site.weights;
    const Index outer = Layout == Eigen::RowMajor ? site.outputs : site.inputs;
    const Index inner = Layout == Eigen::RowMajor ? site.inputs : site.outputs;
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index p = 0; p < outer; ++p)
      for (Index q = 0; q < inner; ++q) {
        const Index o = Layout == Eigen::RowMajor ? p : q, i = Layout == Eigen::RowMajor ? q : p;
        const Index at = p * inner + q;
        const Scalar k = std::max(Scalar(0), Scalar(1) - (c_norms[o] + a_norms[i] - kernel_data[at]));
        kernel_data[at] = k;
        v[at] = w[at] * k;
      }
  }

  // G -> G .* K in place; E = (G .* W + lambda_s K) .* [K > 0]; then dA and dC from E.
  template <int Layout>
  void backward_in(const Scalar* theta, const Scalar* kernel, Scalar* gradient, Scalar kernel_lambda,
                   Scalar* e) const {
    const Scalar* w = theta + site.weights;
    Scalar* g = gradient + site.weights;
    const Index n = site.outputs * site.inputs;
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index at = 0; at < n; ++at) {
      const Scalar k = kernel[at];
      e[at] = k > 0 ? g[at] * w[at] + kernel_lambda * k : Scalar(0);
      g[at] *= k;
    }
    const Eigen::Map<const Weights<Layout>> E(e, site.outputs, site.inputs);
    const Vector<Scalar> column_sums = E.colwise().sum().transpose(), row_sums = E.rowwise().sum();
    auto dA = embeddings(gradient, 0, site.inputs);
    auto dC = embeddings(gradient, site.dims * site.inputs, site.outputs);
    dA.noalias() += Scalar(2) * (C(theta) * E);
    dA.noalias() -= Scalar(2) * (A(theta) * column_sums.asDiagonal());
    dC.noalias() += Scalar(2) * (A(theta) * E.transpose());
    dC.noalias() -= Scalar(2) * (C(theta) * row_sums.asDiagonal());
  }
};

}  // namespace autorec
