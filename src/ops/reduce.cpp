// Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std/var_mean, logsumexp,
// norm, all/any, cumsum/cumprod and sum_to, with their dtype rules and backward formulas.
//
// Every reduction is a Reducer (identity, step, merge, store) run by the single kernel in
// backend/cpu/reduce_kernels.h; composites (var, std, logsumexp) are built from those.
// Backward formulas use differentiable ember ops so that higher-order gradients work.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/record.h"
#include "backend/cpu/reduce_kernels.h"
#include "ember/ops.h"

namespace ember {
namespace {

using autograd::BackwardContext;

// ---- reducers
// ------------------------------------------------------------------------------------

// Floats accumulate in their own type, as in torch: float32 -> float64 conversion would halve
// the kernel's speed, and the lanes and fixed-size pieces of the reduction loop keep the
// error of float32 sums close to pairwise summation. Integers and bools accumulate in int64.
template <typename T> using acc_of = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
// Scans are sequential, so they accumulate floats in double (as torch's CPU cumsum).
template <typename T>
using scan_acc_of = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
// Sums and products of integers and bools are int64, as in torch.
template <typename T> using widened = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;

template <typename T> struct SumReducer {
  using in_t = T;
  using acc_t = acc_of<T>;
  widened<T> *out;
  double divisor = 1; // count of reduced elements for mean
  acc_t identity() const { return 0; }
  acc_t step(acc_t acc, T x, int64_t) const { return acc + static_cast<acc_t>(x); }
  acc_t merge(acc_t a, acc_t b) const { return a + b; }
  template <typename V> V vstep(V acc, V x) const { return acc + x; }
  template <typename V> V vmerge(V a, V b) const { return a + b; }
  void store(int64_t at, acc_t acc) const {
    if constexpr (std::is_floating_point_v<T>)
      out[at] = static_cast<T>(divisor == 1 ? acc : acc / divisor);
    else
      out[at] = acc;
  }
};

template <typename T> struct ProdReducer {
  using in_t = T;
  using acc_t = acc_of<T>;
  widened<T> *out;
  acc_t identity() const { return 1; }
  acc_t step(acc_t acc, T x, int64_t) const { return acc * static_cast<acc_t>(x); }
  acc_t merge(acc_t a, acc_t b) const { return a * b; }
  template <typename V> V vstep(V acc, V x) const { return acc * x; }
  template <typename V> V vmerge(V a, V b) const { return a * b; }
  void store(int64_t at, acc_t acc) const { out[at] = static_cast<widened<T>>(acc); }
};

// Whether a beats b for max (or min): NaN beats everything, as NaN propagates in torch.
template <bool IsMax, typename T> bool beats(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (a != a)
      return b == b;
  return IsMax ? a > b : a < b;
}

template <typename T, bool IsMax> struct ExtremeReducer {
  using in_t = T;
  using acc_t = T;
  T *out;
  T identity() const {
    if constexpr (std::is_floating_point_v<T>)
      return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else
      return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  // Written as one select so the compiler vectorizes it; x != x keeps a NaN once seen.
  T step(T acc, T x, int64_t) const {
    if constexpr (std::is_floating_point_v<T>)
      return (IsMax ? x > acc : x < acc) || x != x ? x : acc;
    else
      return (IsMax ? x > acc : x < acc) ? x : acc;
  }
  T merge(T a, T b) const { return step(a, b, 0); }
  // The same select, built so that the chain through acc is one max (or min) instruction: that
  // returns acc when either is NaN, so a NaN in acc stays, and a NaN x is selected outside it.
  template <typename V> V vstep(V acc, V x) const {
    return x != x ? x : IsMax ? cpu::max_or_second(x, acc) : cpu::min_or_second(x, acc);
  }
  template <typename V> V vmerge(V a, V b) const { return vstep(a, b); }
  void store(int64_t at, T acc) const { out[at] = acc; }
};

// A value with the flat reduced index where it was found; index -1 means nothing seen yet.
template <typename T> struct IndexedValue {
  T value{};
  int64_t index = -1;
};

template <typename T, bool IsMax> struct ArgExtremeReducer {
  using in_t = T;
  using acc_t = IndexedValue<T>;
  T *values; // may be null (argmax)
  int64_t *indices;
  acc_t identity() const { return {}; }
  // Indices grow along a lane, so a strict comparison keeps the first of equal values.
  acc_t step(acc_t acc, T x, int64_t index) const {
    return acc.index < 0 || beats<IsMax>(x, acc.value) ? acc_t{x, index} : acc;
  }
  template <typename V> auto vbeats(V x, V y) const {
    return ((x != x) & (y == y)) | (IsMax ? x > y : x < y);
  }
  acc_t merge(acc_t a, acc_t b) const {
    if (a.index < 0)
      return b;
    if (b.index < 0 || beats<IsMax>(a.value, b.value))
      return a;
    if (beats<IsMax>(b.value, a.value))
      return b;
    return a.index <= b.index ? a : b; // equal (or both NaN): the first index wins
  }
  void store(int64_t at, acc_t acc) const {
    if (values)
      values[at] = acc.value;
    indices[at] = acc.index;
  }
};

template <typename T, bool IsAll> struct LogicalReducer {
  using in_t = T;
  using acc_t = bool;
  bool *out;
  bool identity() const { return IsAll; }
  bool step(bool acc, T x, int64_t) const {
    return IsAll ? acc && static_cast<bool>(x) : acc || static_cast<bool>(x);
  }
  bool merge(bool a, bool b) const { return step(a, b, 0); }
  void store(int64_t at, bool acc) const { out[at] = acc; }
};

enum class NormKind { Zero, One, Two, Inf, NegInf, General };

template <typename T, NormKind Kind> struct NormReducer {
  using in_t = T;
  using acc_t = T;
  T *out;
  double p;
  T identity() const {
    if constexpr (Kind == NormKind::NegInf)
      return std::numeric_limits<T>::infinity();
    return 0;
  }
  T step(T acc, T x, int64_t) const {
    T a = std::abs(x);
    if constexpr (Kind == NormKind::Zero)
      return acc + static_cast<T>(x != 0);
    else if constexpr (Kind == NormKind::One)
      return acc + a;
    else if constexpr (Kind == NormKind::Two)
      return acc + a * a;
    else if constexpr (Kind == NormKind::Inf)
      return a > acc || a != a ? a : acc;
    else if constexpr (Kind == NormKind::NegInf)
      return a < acc || a != a ? a : acc;
    else
      return acc + static_cast<T>(std::pow(a, p));
  }
  T merge(T a, T b) const {
    if constexpr (Kind == NormKind::Inf)
      return b > a || b != b ? b : a;
    else if constexpr (Kind == NormKind::NegInf)
      return b < a || b != b ? b : a;
    else
      return a + b;
  }
  // The vector form, for all but the general p (whose pow has no vector form here).
  template <typename V> V vstep(V acc, V x) const requires(Kind != NormKind::General) {
    V a = x < 0 ? -x : x;
    if constexpr (Kind == NormKind::Zero)
      return acc + (x != 0 ? V{} + 1 : V{});
    else if constexpr (Kind == NormKind::One)
      return acc + a;
    else if constexpr (Kind == NormKind::Two)
      return acc + x * x;
    else
      return vmerge(acc, a);
  }
  template <typename V> V vmerge(V a, V b) const requires(Kind != NormKind::General) {
    if constexpr (Kind == NormKind::Inf)
      return b != b ? b : cpu::max_or_second(b, a);
    else if constexpr (Kind == NormKind::NegInf)
      return b != b ? b : cpu::min_or_second(b, a);
    else
      return a + b;
  }
  void store(int64_t at, T acc) const {
    if constexpr (Kind == NormKind::Two)
      acc = std::sqrt(acc);
    else if constexpr (Kind == NormKind::General)
      acc = static_cast<T>(std::pow(acc, 1.0 / p));
    out[at] = acc;
  }
};

// ---- shared plumbing
// -----------------------------------------------------------------------------

// The output of reducing input over mask, and per input dim its stride in that output.
struct ReduceTarget {
  Shape sizes;
  Shape strides;
};

ReduceTarget reduce_target(const Tensor &input, const std::vector<bool> &mask, bool keepdim) {
  ReduceTarget target;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (!mask[d] || keepdim)
      target.sizes.push_back(mask[d] ? 1 : input.size(d));
  Shape out_strides = contiguous_strides(target.sizes);
  target.strides.assign(input.dim(), 0);
  for (int64_t d = 0, k = 0; d < input.dim(); ++d) {
    if (!mask[d])
      target.strides[d] = out_strides[k];
    if (!mask[d] || keepdim)
      ++k;
  }
  return target;
}

template <typename Reducer>
void run_reducer(const Tensor &input, const std::vector<bool> &mask, const ReduceTarget &target,
                 bool keep_order, const Reducer &reducer) {
  cpu::ReducePlan plan = cpu::make_reduce_plan(input, mask, target.strides, keep_order);
  cpu::reduce(plan, static_cast<const typename Reducer::in_t *>(input.data_ptr()), reducer);
}

// Half-precision storage types are reduced in float32.
Tensor computable(const Tensor &input) {
  DType dtype = input.dtype();
  return dtype == kFloat16 || dtype == kBFloat16 ? input.to(kFloat32) : input;
}

int64_t reduced_count(const Tensor &input, const std::vector<bool> &mask) {
  int64_t count = 1;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (mask[d])
      count *= input.size(d);
  return count;
}

// Reverses the dim dropping of a keepdim=false reduction and expands grad back to sizes.
Tensor expand_reduced(Tensor grad, const std::vector<bool> &mask, bool keepdim,
                      const Shape &sizes) {
  if (!keepdim)
    for (size_t d = 0; d < mask.size(); ++d)
      if (mask[d])
        grad = grad.unsqueeze(static_cast<int64_t>(d));
  return grad.expand(sizes);
}

// Same, without expanding: grad shaped for broadcasting against the input.
Tensor unsqueeze_reduced(Tensor grad, const std::vector<bool> &mask, bool keepdim) {
  if (!keepdim)
    for (size_t d = 0; d < mask.size(); ++d)
      if (mask[d])
        grad = grad.unsqueeze(static_cast<int64_t>(d));
  return grad;
}

std::vector<bool> single_dim_mask(const Tensor &input, int64_t dim, const char *op) {
  std::vector<bool> mask(input.dim(), false);
  int64_t wrapped = wrap_dim(dim, input.dim(), op);
  if (input.dim() > 0)
    mask[wrapped] = true;
  return mask;
}

// Records a reduction node when out is differentiable and input requires grad.
// Backward is a template parameter so that it becomes a std::function only when recorded.
template <typename Backward>
void record_reduction(bool needs_grad, const char *name, const Tensor &input, const Tensor &out,
                      TensorListRef saved, Backward &&backward) {
  if (needs_grad && is_floating_point(out.dtype()))
    autograd::record(name, {input}, {out}, saved, std::forward<Backward>(backward));
}

void check_nonempty(const Tensor &input, const std::vector<bool> &mask, const char *op) {
  if (input.numel() != 0)
    return;
  EMBER_CHECK(input.dim() > 0 && !std::all_of(mask.begin(), mask.end(), [](bool m) { return m; }),
              op, ": Expected reduction dim to be specified for input.numel() == 0.");
  for (int64_t d = 0; d < input.dim(); ++d)
    EMBER_CHECK(!mask[d] || input.size(d) != 0, op, ": Expected reduction dim ", d,
                " to have non-zero size.");
}

// ---- forward kernels (no autograd)
// ---------------------------------------------------------------

// Sum (or mean when divide) of input over mask, in out_dtype.
Tensor sum_forward(const Tensor &self, const std::vector<bool> &mask, bool keepdim, DType out_dtype,
                   bool divide, const char *op) {
  Tensor input = self;
  if (is_floating_point(out_dtype) && input.dtype() != out_dtype)
    input = input.to(out_dtype);
  input = computable(input);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor out = dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor result = empty(target.sizes, dtype(dtype_v<widened<T>>));
    double divisor = divide ? static_cast<double>(reduced_count(input, mask)) : 1.0;
    run_reducer(input, mask, target, false, SumReducer<T>{result.data_ptr<widened<T>>(), divisor});
    return result;
  });
  return out.dtype() == out_dtype ? out : out.to(out_dtype);
}

Tensor prod_forward(const Tensor &self, const std::vector<bool> &mask, bool keepdim,
                    DType out_dtype) {
  Tensor input = self;
  if (is_floating_point(out_dtype) && input.dtype() != out_dtype)
    input = input.to(out_dtype);
  input = computable(input);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor out = dispatch_arith(input.dtype(), "prod", [&](auto tag) {
    using T = decltype(tag);
    Tensor result = empty(target.sizes, dtype(dtype_v<widened<T>>));
    run_reducer(input, mask, target, false, ProdReducer<T>{result.data_ptr<widened<T>>()});
    return result;
  });
  return out.dtype() == out_dtype ? out : out.to(out_dtype);
}

template <bool IsMax>
Tensor extreme_forward(const Tensor &self, const std::vector<bool> &mask, bool keepdim,
                       const char *op) {
  check_nonempty(self, mask, op);
  Tensor input = computable(self);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor out = dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor result = empty(target.sizes, dtype(dtype_v<T>));
    run_reducer(input, mask, target, false, ExtremeReducer<T, IsMax>{result.data_ptr<T>()});
    return result;
  });
  return out.dtype() == self.dtype() ? out : out.to(self.dtype());
}

// Values (when want_values) and int64 indices of the max (min) over mask; indices count
// row-major over the reduced dims.
template <bool IsMax>
std::tuple<Tensor, Tensor> arg_extreme_forward(const Tensor &self, const std::vector<bool> &mask,
                                               bool keepdim, bool want_values, const char *op) {
  check_nonempty(self, mask, op);
  Tensor input = computable(self);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor indices = empty(target.sizes, dtype(kInt64));
  Tensor values;
  dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (want_values)
      values = empty(target.sizes, dtype(dtype_v<T>));
    run_reducer(input, mask, target, true,
                ArgExtremeReducer<T, IsMax>{want_values ? values.data_ptr<T>() : nullptr,
                                            indices.data_ptr<int64_t>()});
  });
  if (want_values && values.dtype() != self.dtype())
    values = values.to(self.dtype());
  return {values, indices};
}

template <bool IsAll>
Tensor logical_forward(const Tensor &self, const std::vector<bool> &mask, bool keepdim,
                       const char *op) {
  Tensor input = computable(self);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor out = empty(target.sizes, dtype(kBool));
  dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    run_reducer(input, mask, target, false, LogicalReducer<T, IsAll>{out.data_ptr<bool>()});
  });
  return out;
}

NormKind norm_kind(double p) {
  if (p == 0)
    return NormKind::Zero;
  if (p == 1)
    return NormKind::One;
  if (p == 2)
    return NormKind::Two;
  if (std::isinf(p))
    return p > 0 ? NormKind::Inf : NormKind::NegInf;
  return NormKind::General;
}

Tensor norm_forward(const Tensor &self, double p, const std::vector<bool> &mask, bool keepdim) {
  Tensor input = computable(self);
  ReduceTarget target = reduce_target(input, mask, keepdim);
  Tensor out = empty(target.sizes, dtype(input.dtype()));
  dispatch_floating(input.dtype(), "norm", [&](auto tag) {
    using T = decltype(tag);
    T *data = out.data_ptr<T>();
    auto run = [&](auto kind) {
      run_reducer(input, mask, target, false, NormReducer<T, decltype(kind)::value>{data, p});
    };
    switch (norm_kind(p)) {
    case NormKind::Zero:
      return run(std::integral_constant<NormKind, NormKind::Zero>{});
    case NormKind::One:
      return run(std::integral_constant<NormKind, NormKind::One>{});
    case NormKind::Two:
      return run(std::integral_constant<NormKind, NormKind::Two>{});
    case NormKind::Inf:
      return run(std::integral_constant<NormKind, NormKind::Inf>{});
    case NormKind::NegInf:
      return run(std::integral_constant<NormKind, NormKind::NegInf>{});
    case NormKind::General:
      return run(std::integral_constant<NormKind, NormKind::General>{});
    }
  });
  return out.dtype() == self.dtype() ? out : out.to(self.dtype());
}

// Lines scanned together when they lie next to each other in memory.
constexpr int64_t kScanBlock = 64;

// Inclusive scan (sum or product) along dim into a contiguous tensor of out_dtype.
template <bool IsSum>
Tensor scan_forward(const Tensor &self, int64_t dim, DType out_dtype, const char *op) {
  Tensor input = self;
  if (is_floating_point(out_dtype) && input.dtype() != out_dtype)
    input = input.to(out_dtype);
  input = computable(input);
  std::vector<bool> mask = single_dim_mask(input, dim, op);
  Shape out_strides = contiguous_strides(input.sizes());
  cpu::ReducePlan plan = cpu::make_reduce_plan(input, mask, out_strides, false);
  const int64_t length = plan.reduce_size;
  const int64_t in_step = plan.reduced.empty() ? 0 : plan.reduced.back().in_stride;
  const int64_t out_step = input.dim() == 0 ? 0 : out_strides[wrap_dim(dim, input.dim(), op)];
  Tensor out = dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    using Out = widened<T>;
    Tensor result = empty(input.sizes(), dtype(dtype_v<Out>));
    const T *in = static_cast<const T *>(input.data_ptr());
    Out *dst = result.data_ptr<Out>();
    // Scans `width` lines at once, line j at src + j * line_stride and dst + j * line_stride, a
    // step along dim at a time. (line_stride is a compile-time constant, 1 or, for one line, 0.)
    auto scan_lines = [&](const T *src, Out *out, int64_t width, auto line_stride) {
      std::array<scan_acc_of<T>, kScanBlock> acc;
      std::fill(acc.begin(), acc.begin() + width, IsSum ? 0 : 1);
      for (int64_t i = 0; i < length; ++i, src += in_step, out += out_step)
        for (int64_t j = 0; j < width; ++j) {
          auto x = static_cast<scan_acc_of<T>>(src[j * line_stride]);
          acc[j] = IsSum ? acc[j] + x : acc[j] * x;
          out[j * line_stride] = static_cast<Out>(acc[j]);
        }
    };
    // Lines next to each other in memory (a scan along an outer dim) go kScanBlock at a time, so
    // that each step reads and writes whole cache lines and vectorizes across lines; other lines
    // one at a time (interleaving lines a page apart measured slower).
    const cpu::ReduceDim lines = cpu::output_run_dim(plan.kept);
    const int64_t line_in_stride = lines.in_stride, line_out_stride = lines.out_stride;
    const bool adjacent_lines = line_in_stride == 1 && line_out_stride == 1;
    const std::integral_constant<int64_t, 0> zero;
    const std::integral_constant<int64_t, 1> one;
    // The lines of a run of count along the innermost kept dim, the first at in_at and out_at.
    auto scan_run = [&](int64_t in_at, int64_t out_at, int64_t count) {
      if (!adjacent_lines) {
        for (int64_t j = 0; j < count; ++j)
          scan_lines(in + in_at + j * line_in_stride, dst + out_at + j * line_out_stride, 1, zero);
        return;
      }
      for (int64_t j = 0; j < count; j += kScanBlock)
        scan_lines(in + in_at + j, dst + out_at + j, std::min(kScanBlock, count - j), one);
    };
    cpu::parallel_for(0, plan.num_outputs, std::max<int64_t>(1, cpu::kGrainSize / (length + 1)),
                      [&](int64_t begin, int64_t end) {
                        cpu::walk_output_runs(plan.kept, begin, end, scan_run);
                      });
    return result;
  });
  return out.dtype() == out_dtype ? out : out.to(out_dtype);
}

DType integral_widened(DType dtype) { return is_integral(dtype, true) ? kInt64 : dtype; }

// ---- backward helpers
// ----------------------------------------------------------------------------

// Gradient of amax/amin (and max()/min()): split equally among the elements equal to the result.
Tensor evenly_distribute(const Tensor &grad, const Tensor &input, const Tensor &result,
                         const std::vector<bool> &mask, bool keepdim) {
  Tensor hits = eq(input, unsqueeze_reduced(result, mask, keepdim));
  std::vector<int64_t> dims;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d])
      dims.push_back(static_cast<int64_t>(d));
  Tensor count = hits.sum(dims, true).to(grad.dtype());
  return where(hits, unsqueeze_reduced(grad, mask, keepdim) / count, 0.0);
}

// Products of all elements along the last dim except each one, without dividing (so zeros are
// fine): exclusive prefix products times exclusive suffix products.
Tensor products_except_self(const Tensor &x) {
  int64_t n = x.size(-1);
  Tensor before = pad(x.narrow(-1, 0, n - 1).cumprod(-1), {1, 0}, 1);
  Tensor after = pad(x.flip(-1).narrow(-1, 0, n - 1).cumprod(-1), {1, 0}, 1).flip(-1);
  return before * after;
}

// Gradient of prod over dim (of x with at least one dim).
Tensor prod_backward(const Tensor &grad, const Tensor &x, const Tensor &result, int64_t dim,
                     bool keepdim) {
  std::vector<bool> mask(x.dim(), false);
  mask[dim] = true;
  Tensor g = unsqueeze_reduced(grad, mask, keepdim);
  if (!any(eq(x, 0)).item<bool>())
    return g * unsqueeze_reduced(result, mask, keepdim) / x;
  return g * products_except_self(x.movedim(dim, -1)).movedim(-1, dim);
}

// Gradient of cumprod along dim. Without zeros: reverse cumsum of grad * out, divided by x.
// With zeros: sum over j >= i of grad_j * prod_{k <= j, k != i} x_k, formed as an n x n matrix
// per line (x with its i-th entry replaced by 1, cumulated), which is exact and differentiable.
Tensor cumprod_backward(const Tensor &grad, const Tensor &x, const Tensor &out, int64_t dim) {
  if (x.dim() == 0 || x.numel() == 0)
    return grad;
  auto reverse_cumsum = [dim](const Tensor &t) { return t.sum(dim, true) - t.cumsum(dim) + t; };
  if (!any(eq(x, 0)).item<bool>())
    return reverse_cumsum(grad * out) / x;
  int64_t n = x.size(dim);
  Tensor rows = arange(n).view({n, 1}), columns = arange(n).view({1, n});
  Tensor excluded = where(eq(rows, columns), 1.0, x.movedim(dim, -1).unsqueeze(-2)).cumprod(-1);
  Tensor terms = where(ge(columns, rows), excluded * grad.movedim(dim, -1).unsqueeze(-2), 0.0);
  return terms.sum(-1).movedim(-1, dim);
}

} // namespace

// ---- sum, mean, prod ---------------------------------------------------------------------------

Tensor sum(const Tensor &self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask(dims, self.dim(), "sum");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = sum_forward(self, mask, keepdim, dtype.value_or(integral_widened(self.dtype())), false,
                      "sum");
  }
  record_reduction(needs_grad, "SumBackward", self, out, {},
                   [mask, keepdim, sizes = self.sizes()](const BackwardContext &,
                                                         const TensorList &grads) -> TensorList {
                     return {expand_reduced(grads[0], mask, keepdim, sizes)};
                   });
  return out;
}

Tensor sum(const Tensor &self, std::optional<DType> dtype) { return sum(self, {}, false, dtype); }

Tensor mean(const Tensor &self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  DType out_dtype = dtype.value_or(self.dtype());
  EMBER_CHECK(is_floating_point(out_dtype),
              "mean(): could not infer output dtype. Input dtype must be either a floating point "
              "or complex dtype. Got: ",
              out_dtype);
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask(dims, self.dim(), "mean");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = sum_forward(self, mask, keepdim, out_dtype, true, "mean");
  }
  double count = static_cast<double>(reduced_count(self, mask));
  record_reduction(needs_grad, "MeanBackward", self, out, {},
                   [mask, keepdim, count, sizes = self.sizes()](
                       const BackwardContext &, const TensorList &grads) -> TensorList {
                     return {expand_reduced(grads[0] / count, mask, keepdim, sizes)};
                   });
  return out;
}

Tensor mean(const Tensor &self, std::optional<DType> dtype) { return mean(self, {}, false, dtype); }

Tensor prod(const Tensor &self, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = single_dim_mask(self, dim, "prod");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = prod_forward(self, mask, keepdim, dtype.value_or(integral_widened(self.dtype())));
  }
  int64_t wrapped = wrap_dim(dim, self.dim(), "prod");
  record_reduction(
      needs_grad, "ProdBackward", self, out, {self, out},
      [wrapped, keepdim](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
        const Tensor &x = ctx.saved[0];
        if (x.dim() == 0)
          return {grads[0]};
        return {prod_backward(grads[0], x, ctx.saved[1], wrapped, keepdim)};
      });
  return out;
}

Tensor prod(const Tensor &self, std::optional<DType> dtype) {
  bool needs_grad = autograd::needs_grad(self);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = prod_forward(self, dim_mask({}, self.dim(), "prod"), false,
                       dtype.value_or(integral_widened(self.dtype())));
  }
  record_reduction(
      needs_grad, "ProdBackward", self, out, {self, out},
      [](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
        const Tensor &x = ctx.saved[0];
        Tensor flat = x.reshape({-1});
        return {prod_backward(grads[0].reshape({1}), flat, ctx.saved[1].reshape({1}), 0, true)
                    .reshape(x.sizes())};
      });
  return out;
}

// ---- max, min, amax, amin, argmax, argmin
// --------------------------------------------------------

template <bool IsMax> Tensor extreme_all(const Tensor &self, const char *op, const char *node) {
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask({}, self.dim(), op);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = extreme_forward<IsMax>(self, mask, false, op);
  }
  record_reduction(needs_grad, node, self, out, {self, out},
                   [mask](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
                     return {evenly_distribute(grads[0], ctx.saved[0], ctx.saved[1], mask, false)};
                   });
  return out;
}

template <bool IsMax>
Tensor extreme_dims(const Tensor &self, IntArrayRef dims, bool keepdim, const char *op,
                    const char *node) {
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask(dims, self.dim(), op);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = extreme_forward<IsMax>(self, mask, keepdim, op);
  }
  record_reduction(
      needs_grad, node, self, out, {self, out},
      [mask, keepdim](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
        return {evenly_distribute(grads[0], ctx.saved[0], ctx.saved[1], mask, keepdim)};
      });
  return out;
}

template <bool IsMax>
std::tuple<Tensor, Tensor> extreme_dim(const Tensor &self, int64_t dim, bool keepdim,
                                       const char *op, const char *node) {
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = single_dim_mask(self, dim, op);
  Tensor values, indices;
  {
    NoGradGuard no_grad;
    std::tie(values, indices) = arg_extreme_forward<IsMax>(self, mask, keepdim, true, op);
  }
  // The gradient goes to the position of the chosen index (a one-hot mask along dim).
  if (needs_grad && self.dim() > 0 && is_floating_point(values.dtype())) {
    int64_t wrapped = wrap_dim(dim, self.dim(), op);
    autograd::record(node, {self}, {values}, {indices},
                     [mask, keepdim, wrapped, sizes = self.sizes()](
                         const BackwardContext &ctx, const TensorList &grads) -> TensorList {
                       Shape line(sizes.size(), 1);
                       line[wrapped] = sizes[wrapped];
                       Tensor positions = arange(sizes[wrapped]).view(line);
                       Tensor chosen =
                           eq(positions, unsqueeze_reduced(ctx.saved[0], mask, keepdim));
                       return {where(chosen, unsqueeze_reduced(grads[0], mask, keepdim), 0.0)};
                     });
  } else if (needs_grad) {
    autograd::record(
        node, {self}, {values}, {},
        [](const BackwardContext &, const TensorList &grads) -> TensorList { return {grads[0]}; });
  }
  return {values, indices};
}

Tensor max(const Tensor &self) { return extreme_all<true>(self, "max", "MaxBackward"); }
Tensor min(const Tensor &self) { return extreme_all<false>(self, "min", "MinBackward"); }
std::tuple<Tensor, Tensor> max(const Tensor &self, int64_t dim, bool keepdim) {
  return extreme_dim<true>(self, dim, keepdim, "max", "MaxBackward");
}
std::tuple<Tensor, Tensor> min(const Tensor &self, int64_t dim, bool keepdim) {
  return extreme_dim<false>(self, dim, keepdim, "min", "MinBackward");
}
Tensor amax(const Tensor &self, IntArrayRef dims, bool keepdim) {
  return extreme_dims<true>(self, dims, keepdim, "amax", "AmaxBackward");
}
Tensor amin(const Tensor &self, IntArrayRef dims, bool keepdim) {
  return extreme_dims<false>(self, dims, keepdim, "amin", "AminBackward");
}

template <bool IsMax>
Tensor arg_extreme(const Tensor &self, std::optional<int64_t> dim, bool keepdim, const char *op) {
  if (dim) {
    std::vector<bool> mask = single_dim_mask(self, *dim, op);
    return std::get<1>(arg_extreme_forward<IsMax>(self, mask, keepdim, false, op));
  }
  // Over all elements: the flat index; keepdim keeps every dim as size 1.
  std::vector<bool> mask = dim_mask({}, self.dim(), op);
  return std::get<1>(arg_extreme_forward<IsMax>(self, mask, keepdim, false, op));
}

Tensor argmax(const Tensor &self, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<true>(self, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor &self, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<false>(self, dim, keepdim, "argmin");
}

// ---- var, std, var_mean ------------------------------------------------------------------------

std::tuple<Tensor, Tensor> var_mean(const Tensor &self, IntArrayRef dims,
                                    std::optional<Scalar> correction, bool keepdim) {
  EMBER_CHECK(is_floating_point(self.dtype()),
              "var: std and var only support floating point and complex dtypes, got ",
              self.dtype());
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask(dims, self.dim(), "var");
  std::vector<int64_t> dim_list;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d])
      dim_list.push_back(static_cast<int64_t>(d));
  double count = static_cast<double>(reduced_count(self, mask));
  double divisor = std::max(0.0, count - (correction ? correction->to_double() : 1.0));
  Tensor var_out, mean_out;
  {
    // Two passes (mean, then squared deviations) for accuracy.
    NoGradGuard no_grad;
    Tensor mean_keep = mean(self, dim_list, true);
    Tensor deviation = self - mean_keep;
    var_out = sum(deviation * deviation, dim_list, keepdim) / divisor;
    mean_out = keepdim ? mean_keep : mean(self, dim_list, false);
  }
  if (needs_grad) {
    autograd::record("VarBackward", {self}, {var_out}, {self},
                     [dim_list, mask, keepdim, divisor](const BackwardContext &ctx,
                                                        const TensorList &grads) -> TensorList {
                       const Tensor &x = ctx.saved[0];
                       Tensor centered = x - mean(x, dim_list, true);
                       Tensor g = unsqueeze_reduced(grads[0], mask, keepdim);
                       return {g * centered * (2.0 / divisor)};
                     });
    autograd::record("MeanBackward", {self}, {mean_out}, {},
                     [mask, keepdim, count, sizes = self.sizes()](
                         const BackwardContext &, const TensorList &grads) -> TensorList {
                       return {expand_reduced(grads[0] / count, mask, keepdim, sizes)};
                     });
  }
  return {var_out, mean_out};
}

Tensor var(const Tensor &self, IntArrayRef dims, std::optional<Scalar> correction, bool keepdim) {
  return std::get<0>(var_mean(self, dims, correction, keepdim));
}

Tensor std(const Tensor &self, IntArrayRef dims, std::optional<Scalar> correction, bool keepdim) {
  return sqrt(var(self, dims, correction, keepdim));
}

// ---- logsumexp, norm
// -----------------------------------------------------------------------------

Tensor logsumexp(const Tensor &self, IntArrayRef dims, bool keepdim) {
  Tensor input = is_floating_point(self.dtype()) ? self : self.to(default_dtype());
  bool needs_grad = autograd::needs_grad(input);
  std::vector<bool> mask = dim_mask(dims, input.dim(), "logsumexp");
  std::vector<int64_t> dim_list;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d])
      dim_list.push_back(static_cast<int64_t>(d));
  Tensor out;
  {
    // Shift by the max so exp cannot overflow; an infinite max is replaced by 0 so that
    // inf - inf does not turn the result into NaN.
    NoGradGuard no_grad;
    Tensor shift = input.numel() == 0
                       ? zeros(reduce_target(input, mask, true).sizes, dtype(input.dtype()))
                       : amax(input, dim_list, true);
    shift.masked_fill_(shift.isinf(), 0);
    Tensor shifted = input - shift;
    shifted.exp_();
    out = sum(shifted, dim_list, true).log_().add_(shift);
    if (!keepdim)
      out = out.view(reduce_target(input, mask, false).sizes);
  }
  if (needs_grad)
    autograd::record(
        "LogsumexpBackward", {input}, {out}, {input, out},
        [mask, keepdim](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
          Tensor result = unsqueeze_reduced(ctx.saved[1], mask, keepdim);
          return {unsqueeze_reduced(grads[0], mask, keepdim) * exp(ctx.saved[0] - result)};
        });
  return out;
}

Tensor norm(const Tensor &self, const Scalar &p, IntArrayRef dims, bool keepdim) {
  EMBER_CHECK(is_floating_point(self.dtype()),
              "norm(): input dtype should be either floating point or complex. Got ", self.dtype(),
              " instead.");
  bool needs_grad = autograd::needs_grad(self);
  std::vector<bool> mask = dim_mask(dims, self.dim(), "norm");
  double order = p.to_double();
  Tensor out;
  {
    NoGradGuard no_grad;
    out = norm_forward(self, order, mask, keepdim);
  }
  record_reduction(
      needs_grad, "NormBackward", self, out, {self, out},
      [mask, keepdim, order](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
        const Tensor &x = ctx.saved[0];
        Tensor result = unsqueeze_reduced(ctx.saved[1], mask, keepdim);
        Tensor g = unsqueeze_reduced(grads[0], mask, keepdim);
        switch (norm_kind(order)) {
        case NormKind::Zero:
          return {zeros_like(x)};
        case NormKind::One:
          return {g * x.sign()};
        case NormKind::Two:
          // A zero norm has a zero subgradient.
          return {x * (g / result).masked_fill(eq(result, 0), 0)};
        case NormKind::Inf:
        case NormKind::NegInf:
          return {evenly_distribute(grads[0], x.abs(), ctx.saved[1], mask, keepdim) * x.sign()};
        case NormKind::General:
          break;
        }
        // d|x|_p / dx = x |x|^(p-2) / |x|_p^(p-1); zero where x or the norm is zero.
        Tensor scale = (g / result.pow(order - 1)).masked_fill(eq(result, 0), 0);
        Tensor magnitude = where(eq(x, 0), 0.0, x * x.abs().pow(order - 2));
        return {magnitude * scale};
      });
  return out;
}

// ---- all, any
// ------------------------------------------------------------------------------------

Tensor all(const Tensor &self) {
  return logical_forward<true>(self, dim_mask({}, self.dim(), "all"), false, "all");
}
Tensor all(const Tensor &self, int64_t dim, bool keepdim) {
  return logical_forward<true>(self, single_dim_mask(self, dim, "all"), keepdim, "all");
}
Tensor any(const Tensor &self) {
  return logical_forward<false>(self, dim_mask({}, self.dim(), "any"), false, "any");
}
Tensor any(const Tensor &self, int64_t dim, bool keepdim) {
  return logical_forward<false>(self, single_dim_mask(self, dim, "any"), keepdim, "any");
}

// ---- cumsum, cumprod
// -----------------------------------------------------------------------------

Tensor cumsum(const Tensor &self, int64_t dim, std::optional<DType> dtype) {
  bool needs_grad = autograd::needs_grad(self);
  int64_t wrapped = wrap_dim(dim, self.dim(), "cumsum");
  Tensor out;
  {
    NoGradGuard no_grad;
    out =
        scan_forward<true>(self, wrapped, dtype.value_or(integral_widened(self.dtype())), "cumsum");
  }
  // The gradient of x_i is the sum of grad_j over j >= i: a reversed cumulative sum.
  record_reduction(needs_grad, "CumsumBackward", self, out, {},
                   [wrapped](const BackwardContext &, const TensorList &grads) -> TensorList {
                     const Tensor &g = grads[0];
                     if (g.dim() == 0)
                       return {g};
                     return {g.sum(wrapped, true) - g.cumsum(wrapped) + g};
                   });
  return out;
}

Tensor cumprod(const Tensor &self, int64_t dim, std::optional<DType> dtype) {
  bool needs_grad = autograd::needs_grad(self);
  int64_t wrapped = wrap_dim(dim, self.dim(), "cumprod");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = scan_forward<false>(self, wrapped, dtype.value_or(integral_widened(self.dtype())),
                              "cumprod");
  }
  record_reduction(needs_grad, "CumprodBackward", self, out, {self, out},
                   [wrapped](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
                     return {cumprod_backward(grads[0], ctx.saved[0], ctx.saved[1], wrapped)};
                   });
  return out;
}

// ---- sum_to
// ----------------------------------------------------------------------------------------

Tensor sum_to(const Tensor &self, IntArrayRef sizes) {
  const int64_t leading = self.dim() - static_cast<int64_t>(sizes.size());
  EMBER_CHECK(leading >= 0, "sum_to: cannot reduce shape ", self.sizes(), " to ", sizes);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d < leading) {
      dims.push_back(d);
      continue;
    }
    int64_t target = sizes[d - leading];
    EMBER_CHECK(target == self.size(d) || target == 1, "sum_to: cannot reduce shape ", self.sizes(),
                " to ", sizes);
    if (target == 1 && self.size(d) != 1)
      dims.push_back(d);
  }
  if (dims.empty()) // leading dims would have been listed, so the shapes already agree
    return self;
  return sum(self, dims, true).view(sizes);
}

// ---- Tensor methods
// ------------------------------------------------------------------------------

Tensor Tensor::sum(std::optional<DType> dtype) const { return ember::sum(*this, dtype); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::sum(*this, dims, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<DType> dtype) const { return ember::mean(*this, dtype); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::mean(*this, dims, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<DType> dtype) const { return ember::prod(*this, dtype); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ember::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::max() const { return ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return ember::max(*this, dim, keepdim);
}
Tensor Tensor::max(const Tensor &other) const { return ember::maximum(*this, other); }
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return ember::min(*this, dim, keepdim);
}
Tensor Tensor::min(const Tensor &other) const { return ember::minimum(*this, other); }
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const {
  return ember::amax(*this, dims, keepdim);
}
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const {
  return ember::amin(*this, dims, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmin(*this, dim, keepdim);
}
Tensor Tensor::var(IntArrayRef dims, std::optional<Scalar> correction, bool keepdim) const {
  return ember::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(IntArrayRef dims, std::optional<Scalar> correction, bool keepdim) const {
  return ember::std(*this, dims, correction, keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const {
  return ember::logsumexp(*this, dims, keepdim);
}
Tensor Tensor::norm(const Scalar &p, IntArrayRef dims, bool keepdim) const {
  return ember::norm(*this, p, dims, keepdim);
}
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return ember::all(*this, dim, keepdim); }
Tensor Tensor::any() const { return ember::any(*this); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return ember::any(*this, dim, keepdim); }
Tensor Tensor::cumsum(int64_t dim, std::optional<DType> dtype) const {
  return ember::cumsum(*this, dim, dtype);
}
Tensor Tensor::cumprod(int64_t dim, std::optional<DType> dtype) const {
  return ember::cumprod(*this, dim, dtype);
}

} // namespace ember
