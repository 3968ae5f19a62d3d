// Linear algebra: matmul and its rank cases, mm, bmm, mv, dot, outer, addmm.
// Every matrix product goes through one differentiable primitive over equal batch dims, whose
// kernel hands float32/float64 operands to OpenBLAS without copies whenever a matrix is row- or
// column-major with a usable leading dimension (transposed and sliced views included, and
// broadcast batch dims of stride 0). Integer products use a plain loop kernel. Backward formulas
// are products themselves, so higher-order gradients come for free.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "autograd/record.h"
#include "backend/cpu/parallel.h"
#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember {
namespace {

// How BLAS can read a rows x cols matrix with the given element strides.
struct MatrixLayout {
  bool usable = false;
  bool transposed = false; // stored column-major: BLAS reads it as the transpose of a row-major
  int64_t ld = 0;          // leading dimension
};

MatrixLayout blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  // The stride of a size-1 dim is never used, so it does not constrain the layout.
  if ((cols == 1 || col_stride == 1) && (rows == 1 || row_stride >= std::max<int64_t>(1, cols)))
    return {true, false, rows == 1 ? std::max<int64_t>(1, cols) : row_stride};
  if ((rows == 1 || row_stride == 1) && (cols == 1 || col_stride >= std::max<int64_t>(1, rows)))
    return {true, true, cols == 1 ? std::max<int64_t>(1, rows) : col_stride};
  return {};
}

// Element offsets of every matrix in the batch dims (all but the last two) of t, in row-major
// order of the batch index. Broadcast batch dims have stride 0 and so repeat offsets.
std::vector<int64_t> batch_offsets(const Tensor &t) {
  const int64_t batch_dims = t.dim() - 2;
  std::vector<int64_t> offsets{0};
  for (int64_t d = 0; d < batch_dims; ++d) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * t.size(d));
    for (int64_t base : offsets)
      for (int64_t i = 0; i < t.size(d); ++i)
        next.push_back(base + i * t.stride(d));
    offsets = std::move(next);
  }
  return offsets;
}

template <typename T>
void blas_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T *a,
               int64_t lda, const T *b, int64_t ldb, T beta, T *c, int64_t ldc) {
  const auto ta = trans_a ? CblasTrans : CblasNoTrans;
  const auto tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// c = alpha * a @ b + beta * c for one matrix, any strides, c row-major with ldc = n.
// Integer types wrap like torch's; beta == 0 ignores the old contents of c.
template <typename T>
void loop_gemm(int64_t m, int64_t n, int64_t k, T alpha, const T *a, int64_t a_rs, int64_t a_cs,
               const T *b, int64_t b_rs, int64_t b_cs, T beta, T *c) {
  cpu::parallel_for(0, m, std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, n * k)),
                    [&](int64_t begin, int64_t end) {
                      std::vector<T> row(n);
                      for (int64_t i = begin; i < end; ++i) {
                        std::fill(row.begin(), row.end(), T(0));
                        for (int64_t p = 0; p < k; ++p) {
                          const T a_ip = a[i * a_rs + p * a_cs];
                          const T *b_row = b + p * b_rs;
                          for (int64_t j = 0; j < n; ++j)
                            row[j] += a_ip * b_row[j * b_cs];
                        }
                        T *c_row = c + i * n;
                        for (int64_t j = 0; j < n; ++j)
                          c_row[j] = beta == T(0) ? T(alpha * row[j])
                                                  : T(alpha * row[j] + beta * c_row[j]);
                      }
                    });
}

// out[..., M, N] = alpha * a[..., M, K] @ b[..., K, N] + beta * out over equal batch dims.
// out is contiguous; a and b may have any strides.
void gemm_into(Tensor a, Tensor b, const Tensor &out, const Scalar &alpha, const Scalar &beta) {
  if (out.numel() == 0)
    return;
  const DType dtype = out.dtype();
  if (dtype == kFloat16 || dtype == kBFloat16) { // storage types: compute in float32
    Tensor result = empty(out.sizes(), ember::dtype(kFloat32));
    if (beta.to_double() != 0)
      result.copy_(out);
    gemm_into(a.to(kFloat32), b.to(kFloat32), result, alpha, beta);
    Tensor target = out;
    target.copy_(result);
    return;
  }
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  MatrixLayout layout_a = blas_layout(m, k, a.stride(-2), a.stride(-1));
  MatrixLayout layout_b = blas_layout(k, n, b.stride(-2), b.stride(-1));
  if (!layout_a.usable) {
    a = a.contiguous();
    layout_a = blas_layout(m, k, a.stride(-2), a.stride(-1));
  }
  if (!layout_b.usable) {
    b = b.contiguous();
    layout_b = blas_layout(k, n, b.stride(-2), b.stride(-1));
  }
  const std::vector<int64_t> offsets_a = batch_offsets(a);
  const std::vector<int64_t> offsets_b = batch_offsets(b);
  const int64_t batch = static_cast<int64_t>(offsets_a.size());
  // Small products run several per thread (OpenBLAS stays single-threaded inside a parallel
  // region) once the batch holds enough work to pay for waking threads; large ones run one after
  // another, each threaded by OpenBLAS itself.
  const int64_t work = std::max<int64_t>(1, m * n * k);
  const bool small = work <= int64_t{128} * 128 * 128;
  const int64_t grain = small ? std::max<int64_t>(1, (int64_t{1} << 16) / work) : batch + 1;
  dispatch_arith(dtype, "matmul", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      throw Error("matmul: not implemented for dtype bool");
    } else {
      const T *pa = a.data_ptr<T>();
      const T *pb = b.data_ptr<T>();
      T *pc = out.data_ptr<T>();
      const T alpha_v = alpha.to<T>(), beta_v = beta.to<T>();
      cpu::parallel_for(0, batch, grain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const T *ai = pa + offsets_a[i];
          const T *bi = pb + offsets_b[i];
          T *ci = pc + i * m * n;
          if constexpr (std::is_floating_point_v<T>) {
            if (k > 0) {
              blas_gemm<T>(layout_a.transposed, layout_b.transposed, m, n, k, alpha_v, ai,
                           layout_a.ld, bi, layout_b.ld, beta_v, ci, n);
              continue;
            }
          }
          loop_gemm<T>(m, n, k, alpha_v, ai, a.stride(-2), a.stride(-1), bi, b.stride(-2),
                       b.stride(-1), beta_v, ci);
        }
      });
    }
  });
}

void check_same_dtype(const Tensor &a, const Tensor &b, const char *op) {
  EMBER_CHECK(a.dtype() == b.dtype(), op,
              ": expected both operands to have the same dtype, but found ", a.dtype(), " and ",
              b.dtype());
  EMBER_CHECK(a.dtype() != kBool, op, ": not implemented for dtype bool");
}

Shape batch_shape(const Tensor &t) { return Shape(t.sizes().begin(), t.sizes().end() - 2); }

// The differentiable product a [..., M, K] @ b [..., K, N] over equal batch dims; callers check
// shapes and dtypes. node names the backward node (MmBackward, BmmBackward, ...).
Tensor product(const Tensor &a, const Tensor &b, const char *node) {
  Shape out_shape = batch_shape(a);
  out_shape.push_back(a.size(-2));
  out_shape.push_back(b.size(-1));
  Tensor out = empty(out_shape, a.options());
  {
    NoGradGuard no_grad;
    gemm_into(a, b, out, 1, 0);
  }
  if (autograd::needs_grad(a, b))
    autograd::record(node, {a, b}, {out}, {a, b},
                     [node](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       Tensor grad_a, grad_b;
                       if (ctx.needs(0))
                         grad_a = product(grad, ctx.saved[1].mT(), node);
                       if (ctx.needs(1))
                         grad_b = product(ctx.saved[0].mT(), grad, node);
                       return TensorList{grad_a, grad_b};
                     });
  return out;
}

void check_mm_shapes(const Tensor &a, const Tensor &b, const char *op) {
  EMBER_CHECK(a.size(1) == b.size(0), op, ": mat1 and mat2 shapes cannot be multiplied (",
              a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
}

// True when the batch dims and the row dim of t collapse into one dim without a copy, so that
// [..., M, K] @ [K, N] can run as a single [B*M, K] @ [K, N] GEMM.
bool rows_foldable(const Tensor &t) {
  int64_t expected = -1; // the stride the next non-trivial outer dim must have
  for (int64_t d = t.dim() - 2; d >= 0; --d) {
    if (t.size(d) == 1)
      continue;
    if (expected != -1 && t.stride(d) != expected)
      return false;
    expected = t.stride(d) * t.size(d);
  }
  return true;
}

Tensor dot_impl(const Tensor &a, const Tensor &b, const char *op) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, op, ": expected 1-D tensors, but got ", a.dim(),
              "-D and ", b.dim(), "-D tensors");
  EMBER_CHECK(a.numel() == b.numel(), op, ": inconsistent tensor size, expected tensor [",
              a.numel(), "] and src [", b.numel(),
              "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
              " elements respectively");
  check_same_dtype(a, b, op);
  Tensor out;
  {
    NoGradGuard no_grad;
    if (a.dtype() == kFloat16 || a.dtype() == kBFloat16) {
      out = dot_impl(a.to(kFloat32), b.to(kFloat32), op).to(a.dtype());
    } else {
      out = empty({}, a.options());
      const int64_t n = a.numel();
      const int64_t sa = a.stride(0), sb = b.stride(0);
      dispatch_arith(a.dtype(), op, [&](auto tag) {
        using T = decltype(tag);
        const T *pa = a.data_ptr<T>();
        const T *pb = b.data_ptr<T>();
        T result{};
        if constexpr (std::is_same_v<T, float>)
          result = n > 0 ? cblas_sdot(n, pa, sa, pb, sb) : 0.0f;
        else if constexpr (std::is_same_v<T, double>)
          result = n > 0 ? cblas_ddot(n, pa, sa, pb, sb) : 0.0;
        else
          for (int64_t i = 0; i < n; ++i)
            result = T(result + pa[i * sa] * pb[i * sb]);
        *out.data_ptr<T>() = result;
      });
    }
  }
  if (autograd::needs_grad(a, b))
    autograd::record("DotBackward", {a, b}, {out}, {a, b},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       Tensor grad_a, grad_b;
                       if (ctx.needs(0))
                         grad_a = grads[0] * ctx.saved[1];
                       if (ctx.needs(1))
                         grad_b = grads[0] * ctx.saved[0];
                       return TensorList{grad_a, grad_b};
                     });
  return out;
}

} // namespace

Tensor mm(const Tensor &self, const Tensor &other) {
  EMBER_CHECK(self.dim() == 2 && other.dim() == 2, "mm: expected 2-D matrices, but got shapes ",
              IntArrayRef(self.sizes()), " and ", IntArrayRef(other.sizes()));
  check_same_dtype(self, other, "mm");
  check_mm_shapes(self, other, "mm");
  return product(self, other, "MmBackward");
}

Tensor bmm(const Tensor &self, const Tensor &other) {
  EMBER_CHECK(self.dim() == 3 && other.dim() == 3, "bmm: expected 3-D tensors, but got shapes ",
              IntArrayRef(self.sizes()), " and ", IntArrayRef(other.sizes()));
  check_same_dtype(self, other, "bmm");
  EMBER_CHECK(self.size(0) == other.size(0) && self.size(2) == other.size(1),
              "bmm: batch1 and batch2 shapes cannot be multiplied (", IntArrayRef(self.sizes()),
              " and ", IntArrayRef(other.sizes()), ")");
  return product(self, other, "BmmBackward");
}

Tensor mv(const Tensor &self, const Tensor &vec) {
  EMBER_CHECK(self.dim() == 2 && vec.dim() == 1,
              "mv: expected a 2-D matrix and a 1-D vector, but got shapes ",
              IntArrayRef(self.sizes()), " and ", IntArrayRef(vec.sizes()));
  check_same_dtype(self, vec, "mv");
  EMBER_CHECK(self.size(1) == vec.size(0), "mv: size mismatch, got matrix ",
              IntArrayRef(self.sizes()), " and vector ", IntArrayRef(vec.sizes()));
  return product(self, vec.unsqueeze(1), "MvBackward").squeeze(1);
}

Tensor dot(const Tensor &self, const Tensor &other) { return dot_impl(self, other, "dot"); }

Tensor outer(const Tensor &self, const Tensor &other) {
  EMBER_CHECK(self.dim() == 1 && other.dim() == 1, "outer: expected 1-D vectors, but got shapes ",
              IntArrayRef(self.sizes()), " and ", IntArrayRef(other.sizes()));
  return self.unsqueeze(1) * other.unsqueeze(0);
}

Tensor matmul(const Tensor &self, const Tensor &other) {
  const int64_t dim_a = self.dim(), dim_b = other.dim();
  EMBER_CHECK(dim_a >= 1 && dim_b >= 1,
              "matmul: both arguments to matmul need to be at least 1D, but they are ", dim_a,
              "D and ", dim_b, "D");
  if (dim_a == 1 && dim_b == 1)
    return dot_impl(self, other, "matmul");
  check_same_dtype(self, other, "matmul");
  if (dim_a == 2 && dim_b == 1) {
    EMBER_CHECK(self.size(1) == other.size(0), "matmul: size mismatch, got matrix ",
                IntArrayRef(self.sizes()), " and vector ", IntArrayRef(other.sizes()));
    return product(self, other.unsqueeze(1), "MvBackward").squeeze(1);
  }
  if (dim_a <= 2 && dim_b == 2) {
    Tensor a = dim_a == 1 ? self.unsqueeze(0) : self;
    check_mm_shapes(a, other, "matmul");
    Tensor out = product(a, other, "MmBackward");
    return dim_a == 1 ? out.squeeze(0) : out;
  }
  // Batched operands: a matrix of rows times one shared matrix folds into a single GEMM.
  Tensor a = dim_a == 1 ? self.unsqueeze(0) : self;
  Tensor b = dim_b == 1 ? other.unsqueeze(1) : other;
  EMBER_CHECK(a.size(-1) == b.size(-2), "matmul: shapes ", IntArrayRef(self.sizes()), " and ",
              IntArrayRef(other.sizes()), " cannot be multiplied (", a.size(-1), " != ", b.size(-2),
              ")");
  if (dim_b <= 2 && rows_foldable(a)) {
    Shape out_shape(self.sizes().begin(), self.sizes().end() - 1);
    if (dim_b == 2)
      out_shape.push_back(b.size(1));
    return product(a.reshape({-1, a.size(-1)}), b, "MmBackward").view(out_shape);
  }
  // General case: broadcast the batch dims (stride 0, no copies) and multiply matrix by matrix.
  // The expand's backward sums the gradient over the broadcast batch dims.
  Shape batch = broadcast_shapes(batch_shape(a), batch_shape(b), "matmul");
  Shape shape_a = batch, shape_b = batch;
  shape_a.insert(shape_a.end(), {a.size(-2), a.size(-1)});
  shape_b.insert(shape_b.end(), {b.size(-2), b.size(-1)});
  Tensor out = product(a.expand(shape_a), b.expand(shape_b), "BmmBackward");
  if (dim_b == 1)
    out = out.squeeze(-1);
  if (dim_a == 1)
    out = out.squeeze(dim_b == 1 ? -1 : -2);
  return out;
}

Tensor addmm(const Tensor &self, const Tensor &mat1, const Tensor &mat2, const Scalar &beta,
             const Scalar &alpha) {
  EMBER_CHECK(mat1.dim() == 2 && mat2.dim() == 2, "addmm: expected 2-D matrices, but got shapes ",
              IntArrayRef(mat1.sizes()), " and ", IntArrayRef(mat2.sizes()));
  check_same_dtype(mat1, mat2, "addmm");
  check_same_dtype(self, mat2, "addmm");
  check_mm_shapes(mat1, mat2, "addmm");
  const Shape out_shape{mat1.size(0), mat2.size(1)};
  EMBER_CHECK(broadcast_shapes(self.sizes(), out_shape, "addmm") == out_shape,
              "addmm: self of shape ", IntArrayRef(self.sizes()), " cannot be broadcast to ",
              IntArrayRef(out_shape));
  // beta == 0 ignores self entirely (NaN included), as torch does.
  const bool use_self = beta.to_double() != 0;
  Tensor out = empty(out_shape, mat1.options());
  {
    NoGradGuard no_grad;
    if (use_self)
      out.copy_(self.expand(out_shape));
    gemm_into(mat1, mat2, out, alpha, use_self ? beta : Scalar(0));
  }
  if (autograd::needs_grad(self, mat1, mat2))
    autograd::record("AddmmBackward", {self, mat1, mat2}, {out}, {mat1, mat2},
                     [beta, alpha](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       const bool scaled = alpha.to_double() != 1;
                       Tensor grad_self, grad_mat1, grad_mat2;
                       if (ctx.needs(0))
                         grad_self = beta.to_double() == 1 ? grad : grad * beta;
                       if (ctx.needs(1)) {
                         grad_mat1 = product(grad, ctx.saved[1].t(), "MmBackward");
                         if (scaled)
                           grad_mat1 = grad_mat1 * alpha;
                       }
                       if (ctx.needs(2)) {
                         grad_mat2 = product(ctx.saved[0].t(), grad, "MmBackward");
                         if (scaled)
                           grad_mat2 = grad_mat2 * alpha;
                       }
                       return TensorList{grad_self, grad_mat1, grad_mat2};
                     });
  return out;
}

Tensor Tensor::matmul(const Tensor &other) const { return ember::matmul(*this, other); }
Tensor Tensor::mm(const Tensor &other) const { return ember::mm(*this, other); }
Tensor Tensor::bmm(const Tensor &other) const { return ember::bmm(*this, other); }
Tensor Tensor::mv(const Tensor &vec) const { return ember::mv(*this, vec); }
Tensor Tensor::dot(const Tensor &other) const { return ember::dot(*this, other); }
Tensor Tensor::outer(const Tensor &other) const { return ember::outer(*this, other); }
Tensor Tensor::addmm(const Tensor &mat1, const Tensor &mat2, const Scalar &beta,
                     const Scalar &alpha) const {
  return ember::addmm(*this, mat1, mat2, beta, alpha);
}

} // namespace ember
