#pragma once
// OpenMP helpers. Every parallel loop in autorec gives each thread whole output columns (or
// rows), so results do not depend on the thread count; without OpenMP the loops run serially.

#ifdef _OPENMP
#include <omp.h>
#define AUTOREC_PRAGMA(x) _Pragma(#x)
#define AUTOREC_PARALLEL_FOR AUTOREC_PRAGMA(omp parallel for schedule(dynamic, 64))
#define AUTOREC_PARALLEL_FOR_STATIC AUTOREC_PRAGMA(omp parallel for schedule(static))
#else
#define AUTOREC_PARALLEL_FOR
#define AUTOREC_PARALLEL_FOR_STATIC
#endif

namespace autorec {

/// Number of threads the parallel loops use (1 without OpenMP).
inline int thread_count() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Sets the number of threads for autorec's loops (and Eigen's GEMM); n <= 0 keeps the default.
inline void set_thread_count(int n) {
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

}  // namespace autorec
