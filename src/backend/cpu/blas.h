// Row-major GEMM through OpenBLAS for float and double, for kernels that work on raw buffers.
#pragma once

#include <cblas.h>

#include <cstdint>
#include <type_traits>

namespace ember::cpu {

// c [m, n] = a [m, k] (or a^T) @ b [k, n] (or b^T) + beta * c.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T *a, int64_t lda,
          const T *b, int64_t ldb, T beta, T *c, int64_t ldc) {
  const auto ta = trans_a ? CblasTrans : CblasNoTrans;
  const auto tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

} // namespace ember::cpu
