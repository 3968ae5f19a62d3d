// The functional API: ember::add(a, b), ember::matmul(a, b), ember::zeros({2, 3}), ...
// Tensor methods (a.add(b)) call these. Each family lives in one file under src/ops/.
#pragma once

#include <optional>
#include <string>
#include <tuple>

#include "ember/tensor.h"

namespace ember {

// ---- creation (src/ops/creation.cpp) ---------------------------------------------------------------
Tensor empty(IntArrayRef sizes, const TensorOptions &options = {});
Tensor zeros(IntArrayRef sizes, const TensorOptions &options = {});
Tensor ones(IntArrayRef sizes, const TensorOptions &options = {});
Tensor full(IntArrayRef sizes, const Scalar &value, const TensorOptions &options = {});
Tensor empty_like(const Tensor &other, const TensorOptions &options = {});
Tensor zeros_like(const Tensor &other, const TensorOptions &options = {});
Tensor ones_like(const Tensor &other, const TensorOptions &options = {});
Tensor full_like(const Tensor &other, const Scalar &value, const TensorOptions &options = {});
// Without a dtype: int64 when every argument is an integer, otherwise the default float dtype.
Tensor arange(const Scalar &end, const TensorOptions &options = {});
Tensor arange(const Scalar &start, const Scalar &end, const Scalar &step = 1,
              const TensorOptions &options = {});
Tensor linspace(const Scalar &start, const Scalar &end, int64_t steps,
                const TensorOptions &options = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, const TensorOptions &options = {});
// A tensor over memory ember does not own; deleter (optional) runs when the last user lets go.
Tensor from_blob(void *data, IntArrayRef sizes, const TensorOptions &options = {});
Tensor from_blob(void *data, IntArrayRef sizes, IntArrayRef strides,
                 std::function<void(void *)> deleter, const TensorOptions &options = {});
// A 0-d tensor holding value (dtype from the value's kind unless given).
Tensor scalar_tensor(const Scalar &value, const TensorOptions &options = {});

// Nested initializer lists: ember::tensor({{1.0, 2.0}, {3.0, 4.0}}). See ember/tensor_literal.h.

// ---- random (src/core/random.cpp) -------------------------------------------------------------------
class Generator;
Tensor rand(IntArrayRef sizes, const TensorOptions &options = {});
Tensor randn(IntArrayRef sizes, const TensorOptions &options = {});
Tensor rand(IntArrayRef sizes, Generator &generator, const TensorOptions &options = {});
Tensor randn(IntArrayRef sizes, Generator &generator, const TensorOptions &options = {});
Tensor rand_like(const Tensor &other, const TensorOptions &options = {});
Tensor randn_like(const Tensor &other, const TensorOptions &options = {});
// Integers uniform in [low, high); int64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, const TensorOptions &options = {});
Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions &options = {});
Tensor randperm(int64_t n, const TensorOptions &options = {});
// Draws 0 or 1 with the probabilities in p.
Tensor bernoulli(const Tensor &p);
Tensor bernoulli(const Tensor &p, Generator &generator);
// Samples indices from the rows of probs (unnormalized weights).
Tensor multinomial(const Tensor &probs, int64_t num_samples, bool replacement = false);
Tensor normal(double mean, double std, IntArrayRef sizes, const TensorOptions &options = {});

// ---- copies and conversions (src/ops/copy.cpp) ------------------------------------------------
Tensor clone(const Tensor &self);

// ---- views (src/ops/view.cpp) ------------------------------------------------------------------
Tensor reshape(const Tensor &self, IntArrayRef sizes);
Tensor permute(const Tensor &self, IntArrayRef dims);
Tensor transpose(const Tensor &self, int64_t dim0, int64_t dim1);
Tensor squeeze(const Tensor &self);
Tensor squeeze(const Tensor &self, int64_t dim);
Tensor unsqueeze(const Tensor &self, int64_t dim);
Tensor flatten(const Tensor &self, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor narrow(const Tensor &self, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor &self, int64_t dim, int64_t index);
Tensor diagonal(const Tensor &self, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor as_strided(const Tensor &self, IntArrayRef sizes, IntArrayRef strides,
                  std::optional<int64_t> storage_offset = std::nullopt);
Tensor movedim(const Tensor &self, int64_t source, int64_t destination);
TensorList broadcast_tensors(const TensorList &tensors);
Tensor broadcast_to(const Tensor &self, IntArrayRef sizes);

// ---- elementwise (src/ops/elementwise.cpp) ---------------------------------------------------------
#define EMBER_UNARY_OP(name) Tensor name(const Tensor &self);
#include "ember/unary_ops.def"
#undef EMBER_UNARY_OP
Tensor isnan(const Tensor &self);
Tensor isinf(const Tensor &self);
Tensor isfinite(const Tensor &self);
Tensor logical_not(const Tensor &self);

Tensor add(const Tensor &self, const Tensor &other, const Scalar &alpha = 1);
Tensor add(const Tensor &self, const Scalar &other, const Scalar &alpha = 1);
Tensor sub(const Tensor &self, const Tensor &other, const Scalar &alpha = 1);
Tensor sub(const Tensor &self, const Scalar &other, const Scalar &alpha = 1);
Tensor rsub(const Tensor &self, const Scalar &other, const Scalar &alpha = 1);
Tensor div(const Tensor &self, const Tensor &other,
           std::optional<std::string> rounding_mode = std::nullopt);
Tensor div(const Tensor &self, const Scalar &other,
           std::optional<std::string> rounding_mode = std::nullopt);
#define EMBER_BINARY_OP(name)                                                                      \
  Tensor name(const Tensor &self, const Tensor &other);                                            \
  Tensor name(const Tensor &self, const Scalar &other);
#include "ember/binary_ops.def"
#undef EMBER_BINARY_OP
Tensor pow(const Scalar &self, const Tensor &exponent);

Tensor clamp(const Tensor &self, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor clamp(const Tensor &self, const Tensor &min, const Tensor &max);
Tensor clamp_min(const Tensor &self, const Scalar &min);
Tensor clamp_max(const Tensor &self, const Scalar &max);
Tensor lerp(const Tensor &self, const Tensor &end, const Scalar &weight);
Tensor lerp(const Tensor &self, const Tensor &end, const Tensor &weight);
Tensor where(const Tensor &condition, const Tensor &self, const Tensor &other);
Tensor where(const Tensor &condition, const Scalar &self, const Tensor &other);
Tensor where(const Tensor &condition, const Tensor &self, const Scalar &other);
Tensor masked_fill(const Tensor &self, const Tensor &mask, const Scalar &value);
Tensor masked_fill(const Tensor &self, const Tensor &mask, const Tensor &value);
// The dtype an op on these operands computes in (torch.result_type).
DType result_type(const Tensor &a, const Tensor &b);
DType result_type(const Tensor &a, const Scalar &b);

// ---- reductions (src/ops/reduce.cpp) --------------------------------------------------------------
Tensor sum(const Tensor &self, std::optional<DType> dtype = std::nullopt);
Tensor sum(const Tensor &self, IntArrayRef dims, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor &self, std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor &self, IntArrayRef dims, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor &self, std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor &self, int64_t dim, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
Tensor max(const Tensor &self);
std::tuple<Tensor, Tensor> max(const Tensor &self, int64_t dim, bool keepdim = false);
Tensor min(const Tensor &self);
std::tuple<Tensor, Tensor> min(const Tensor &self, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor &self, IntArrayRef dims = {}, bool keepdim = false);
Tensor amin(const Tensor &self, IntArrayRef dims = {}, bool keepdim = false);
Tensor argmax(const Tensor &self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor &self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// correction defaults to 1 (Bessel), as torch.var.
Tensor var(const Tensor &self, IntArrayRef dims = {}, std::optional<Scalar> correction = std::nullopt,
           bool keepdim = false);
Tensor std(const Tensor &self, IntArrayRef dims = {}, std::optional<Scalar> correction = std::nullopt,
           bool keepdim = false);
std::tuple<Tensor, Tensor> var_mean(const Tensor &self, IntArrayRef dims = {},
                                    std::optional<Scalar> correction = std::nullopt,
                                    bool keepdim = false);
Tensor logsumexp(const Tensor &self, IntArrayRef dims, bool keepdim = false);
Tensor norm(const Tensor &self, const Scalar &p = 2, IntArrayRef dims = {}, bool keepdim = false);
Tensor all(const Tensor &self);
Tensor all(const Tensor &self, int64_t dim, bool keepdim = false);
Tensor any(const Tensor &self);
Tensor any(const Tensor &self, int64_t dim, bool keepdim = false);
Tensor cumsum(const Tensor &self, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor &self, int64_t dim, std::optional<DType> dtype = std::nullopt);
// Sums a gradient of a broadcast shape down to sizes (the inverse of broadcasting).
Tensor sum_to(const Tensor &self, IntArrayRef sizes);

// ---- linear algebra (src/ops/linalg.cpp) ------------------------------------------------------------
Tensor matmul(const Tensor &self, const Tensor &other);
Tensor mm(const Tensor &self, const Tensor &other);
Tensor bmm(const Tensor &self, const Tensor &other);
Tensor mv(const Tensor &self, const Tensor &vec);
Tensor dot(const Tensor &self, const Tensor &other);
Tensor outer(const Tensor &self, const Tensor &other);
Tensor addmm(const Tensor &self, const Tensor &mat1, const Tensor &mat2, const Scalar &beta = 1,
             const Scalar &alpha = 1);

// ---- joining, indexing and reordering (src/ops/index.cpp, src/ops/sort.cpp) --------------------------
Tensor cat(const TensorList &tensors, int64_t dim = 0);
Tensor stack(const TensorList &tensors, int64_t dim = 0);
TensorList split(const Tensor &self, int64_t split_size, int64_t dim = 0);
TensorList split(const Tensor &self, IntArrayRef split_sizes, int64_t dim = 0);
TensorList chunk(const Tensor &self, int64_t chunks, int64_t dim = 0);
TensorList unbind(const Tensor &self, int64_t dim = 0);
Tensor gather(const Tensor &self, int64_t dim, const Tensor &index);
Tensor scatter(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &src);
Tensor scatter(const Tensor &self, int64_t dim, const Tensor &index, const Scalar &value);
Tensor scatter_add(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &src);
Tensor index_select(const Tensor &self, int64_t dim, const Tensor &index);
Tensor index_add(const Tensor &self, int64_t dim, const Tensor &index, const Tensor &source,
                 const Scalar &alpha = 1);
Tensor masked_select(const Tensor &self, const Tensor &mask);
Tensor nonzero(const Tensor &self);
std::tuple<Tensor, Tensor> sort(const Tensor &self, int64_t dim = -1, bool descending = false,
                                bool stable = false);
Tensor argsort(const Tensor &self, int64_t dim = -1, bool descending = false, bool stable = false);
std::tuple<Tensor, Tensor> topk(const Tensor &self, int64_t k, int64_t dim = -1, bool largest = true,
                                bool sorted = true);
// int64 indices -> int64 one-hot rows; num_classes -1 means max(index) + 1.
Tensor one_hot(const Tensor &self, int64_t num_classes = -1);
Tensor tril(const Tensor &self, int64_t diagonal = 0);
Tensor triu(const Tensor &self, int64_t diagonal = 0);
Tensor repeat(const Tensor &self, IntArrayRef repeats);
Tensor flip(const Tensor &self, IntArrayRef dims);
Tensor roll(const Tensor &self, IntArrayRef shifts, IntArrayRef dims = {});
// Constant padding; pad lists (left, right) pairs starting from the last dim, as torch's F.pad.
Tensor pad(const Tensor &self, IntArrayRef pad, const Scalar &value = 0);

// ---- operators --------------------------------------------------------------------------------------
inline Tensor operator+(const Tensor &a, const Tensor &b) { return add(a, b); }
inline Tensor operator+(const Tensor &a, const Scalar &b) { return add(a, b); }
inline Tensor operator+(const Scalar &a, const Tensor &b) { return add(b, a); }
inline Tensor operator-(const Tensor &a, const Tensor &b) { return sub(a, b); }
inline Tensor operator-(const Tensor &a, const Scalar &b) { return sub(a, b); }
inline Tensor operator-(const Scalar &a, const Tensor &b) { return rsub(b, a); }
inline Tensor operator*(const Tensor &a, const Tensor &b) { return mul(a, b); }
inline Tensor operator*(const Tensor &a, const Scalar &b) { return mul(a, b); }
inline Tensor operator*(const Scalar &a, const Tensor &b) { return mul(b, a); }
inline Tensor operator/(const Tensor &a, const Tensor &b) { return div(a, b); }
inline Tensor operator/(const Tensor &a, const Scalar &b) { return div(a, b); }
Tensor operator/(const Scalar &a, const Tensor &b);
inline Tensor operator%(const Tensor &a, const Tensor &b) { return remainder(a, b); }
inline Tensor operator%(const Tensor &a, const Scalar &b) { return remainder(a, b); }
inline Tensor operator-(const Tensor &a) { return neg(a); }
inline Tensor operator==(const Tensor &a, const Tensor &b) { return eq(a, b); }
inline Tensor operator==(const Tensor &a, const Scalar &b) { return eq(a, b); }
inline Tensor operator!=(const Tensor &a, const Tensor &b) { return ne(a, b); }
inline Tensor operator!=(const Tensor &a, const Scalar &b) { return ne(a, b); }
inline Tensor operator<(const Tensor &a, const Tensor &b) { return lt(a, b); }
inline Tensor operator<(const Tensor &a, const Scalar &b) { return lt(a, b); }
inline Tensor operator<=(const Tensor &a, const Tensor &b) { return le(a, b); }
inline Tensor operator<=(const Tensor &a, const Scalar &b) { return le(a, b); }
inline Tensor operator>(const Tensor &a, const Tensor &b) { return gt(a, b); }
inline Tensor operator>(const Tensor &a, const Scalar &b) { return gt(a, b); }
inline Tensor operator>=(const Tensor &a, const Tensor &b) { return ge(a, b); }
inline Tensor operator>=(const Tensor &a, const Scalar &b) { return ge(a, b); }
inline Tensor operator&&(const Tensor &a, const Tensor &b) { return logical_and(a, b); }
inline Tensor operator||(const Tensor &a, const Tensor &b) { return logical_or(a, b); }
inline Tensor operator!(const Tensor &a) { return logical_not(a); }
inline Tensor &operator+=(Tensor &a, const Tensor &b) { return a.add_(b); }
inline Tensor &operator+=(Tensor &a, const Scalar &b) { return a.add_(b); }
inline Tensor &operator-=(Tensor &a, const Tensor &b) { return a.sub_(b); }
inline Tensor &operator-=(Tensor &a, const Scalar &b) { return a.sub_(b); }
inline Tensor &operator*=(Tensor &a, const Tensor &b) { return a.mul_(b); }
inline Tensor &operator*=(Tensor &a, const Scalar &b) { return a.mul_(b); }
inline Tensor &operator/=(Tensor &a, const Tensor &b) { return a.div_(b); }
inline Tensor &operator/=(Tensor &a, const Scalar &b) { return a.div_(b); }

// ---- threads (src/backend/cpu/parallel.cpp) ----------------------------------------------------------
// The number of threads ember's kernels and BLAS use (torch.set_num_threads).
void set_num_threads(int threads);
int get_num_threads();

// Whether two tensors have the same shape and all elements within atol + rtol * |other|.
bool allclose(const Tensor &self, const Tensor &other, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);
// Same shape and exactly equal elements.
bool equal(const Tensor &self, const Tensor &other);

} // namespace ember
