// Elementwise ops: unary math, binary arithmetic, comparisons and logic, clamp, lerp, where,
// masked_fill, type promotion (result_type) and allclose/equal. Most ops are one row of a table
// below that holds the scalar functor and the backward formula side by side; the rows expand to
// the function, the Tensor methods and the in-place form. Kernels:
// backend/cpu/elementwise_kernels.h.
#include <cmath>
#include <numbers>

#include "autograd/record.h"
#include "backend/cpu/elementwise_kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

#if EMBER_HAVE_VECTOR_MATH
namespace sleef = cpu::sleef;
#endif

// ---- type promotion ---------------------------------------------------------------------------
// torch's rule: operands fall into three priority classes (tensors with dims, 0-d tensors,
// wrapped numbers); a lower class only matters when it is of a higher category
// (bool < integral < floating) than everything above it.
std::optional<DType> combine_categories(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher)
    return lower;
  if (!lower || is_floating_point(*higher))
    return higher;
  if (*higher == kBool || is_floating_point(*lower))
    return promote_types(*higher, *lower);
  return higher;
}

DType result_type_of(std::initializer_list<const Tensor *> operands) {
  std::optional<DType> dimensioned, zero_dim, wrapped;
  for (const Tensor *operand : operands) {
    if (!operand->defined())
      continue;
    DType dtype = operand->dtype();
    std::optional<DType> *slot = &dimensioned;
    if (operand->impl()->is_wrapped_number) {
      slot = &wrapped;
      if (is_floating_point(dtype)) // a C++ double counts as the default dtype
        dtype = default_dtype();
    } else if (operand->dim() == 0) {
      slot = &zero_dim;
    }
    *slot = slot->has_value() ? promote_types(**slot, dtype) : dtype;
  }
  return combine_categories(dimensioned, combine_categories(zero_dim, wrapped)).value_or(kFloat32);
}

// A C++ number as a 0-d tensor that takes part in promotion with the lowest priority. Floats
// are kept in double so that no precision is lost before the op picks its compute dtype.
Tensor wrap(const Scalar &value) {
  DType dtype = value.is_floating_point() ? kFloat64 : value.is_bool() ? kBool : kInt64;
  Tensor wrapped = scalar_tensor(value, ember::dtype(dtype));
  wrapped.impl()->is_wrapped_number = true;
  return wrapped;
}

// tensor in dtype, for a kernel: the conversion is part of the op, not a step autograd sees.
Tensor converted(const Tensor &tensor, DType dtype) {
  if (tensor.dtype() == dtype)
    return tensor;
  NoGradGuard no_grad;
  return tensor.to(dtype);
}

// Arithmetic dispatch without bool, for ops torch does not define on bool tensors.
template <typename Fn> void dispatch_numeric(DType dtype, const char *op, Fn &&fn) {
  switch (dtype) {
  case kUInt8:
    return fn(uint8_t{});
  case kInt32:
    return fn(int32_t{});
  case kInt64:
    return fn(int64_t{});
  case kFloat32:
    return fn(float{});
  case kFloat64:
    return fn(double{});
  case kBool:
    throw Error(detail::concat(op, ": not supported for bool tensors"));
  default:
    dispatch_arith(dtype, op, [](auto) {}); // throws its message for the storage-only types
  }
}

// "floor_divide" -> "FloorDivideBackward", the name of the recorded node.
std::string node_name(std::string_view op) {
  std::string name;
  bool upper = true;
  for (char c : op) {
    if (c == '_') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name + "Backward";
}

bool requires_grad_output(const Tensor &result) { return is_floating_point(result.dtype()); }

// Whether other shares memory with self without being exactly self: writing self in place
// could then change elements of other before they are read.
bool partially_overlaps(const Tensor &self, const Tensor &other) {
  return other.defined() && other.impl()->storage() == self.impl()->storage() &&
         !(other.data_ptr() == self.data_ptr() && other.sizes() == self.sizes() &&
           other.strides() == self.strides());
}

void check_inplace_shape(const char *op, const Tensor &self, const Shape &broadcast) {
  EMBER_CHECK(broadcast == self.sizes(), op, ": output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", broadcast);
}

// The common tail of every in-place op: check that the result dtype fits self, let autograd
// rewrite history when it records, and otherwise write with kernel straight into self (through
// its strides) when direct is possible, or through compute and copy_ when not.
Tensor &run_inplace(Tensor &self, const char *op, DType result_dtype, bool needs_grad, bool direct,
                    const std::function<Tensor(const Tensor &)> &compute,
                    const std::function<void()> &kernel) {
  check_can_cast(result_dtype, self.dtype(), op);
  if (needs_grad)
    return autograd::apply_inplace(self, op, compute);
  if (direct && result_dtype == self.dtype()) {
    kernel();
    self.impl()->storage()->bump_version();
  } else {
    self.copy_(compute(self));
  }
  return self;
}

// ---- scalar helpers shared by the functors ------------------------------------------------------
// Thrown by integer division kernels; the op adds its name.
struct ZeroDivision {};

template <typename T> T checked_divisor(T b) {
  if (b == 0)
    throw ZeroDivision{};
  return b;
}

template <typename T> T abs_value(T x) {
  if constexpr (std::is_unsigned_v<T>)
    return x;
  else
    return x < 0 ? static_cast<T>(-x) : x;
}

template <typename T> T sign_value(T x) {
  if constexpr (std::is_unsigned_v<T>)
    return static_cast<T>(x != 0);
  else
    return static_cast<T>((T(0) < x) - (x < T(0))); // NaN gives 0, as in torch
}

template <typename T> T relu_value(T x) { return std::max(x, T(0)); } // keeps NaN

template <typename T> T mul_value(T a, T b) {
  if constexpr (std::is_same_v<T, bool>)
    return a && b;
  else
    return static_cast<T>(a * b);
}

// NaN-propagating minimum and maximum, as torch.minimum/maximum and clamp.
template <typename T> T maximum_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (a != a)
      return a;
  return a > b ? a : b;
}
template <typename T> T minimum_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (a != a)
      return a;
  return a < b ? a : b;
}

// Python's modulo: the result takes the sign of the divisor.
template <typename T> T remainder_value(T a, T b) {
  if constexpr (std::is_unsigned_v<T>) {
    return static_cast<T>(a % checked_divisor(b));
  } else {
    T r;
    if constexpr (std::is_integral_v<T>)
      r = static_cast<T>(a % checked_divisor(b));
    else
      r = std::fmod(a, b);
    return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
  }
}

template <typename T> T fmod_value(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(a % checked_divisor(b));
  else
    return std::fmod(a, b);
}

template <typename T> T trunc_divide_value(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(a / checked_divisor(b));
  else
    return std::trunc(a / b);
}

template <typename T> T floor_divide_value(T a, T b) {
  if constexpr (std::is_unsigned_v<T>) {
    return static_cast<T>(a / checked_divisor(b));
  } else if constexpr (std::is_integral_v<T>) {
    T quotient = static_cast<T>(a / checked_divisor(b));
    return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(quotient - 1) : quotient;
  } else {
    // torch's div_floor_floating: exact for large quotients, IEEE results for b == 0.
    if (b == 0)
      return a / b;
    T mod = std::fmod(a, b);
    T quotient = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0)))
      quotient -= 1;
    if (quotient == 0)
      return std::copysign(T(0), a / b);
    T floored = std::floor(quotient);
    return quotient - floored > T(0.5) ? floored + 1 : floored;
  }
}

template <typename T> T pow_value(T base, T exponent) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::pow(base, exponent);
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (exponent < 0) // only 1 and -1 have integer reciprocals; the rest truncate to 0
        return base == 1 ? T(1) : base == -1 ? T(exponent % 2 == 0 ? 1 : -1) : T(0);
    }
    // Square-and-multiply in unsigned arithmetic, so overflow wraps instead of being undefined.
    using U = std::make_unsigned_t<T>;
    U result = 1, factor = static_cast<U>(base);
    for (U e = static_cast<U>(exponent); e != 0; e >>= 1) {
      if (e & 1)
        result = static_cast<U>(result * factor);
      factor = static_cast<U>(factor * factor);
    }
    return static_cast<T>(result);
  }
}

[[noreturn]] Tensor not_differentiable(const char *op) {
  throw Error(detail::concat(op, ": the derivative is not implemented"));
}

// ---- unary ops
// ------------------------------------------------------------------------------------- Which
// dtypes an op takes and what it returns.
enum class Domain {
  All,        // any arithmetic dtype, same dtype out
  NoBool,     // not bool, same dtype out
  Float,      // integers and bool compute in the default float dtype
  FloatOnly,  // floating dtypes only
  BoolToLong, // bool computes in int64 (torch.square)
};

DType unary_result_dtype(const char *op, Domain domain, DType input) {
  switch (domain) {
  case Domain::Float:
    return is_floating_point(input) ? input : default_dtype();
  case Domain::FloatOnly:
    EMBER_CHECK(is_floating_point(input), op, ": expected a floating point tensor, got ", input);
    return input;
  case Domain::BoolToLong:
    return input == kBool ? kInt64 : input;
  case Domain::NoBool:
    EMBER_CHECK(input != kBool, op, ": not supported for bool tensors",
                std::string_view(op).starts_with("neg") ? " (use logical_not to invert a mask)"
                                                        : "");
    return input;
  case Domain::All:
    return input;
  }
  return input;
}

template <Domain D, typename Op>
void unary_kernel(const char *op, const Tensor &out, const Tensor &input) {
  auto run = [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T>(Op{}, out, input);
  };
  if constexpr (D == Domain::Float || D == Domain::FloatOnly)
    dispatch_floating(out.dtype(), op, run);
  else if constexpr (D == Domain::All)
    dispatch_arith(out.dtype(), op, run);
  else
    dispatch_numeric(out.dtype(), op, run);
}

// What a backward formula needs kept from the forward.
enum class Saves { None, Self, Result };
using UnaryBackward = Tensor (*)(const Tensor &grad, const Tensor &self, const Tensor &result);

template <Domain D, typename Op>
Tensor unary_op(const char *op, const Tensor &self, Saves saves, UnaryBackward backward) {
  DType dtype = unary_result_dtype(op, D, self.dtype());
  Tensor result = empty(self.sizes(), ember::dtype(dtype));
  unary_kernel<D, Op>(op, result, converted(self, dtype));
  if (requires_grad_output(result) && autograd::needs_grad(self)) {
    TensorList saved;
    if (saves == Saves::Self)
      saved = {self};
    else if (saves == Saves::Result)
      saved = {result};
    autograd::record(node_name(op), {self}, {result}, saved,
                     [saves, backward](const autograd::BackwardContext &ctx,
                                       const TensorList &grads) -> TensorList {
                       const Tensor none;
                       const Tensor &self = saves == Saves::Self ? ctx.saved[0] : none;
                       const Tensor &result = saves == Saves::Result ? ctx.saved[0] : none;
                       return {backward(grads[0], self, result)};
                     });
  }
  return result;
}

template <Domain D, typename Op>
Tensor &unary_inplace(const char *op, Tensor &self, Tensor (*compute)(const Tensor &)) {
  DType dtype = unary_result_dtype(op, D, self.dtype());
  return run_inplace(self, op, dtype, autograd::needs_grad(self), true, compute,
                     [&] { unary_kernel<D, Op>(op, self, self); });
}

// The unary op table. UNARY(name, domain, scalar formula in x, saves, backward formula) where the
// backward is written with ember ops in grad, self and result; UNARY_VEC adds a vector formula
// in v (a SIMD vector of float or double) for the contiguous fast path.
// clang-format off
#define EMBER_UNARY_OPS(UNARY, UNARY_VEC)                                                          \
  UNARY(neg, NoBool, -x, None, -grad)                                                              \
  UNARY(abs, NoBool, abs_value(x), Self, grad * sign(self))                                        \
  UNARY(sign, All, sign_value(x), None, zeros_like(grad))                                          \
  UNARY_VEC(sqrt, Float, std::sqrt(x), sleef::sqrt(v), Result, grad / (2 * result))                \
  UNARY_VEC(rsqrt, Float, 1 / std::sqrt(x), 1 / sleef::sqrt(v), Result,                            \
            -0.5 * grad * result * result * result)                                                \
  UNARY(square, BoolToLong, x * x, Self, 2 * grad * self)                                          \
  UNARY(reciprocal, Float, 1 / x, Result, -grad * result * result)                                 \
  UNARY_VEC(exp, Float, std::exp(x), sleef::exp(v), Result, grad * result)                         \
  UNARY_VEC(exp2, Float, std::exp2(x), sleef::exp2(v), Result, grad * result * std::numbers::ln2)  \
  UNARY_VEC(expm1, Float, std::expm1(x), sleef::expm1(v), Result, grad * (result + 1))             \
  UNARY_VEC(log, Float, std::log(x), sleef::log(v), Self, grad / self)                             \
  UNARY_VEC(log2, Float, std::log2(x), sleef::log2(v), Self, grad / (self * std::numbers::ln2))    \
  UNARY_VEC(log10, Float, std::log10(x), sleef::log10(v), Self,                                    \
            grad / (self * std::numbers::ln10))                                                    \
  UNARY_VEC(log1p, Float, std::log1p(x), sleef::log1p(v), Self, grad / (self + 1))                 \
  UNARY_VEC(sin, Float, std::sin(x), sleef::sin(v), Self, grad * cos(self))                        \
  UNARY_VEC(cos, Float, std::cos(x), sleef::cos(v), Self, -grad * sin(self))                       \
  UNARY_VEC(tan, Float, std::tan(x), sleef::tan(v), Result, grad * (1 + result * result))          \
  UNARY_VEC(asin, Float, std::asin(x), sleef::asin(v), Self, grad * rsqrt(1 - self * self))        \
  UNARY_VEC(acos, Float, std::acos(x), sleef::acos(v), Self, -grad * rsqrt(1 - self * self))       \
  UNARY_VEC(atan, Float, std::atan(x), sleef::atan(v), Self, grad / (1 + self * self))             \
  UNARY_VEC(sinh, Float, std::sinh(x), sleef::sinh(v), Self, grad * cosh(self))                    \
  UNARY_VEC(cosh, Float, std::cosh(x), sleef::cosh(v), Self, grad * sinh(self))                    \
  UNARY_VEC(tanh, Float, std::tanh(x), sleef::tanh(v), Result, grad * (1 - result * result))       \
  UNARY_VEC(sigmoid, Float, 1 / (1 + std::exp(-x)), 1 / (1 + sleef::exp(-v)), Result,              \
            grad * result * (1 - result))                                                          \
  UNARY(relu, NoBool, relu_value(x), Result, grad * (result > 0))                                  \
  UNARY_VEC(erf, Float, std::erf(x), sleef::erf(v), Self,                                          \
            grad * (2 * std::numbers::inv_sqrtpi) * exp(-self * self))                             \
  UNARY(floor, NoBool, std::is_integral_v<T> ? x : std::floor(x), None, zeros_like(grad))          \
  UNARY(ceil, NoBool, std::is_integral_v<T> ? x : std::ceil(x), None, zeros_like(grad))            \
  UNARY(round, NoBool, std::is_integral_v<T> ? x : std::nearbyint(x), None, zeros_like(grad))      \
  UNARY(trunc, NoBool, std::is_integral_v<T> ? x : std::trunc(x), None, zeros_like(grad))          \
  UNARY(frac, FloatOnly, x - std::trunc(x), None, grad)
// clang-format on

#define EMBER_UNARY_FUNCTOR(scalar_formula)                                                        \
  template <typename T> T operator()(T x) const { return static_cast<T>(scalar_formula); }
#define EMBER_UNARY_DEFINE_OP(name, domain, scalar_formula, saves, backward)                       \
  struct name##_op {                                                                               \
    EMBER_UNARY_FUNCTOR(scalar_formula)                                                            \
  };
#if EMBER_HAVE_VECTOR_MATH
#define EMBER_UNARY_DEFINE_VEC_OP(name, domain, scalar_formula, vector_formula, saves, backward)   \
  struct name##_op {                                                                               \
    EMBER_UNARY_FUNCTOR(scalar_formula)                                                            \
    template <typename V> V vec(V v) const { return vector_formula; }                              \
  };
#else
#define EMBER_UNARY_DEFINE_VEC_OP(name, domain, scalar_formula, vector_formula, saves, backward)   \
  EMBER_UNARY_DEFINE_OP(name, domain, scalar_formula, saves, backward)
#endif
EMBER_UNARY_OPS(EMBER_UNARY_DEFINE_OP, EMBER_UNARY_DEFINE_VEC_OP)
#undef EMBER_UNARY_DEFINE_OP
#undef EMBER_UNARY_DEFINE_VEC_OP
#undef EMBER_UNARY_FUNCTOR

// ---- predicates: any dtype in, bool out --------------------------------------------------------
// Half and bfloat16 compare through float.
template <typename T> auto arithmetic(T x) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return static_cast<float>(x);
  else
    return x;
}

struct isnan_op {
  template <typename T> bool operator()(T x) const {
    auto value = arithmetic(x);
    return value != value;
  }
};
struct isinf_op {
  template <typename T> bool operator()(T x) const {
    auto value = arithmetic(x);
    if constexpr (std::is_floating_point_v<decltype(value)>)
      return std::abs(value) == std::numeric_limits<decltype(value)>::infinity();
    else
      return false;
  }
};
struct isfinite_op {
  template <typename T> bool operator()(T x) const {
    auto value = arithmetic(x);
    if constexpr (std::is_floating_point_v<decltype(value)>)
      return value - value == 0; // false for inf and NaN
    else
      return true;
  }
};
struct logical_not_op {
  template <typename T> bool operator()(T x) const { return arithmetic(x) == 0; }
};

template <typename Op> Tensor predicate(const char *op, const Tensor &self) {
  Tensor result = empty(self.sizes(), dtype(kBool));
  dispatch_all(self.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    cpu::map<bool, T>(Op{}, result, self);
  });
  return result;
}

// ---- binary ops
// -----------------------------------------------------------------------------------
enum class Kind {
  Arith,   // result_type, bool allowed
  Numeric, // result_type, bool rejected
  Float,   // result_type, integers computed in the default float dtype
  Compare, // computed in result_type, bool out
  Logical, // computed in result_type, bool out
};

constexpr bool has_bool_output(Kind kind) { return kind == Kind::Compare || kind == Kind::Logical; }

struct BinaryPlan {
  Shape shape;
  DType compute;
  DType output;
};

BinaryPlan plan_binary(const char *op, Kind kind, const Tensor &a, const Tensor &b) {
  BinaryPlan plan;
  plan.shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  plan.compute = result_type_of({&a, &b});
  if (kind == Kind::Float && !is_floating_point(plan.compute))
    plan.compute = default_dtype();
  plan.output = has_bool_output(kind) ? kBool : plan.compute;
  return plan;
}

// Runs Op<T>{params...} over a and b into out; params (Scalars) convert to the compute type.
template <Kind K, template <typename> class Op, typename... Params>
void binary_kernel(const char *op, const Tensor &out, const Tensor &a, const Tensor &b,
                   DType compute, const Params &...params) {
  auto run = [&](auto tag) {
    using T = decltype(tag);
    using Out = std::conditional_t<has_bool_output(K), bool, T>;
    cpu::map<Out, T, T>(Op<T>{params.template to<T>()...}, out, converted(a, compute),
                        converted(b, compute));
  };
  try {
    if constexpr (K == Kind::Float)
      dispatch_floating(compute, op, run);
    else if constexpr (K == Kind::Numeric)
      dispatch_numeric(compute, op, run);
    else
      dispatch_arith(compute, op, run);
  } catch (const ZeroDivision &) {
    throw Error(detail::concat(op, ": ZeroDivisionError (integer division by zero)"));
  }
}

template <Kind K, template <typename> class Op, typename... Params>
Tensor binary_forward(const char *op, const Tensor &a, const Tensor &b, const Params &...params) {
  BinaryPlan plan = plan_binary(op, K, a, b);
  Tensor out = empty(plan.shape, dtype(plan.output));
  binary_kernel<K, Op>(op, out, a, b, plan.compute, params...);
  return out;
}

template <Kind K, template <typename> class Op, typename... Params>
Tensor &binary_inplace(const char *op, Tensor &self, const Tensor &other,
                       const std::function<Tensor(const Tensor &)> &compute,
                       const Params &...params) {
  BinaryPlan plan = plan_binary(op, K, self, other);
  check_inplace_shape(op, self, plan.shape);
  bool direct = plan.compute == self.dtype() && !partially_overlaps(self, other);
  return run_inplace(self, op, plan.output, autograd::needs_grad(self, other), direct, compute,
                     [&] { binary_kernel<K, Op>(op, self, self, other, plan.compute, params...); });
}

// Which forward values a binary backward needs: a bit set.
enum BinarySaves : unsigned { kSavesNone = 0, kSavesSelf = 1, kSavesOther = 2, kSavesResult = 4 };
using BinaryBackward = Tensor (*)(const Tensor &grad, const Tensor &self, const Tensor &other,
                                  const Tensor &result);

void record_binary(const char *op, const Tensor &self, const Tensor &other, const Tensor &result,
                   unsigned saves, BinaryBackward self_backward, BinaryBackward other_backward) {
  TensorList saved;
  if (saves & kSavesSelf)
    saved.push_back(self);
  if (saves & kSavesOther)
    saved.push_back(other);
  if (saves & kSavesResult)
    saved.push_back(result);
  autograd::record(
      node_name(op), {self, other}, {result}, saved,
      [saves, self_backward, other_backward](const autograd::BackwardContext &ctx,
                                             const TensorList &grads) -> TensorList {
        Tensor values[3]; // self, other, result, where saved
        size_t next = 0;
        for (unsigned slot = 0; slot < 3; ++slot)
          if (saves & (1u << slot))
            values[slot] = ctx.saved[next++];
        return {ctx.needs(0) ? self_backward(grads[0], values[0], values[1], values[2]) : Tensor(),
                ctx.needs(1) ? other_backward(grads[0], values[0], values[1], values[2])
                             : Tensor()};
      });
}

void no_check(const Tensor &, const Tensor &) {}

// torch rejects a negative integer scalar exponent on an integer tensor (the result would be 0).
void check_pow(const Tensor &self, const Tensor &exponent) {
  if (exponent.impl()->is_wrapped_number && is_integral(exponent.dtype(), false) &&
      is_integral(self.dtype(), true))
    EMBER_CHECK(exponent.item<int64_t>() >= 0,
                "pow: integers to negative integer powers are not allowed");
}

// The binary op table: BINARY(name, kind, check, scalar formula in a and b, saves, backward for
// self, backward for other), the backwards written with ember ops in grad, self, other and
// result. BINARY_VEC adds a vector formula in va, vb. check(self, other) runs before the op.
// clang-format off
#define EMBER_BINARY_OPS(BINARY, BINARY_VEC)                                                       \
  BINARY(mul, Arith, no_check, mul_value(a, b), kSavesSelf | kSavesOther,                          \
         grad * other,                                                                             \
         grad * self)                                                                              \
  BINARY(remainder, Numeric, no_check, remainder_value(a, b), kSavesSelf | kSavesOther,            \
         grad,                                                                                     \
         -grad * div(self, other, "floor"))                                                        \
  BINARY(fmod, Numeric, no_check, fmod_value(a, b), kSavesSelf | kSavesOther,                      \
         grad,                                                                                     \
         -grad * div(self, other, "trunc"))                                                        \
  BINARY(floor_divide, Numeric, no_check, floor_divide_value(a, b), kSavesNone,                    \
         not_differentiable("floor_divide"),                                                       \
         not_differentiable("floor_divide"))                                                       \
  BINARY_VEC(pow, Numeric, check_pow, pow_value(a, b), sleef::pow(va, vb),                         \
             kSavesSelf | kSavesOther | kSavesResult,                                              \
             where(other == 0, 0, grad * other * pow(self, other - 1)),                            \
             grad * where(logical_and(self == 0, other >= 0), 0,                                   \
                          result * log(self.to(result.dtype()))))                                  \
  BINARY_VEC(atan2, Float, no_check, std::atan2(a, b), sleef::atan2(va, vb),                       \
             kSavesSelf | kSavesOther,                                                             \
             grad * other / (self * self + other * other),                                         \
             -grad * self / (self * self + other * other))                                         \
  BINARY(minimum, Arith, no_check, minimum_value(a, b), kSavesSelf | kSavesOther,                  \
         where(self == other, grad / 2, grad).masked_fill(self > other, 0),                        \
         where(self == other, grad / 2, grad).masked_fill(self < other, 0))                        \
  BINARY(maximum, Arith, no_check, maximum_value(a, b), kSavesSelf | kSavesOther,                  \
         where(self == other, grad / 2, grad).masked_fill(self < other, 0),                        \
         where(self == other, grad / 2, grad).masked_fill(self > other, 0))

// Comparisons and logic: bool results, never recorded. PREDICATE(name, kind, formula in a, b).
#define EMBER_BINARY_PREDICATES(PREDICATE)                                                         \
  PREDICATE(eq, Compare, a == b)                                                                   \
  PREDICATE(ne, Compare, a != b)                                                                   \
  PREDICATE(lt, Compare, a < b)                                                                    \
  PREDICATE(le, Compare, a <= b)                                                                   \
  PREDICATE(gt, Compare, a > b)                                                                    \
  PREDICATE(ge, Compare, a >= b)                                                                   \
  PREDICATE(logical_and, Logical, a != T(0) && b != T(0))                                          \
  PREDICATE(logical_or, Logical, a != T(0) || b != T(0))                                           \
  PREDICATE(logical_xor, Logical, (a != T(0)) != (b != T(0)))
// clang-format on

// Integer division ops may throw; their loops must not be `omp simd`.
#define EMBER_BINARY_FUNCTOR(kind, scalar_formula)                                                 \
  static constexpr bool kMayThrow = Kind::kind == Kind::Numeric && std::is_integral_v<T>;          \
  auto operator()(T a, T b) const {                                                                \
    using Out = std::conditional_t<has_bool_output(Kind::kind), bool, T>;                          \
    return static_cast<Out>(scalar_formula);                                                       \
  }
#define EMBER_BINARY_DEFINE_OP(name, kind, check, scalar_formula, ...)                             \
  template <typename T> struct name##_op { EMBER_BINARY_FUNCTOR(kind, scalar_formula) };
#if EMBER_HAVE_VECTOR_MATH
#define EMBER_BINARY_DEFINE_VEC_OP(name, kind, check, scalar_formula, vector_formula, ...)         \
  template <typename T> struct name##_op {                                                         \
    EMBER_BINARY_FUNCTOR(kind, scalar_formula)                                                     \
    template <typename V> V vec(V va, V vb) const { return vector_formula; }                       \
  };
#else
#define EMBER_BINARY_DEFINE_VEC_OP(name, kind, check, scalar_formula, vector_formula, ...)         \
  EMBER_BINARY_DEFINE_OP(name, kind, check, scalar_formula)
#endif
#define EMBER_PREDICATE_DEFINE_OP(name, kind, formula)                                             \
  EMBER_BINARY_DEFINE_OP(name, kind, _, formula)
EMBER_BINARY_OPS(EMBER_BINARY_DEFINE_OP, EMBER_BINARY_DEFINE_VEC_OP)
EMBER_BINARY_PREDICATES(EMBER_PREDICATE_DEFINE_OP)
#undef EMBER_BINARY_DEFINE_OP
#undef EMBER_BINARY_DEFINE_VEC_OP
#undef EMBER_PREDICATE_DEFINE_OP
#undef EMBER_BINARY_FUNCTOR

// ---- add, sub, div: extra arguments, hand-written functors --------------------------------------
template <typename T> struct add_op {
  T alpha;
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || (alpha && b);
    else
      return static_cast<T>(a + alpha * b);
  }
};
template <typename T> struct sub_op {
  T alpha;
  T operator()(T a, T b) const { return static_cast<T>(a - alpha * b); }
};
template <typename T> struct div_op {
  T operator()(T a, T b) const { return a / b; }
};
template <typename T> struct div_trunc_op {
  static constexpr bool kMayThrow = std::is_integral_v<T>;
  T operator()(T a, T b) const { return trunc_divide_value(a, b); }
};
template <typename T> struct div_floor_op {
  static constexpr bool kMayThrow = std::is_integral_v<T>;
  T operator()(T a, T b) const { return floor_divide_value(a, b); }
};

void check_alpha(const char *op, DType result, const Scalar &alpha) {
  EMBER_CHECK(!alpha.is_bool() || result == kBool, op,
              ": boolean alpha only supported for boolean results");
  EMBER_CHECK(is_floating_point(result) || !alpha.is_floating_point(), op,
              ": for integral input tensors, argument alpha must not be a floating point number");
}

void check_sub(const Tensor &self, const Tensor &other) {
  EMBER_CHECK(self.dtype() != kBool || other.dtype() != kBool,
              "sub: subtraction, the `-` operator, with two bool tensors is not supported; use "
              "the `^` or logical_xor() operator instead");
  EMBER_CHECK(self.dtype() != kBool && other.dtype() != kBool,
              "sub: subtraction, the `-` operator, with a bool tensor is not supported; to invert "
              "a mask use the `~` or logical_not() operator instead");
}

enum class RoundingMode { None, Trunc, Floor };

RoundingMode parse_rounding_mode(const std::optional<std::string> &mode) {
  if (!mode)
    return RoundingMode::None;
  if (*mode == "trunc")
    return RoundingMode::Trunc;
  EMBER_CHECK(*mode == "floor",
              "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '",
              *mode, "'");
  return RoundingMode::Floor;
}

// ---- clamp, lerp, where, masked_fill functors ---------------------------------------------------
template <typename T> struct clamp_op {
  T low, high;
  T operator()(T x) const { return minimum_value(maximum_value(x, low), high); }
};
struct clamp_tensor_op {
  template <typename T> T operator()(T x, T low, T high) const {
    return minimum_value(maximum_value(x, low), high);
  }
};

// torch's two-sided formula keeps lerp exact at both ends.
template <typename T> T lerp_value(T start, T end, T weight) {
  return std::abs(weight) < T(0.5) ? start + weight * (end - start)
                                   : end - (end - start) * (T(1) - weight);
}
template <typename T> struct lerp_op {
  T weight;
  T operator()(T start, T end) const { return lerp_value(start, end, weight); }
};
struct lerp_tensor_op {
  template <typename T> T operator()(T start, T end, T weight) const {
    return lerp_value(start, end, weight);
  }
};

struct where_op {
  template <typename T> T operator()(bool condition, T a, T b) const { return condition ? a : b; }
};

template <typename T> struct masked_fill_op {
  T value;
  T operator()(T x, bool mask) const { return mask ? value : x; }
};

// Smallest and largest values of dtype, for a missing clamp bound.
Scalar lowest_value(DType dtype) {
  return is_floating_point(dtype) ? Scalar(-std::numeric_limits<double>::infinity())
                                  : dispatch_arith(dtype, "clamp", [](auto tag) {
                                      return Scalar(std::numeric_limits<decltype(tag)>::lowest());
                                    });
}
Scalar highest_value(DType dtype) {
  return is_floating_point(dtype) ? Scalar(std::numeric_limits<double>::infinity())
                                  : dispatch_arith(dtype, "clamp", [](auto tag) {
                                      return Scalar(std::numeric_limits<decltype(tag)>::max());
                                    });
}

DType clamp_result_dtype(const Tensor &self, const Tensor &min, const Tensor &max) {
  DType dtype = result_type_of({&self, &min, &max});
  EMBER_CHECK(dtype != kBool, "clamp: not supported for bool tensors");
  return dtype;
}

void clamp_kernel(const Tensor &out, const Tensor &self, const Scalar &low, const Scalar &high) {
  dispatch_numeric(out.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T>(clamp_op<T>{low.to<T>(), high.to<T>()}, out, converted(self, out.dtype()));
  });
}

void check_lerp_dtypes(const Tensor &self, const Tensor &end, const Tensor *weight) {
  EMBER_CHECK(is_floating_point(self.dtype()), "lerp: expected a floating point tensor, got ",
              self.dtype());
  EMBER_CHECK(end.dtype() == self.dtype(), "lerp: expected dtype ", self.dtype(),
              " for `end` but got dtype ", end.dtype());
  EMBER_CHECK(!weight || weight->dtype() == self.dtype(), "lerp: expected dtype ", self.dtype(),
              " for `weight` but got dtype ", weight ? weight->dtype() : self.dtype());
}

void lerp_kernel(const Tensor &out, const Tensor &self, const Tensor &end, const Scalar &weight) {
  dispatch_floating(out.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T, T>(lerp_op<T>{weight.to<T>()}, out, self, end);
  });
}

void check_mask(const char *op, const Tensor &mask) {
  EMBER_CHECK(mask.dtype() == kBool, op, ": expected a bool mask, got a tensor with dtype ",
              mask.dtype());
}

void masked_fill_kernel(const Tensor &out, const Tensor &self, const Tensor &mask,
                        const Scalar &value) {
  dispatch_all(out.dtype(), "masked_fill", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T, bool>(masked_fill_op<T>{value.to<T>()}, out, self, mask);
  });
}

// Whether every element of a bool tensor is true.
bool all_true(const Tensor &flags) {
  Tensor dense = flags.contiguous();
  const bool *data = dense.data_ptr<bool>();
  return std::all_of(data, data + dense.numel(), [](bool flag) { return flag; });
}

} // namespace

// ---- unary: functions and methods
// ------------------------------------------------------------------
#define EMBER_UNARY_DEFINE(name, domain, scalar_formula, saves, backward_formula)                  \
  Tensor name(const Tensor &self) {                                                                \
    return unary_op<Domain::domain, name##_op>(                                                    \
        #name, self, Saves::saves,                                                                 \
        [](const Tensor &grad, const Tensor &self, const Tensor &result) -> Tensor {               \
          return backward_formula;                                                                 \
        });                                                                                        \
  }                                                                                                \
  Tensor Tensor::name() const { return ember::name(*this); }                                       \
  Tensor &Tensor::name##_() {                                                                      \
    return unary_inplace<Domain::domain, name##_op>(                                               \
        #name "_", *this, [](const Tensor &self) { return ember::name(self); });                   \
  }
#define EMBER_UNARY_DEFINE_VEC(name, domain, scalar_formula, vector_formula, saves, backward)      \
  EMBER_UNARY_DEFINE(name, domain, scalar_formula, saves, backward)
EMBER_UNARY_OPS(EMBER_UNARY_DEFINE, EMBER_UNARY_DEFINE_VEC)
#undef EMBER_UNARY_DEFINE
#undef EMBER_UNARY_DEFINE_VEC

Tensor isnan(const Tensor &self) { return predicate<isnan_op>("isnan", self); }
Tensor isinf(const Tensor &self) { return predicate<isinf_op>("isinf", self); }
Tensor isfinite(const Tensor &self) { return predicate<isfinite_op>("isfinite", self); }
Tensor logical_not(const Tensor &self) { return predicate<logical_not_op>("logical_not", self); }
Tensor Tensor::isnan() const { return ember::isnan(*this); }
Tensor Tensor::isinf() const { return ember::isinf(*this); }
Tensor Tensor::isfinite() const { return ember::isfinite(*this); }
Tensor Tensor::logical_not() const { return ember::logical_not(*this); }

// ---- binary: functions and methods
// -----------------------------------------------------------------
#define EMBER_BINARY_DEFINE(name, kind, check, scalar_formula, saves, self_backward,               \
                            other_backward)                                                        \
  Tensor name(const Tensor &self, const Tensor &other) {                                           \
    check(self, other);                                                                            \
    Tensor result = binary_forward<Kind::kind, name##_op>(#name, self, other);                     \
    if (requires_grad_output(result) && autograd::needs_grad(self, other))                         \
      record_binary(                                                                               \
          #name, self, other, result, saves,                                                       \
          [](const Tensor &grad, const Tensor &self, const Tensor &other,                          \
             const Tensor &result) -> Tensor { return self_backward; },                            \
          [](const Tensor &grad, const Tensor &self, const Tensor &other,                          \
             const Tensor &result) -> Tensor { return other_backward; });                          \
    return result;                                                                                 \
  }                                                                                                \
  Tensor &Tensor::name##_(const Tensor &other) {                                                   \
    check(*this, other);                                                                           \
    return binary_inplace<Kind::kind, name##_op>(                                                  \
        #name "_", *this, other, [&](const Tensor &self) { return ember::name(self, other); });    \
  }
#define EMBER_BINARY_DEFINE_VEC(name, kind, check, scalar_formula, vector_formula, ...)            \
  EMBER_BINARY_DEFINE(name, kind, check, scalar_formula, __VA_ARGS__)
EMBER_BINARY_OPS(EMBER_BINARY_DEFINE, EMBER_BINARY_DEFINE_VEC)
#undef EMBER_BINARY_DEFINE
#undef EMBER_BINARY_DEFINE_VEC

#define EMBER_PREDICATE_DEFINE(name, kind, formula)                                                \
  Tensor name(const Tensor &self, const Tensor &other) {                                           \
    return binary_forward<Kind::kind, name##_op>(#name, self, other);                              \
  }                                                                                                \
  Tensor &Tensor::name##_(const Tensor &other) {                                                   \
    return binary_inplace<Kind::kind, name##_op>(                                                  \
        #name "_", *this, other, [&](const Tensor &self) { return ember::name(self, other); });    \
  }
EMBER_BINARY_PREDICATES(EMBER_PREDICATE_DEFINE)
#undef EMBER_PREDICATE_DEFINE

// The forms every op of binary_ops.def shares: a Scalar operand becomes a wrapped number.
#define EMBER_BINARY_OP(name)                                                                      \
  Tensor name(const Tensor &self, const Scalar &other) { return name(self, wrap(other)); }         \
  Tensor Tensor::name(const Tensor &other) const { return ember::name(*this, other); }             \
  Tensor Tensor::name(const Scalar &other) const { return ember::name(*this, other); }             \
  Tensor &Tensor::name##_(const Scalar &other) { return name##_(wrap(other)); }
#include "ember/binary_ops.def"
#undef EMBER_BINARY_OP

Tensor pow(const Scalar &self, const Tensor &exponent) { return pow(wrap(self), exponent); }

// ---- add, sub, rsub, div
// -------------------------------------------------------------------------
Tensor add(const Tensor &self, const Tensor &other, const Scalar &alpha) {
  check_alpha("add", result_type(self, other), alpha);
  Tensor result = binary_forward<Kind::Arith, add_op>("add", self, other, alpha);
  if (requires_grad_output(result) && autograd::needs_grad(self, other))
    autograd::record("AddBackward", {self, other}, {result}, {},
                     [alpha](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       Tensor other_grad;
                       if (ctx.needs(1))
                         other_grad = alpha.to<double>() == 1 ? grad : grad * alpha;
                       return TensorList{grad, other_grad};
                     });
  return result;
}

Tensor sub(const Tensor &self, const Tensor &other, const Scalar &alpha) {
  check_sub(self, other);
  check_alpha("sub", result_type(self, other), alpha);
  Tensor result = binary_forward<Kind::Arith, sub_op>("sub", self, other, alpha);
  if (requires_grad_output(result) && autograd::needs_grad(self, other))
    autograd::record("SubBackward", {self, other}, {result}, {},
                     [alpha](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0];
                       Tensor other_grad;
                       if (ctx.needs(1))
                         other_grad = alpha.to<double>() == 1 ? -grad : grad * -alpha.to<double>();
                       return TensorList{grad, other_grad};
                     });
  return result;
}

Tensor add(const Tensor &self, const Scalar &other, const Scalar &alpha) {
  return add(self, wrap(other), alpha);
}
Tensor sub(const Tensor &self, const Scalar &other, const Scalar &alpha) {
  return sub(self, wrap(other), alpha);
}
Tensor rsub(const Tensor &self, const Scalar &other, const Scalar &alpha) {
  return sub(wrap(other), self, alpha);
}

Tensor div(const Tensor &self, const Tensor &other, std::optional<std::string> rounding_mode) {
  Tensor result;
  switch (parse_rounding_mode(rounding_mode)) {
  case RoundingMode::None:
    result = binary_forward<Kind::Float, div_op>("div", self, other);
    if (autograd::needs_grad(self, other))
      record_binary(
          "div", self, other, result, kSavesSelf | kSavesOther,
          [](const Tensor &grad, const Tensor &, const Tensor &other, const Tensor &) {
            return grad / other;
          },
          [](const Tensor &grad, const Tensor &self, const Tensor &other, const Tensor &) {
            return -grad * self / (other * other);
          });
    return result;
  case RoundingMode::Trunc:
    result = binary_forward<Kind::Numeric, div_trunc_op>("div", self, other);
    break;
  case RoundingMode::Floor:
    result = binary_forward<Kind::Numeric, div_floor_op>("div", self, other);
    break;
  }
  // Rounded quotients are piecewise constant: zero gradient, as in torch.
  if (requires_grad_output(result) && autograd::needs_grad(self, other)) {
    auto zero = [](const Tensor &grad, const Tensor &, const Tensor &, const Tensor &) {
      return zeros_like(grad);
    };
    record_binary("div", self, other, result, kSavesNone, zero, zero);
  }
  return result;
}

Tensor div(const Tensor &self, const Scalar &other, std::optional<std::string> rounding_mode) {
  return div(self, wrap(other), std::move(rounding_mode));
}

Tensor operator/(const Scalar &a, const Tensor &b) { return div(wrap(a), b); }

Tensor Tensor::add(const Tensor &other, const Scalar &alpha) const {
  return ember::add(*this, other, alpha);
}
Tensor Tensor::add(const Scalar &other, const Scalar &alpha) const {
  return ember::add(*this, other, alpha);
}
Tensor &Tensor::add_(const Tensor &other, const Scalar &alpha) {
  check_alpha("add_", result_type(*this, other), alpha);
  return binary_inplace<Kind::Arith, add_op>(
      "add_", *this, other, [&](const Tensor &self) { return ember::add(self, other, alpha); },
      alpha);
}
Tensor &Tensor::add_(const Scalar &other, const Scalar &alpha) { return add_(wrap(other), alpha); }
Tensor Tensor::sub(const Tensor &other, const Scalar &alpha) const {
  return ember::sub(*this, other, alpha);
}
Tensor Tensor::sub(const Scalar &other, const Scalar &alpha) const {
  return ember::sub(*this, other, alpha);
}
Tensor &Tensor::sub_(const Tensor &other, const Scalar &alpha) {
  check_sub(*this, other);
  check_alpha("sub_", result_type(*this, other), alpha);
  return binary_inplace<Kind::Arith, sub_op>(
      "sub_", *this, other, [&](const Tensor &self) { return ember::sub(self, other, alpha); },
      alpha);
}
Tensor &Tensor::sub_(const Scalar &other, const Scalar &alpha) { return sub_(wrap(other), alpha); }

Tensor Tensor::div(const Tensor &other, std::optional<std::string> rounding_mode) const {
  return ember::div(*this, other, std::move(rounding_mode));
}
Tensor Tensor::div(const Scalar &other, std::optional<std::string> rounding_mode) const {
  return ember::div(*this, other, std::move(rounding_mode));
}
Tensor &Tensor::div_(const Tensor &other, std::optional<std::string> rounding_mode) {
  auto compute = [&](const Tensor &self) { return ember::div(self, other, rounding_mode); };
  switch (parse_rounding_mode(rounding_mode)) {
  case RoundingMode::None:
    return binary_inplace<Kind::Float, div_op>("div_", *this, other, compute);
  case RoundingMode::Trunc:
    return binary_inplace<Kind::Numeric, div_trunc_op>("div_", *this, other, compute);
  case RoundingMode::Floor:
    break;
  }
  return binary_inplace<Kind::Numeric, div_floor_op>("div_", *this, other, compute);
}
Tensor &Tensor::div_(const Scalar &other, std::optional<std::string> rounding_mode) {
  return div_(wrap(other), std::move(rounding_mode));
}

// ---- clamp
// -------------------------------------------------------------------------------------------
Tensor clamp(const Tensor &self, std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_CHECK(min || max, "clamp: at least one of 'min' or 'max' must not be None");
  Tensor min_tensor = min ? wrap(*min) : Tensor();
  Tensor max_tensor = max ? wrap(*max) : Tensor();
  DType dtype = clamp_result_dtype(self, min_tensor, max_tensor);
  Tensor result = empty(self.sizes(), ember::dtype(dtype));
  clamp_kernel(result, self, min.value_or(lowest_value(dtype)), max.value_or(highest_value(dtype)));
  if (requires_grad_output(result) && autograd::needs_grad(self))
    autograd::record("ClampBackward", {self}, {result}, {self},
                     [min, max](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &self = ctx.saved[0];
                       Tensor inside;
                       if (min && max)
                         inside = logical_and(self >= *min, self <= *max);
                       else
                         inside = min ? self >= *min : self <= *max;
                       return TensorList{where(inside, grads[0], 0)};
                     });
  return result;
}

Tensor clamp(const Tensor &self, const Tensor &min, const Tensor &max) {
  EMBER_CHECK(min.defined() || max.defined(),
              "clamp: at least one of 'min' or 'max' must not be None");
  DType dtype = clamp_result_dtype(self, min, max);
  Shape shape = self.sizes();
  for (const Tensor *bound : {&min, &max})
    if (bound->defined())
      shape = broadcast_shapes(shape, bound->sizes(), "clamp");
  Tensor result = empty(shape, ember::dtype(dtype));
  Tensor low = min.defined() ? converted(min, dtype) : wrap(lowest_value(dtype));
  Tensor high = max.defined() ? converted(max, dtype) : wrap(highest_value(dtype));
  dispatch_numeric(dtype, "clamp", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T, T, T>(clamp_tensor_op{}, result, converted(self, dtype), converted(low, dtype),
                         converted(high, dtype));
  });
  if (requires_grad_output(result) && autograd::needs_grad(self, min, max))
    // torch's clamp_backward_min_max: self gets the gradient where it lies within the bounds, a
    // bound where it was the value taken (max wins where the bounds cross).
    autograd::record("ClampBackward", {self, min, max}, {result}, {self, min, max},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0], &self = ctx.saved[0], &min = ctx.saved[1],
                                    &max = ctx.saved[2];
                       TensorList result(3);
                       if (ctx.needs(0)) {
                         Tensor inside = min.defined() ? self >= min : Tensor();
                         if (max.defined())
                           inside =
                               inside.defined() ? logical_and(inside, self <= max) : self <= max;
                         result[0] = where(inside, grad, 0);
                       }
                       if (ctx.needs(1)) {
                         Tensor below = self < min;
                         if (max.defined())
                           below = logical_and(below, min < max);
                         result[1] = where(below, grad, 0);
                       }
                       if (ctx.needs(2)) {
                         Tensor above = self > max;
                         if (min.defined())
                           above = logical_or(above, max < min);
                         result[2] = where(above, grad, 0);
                       }
                       return result;
                     });
  return result;
}

Tensor clamp_min(const Tensor &self, const Scalar &min) { return clamp(self, min, std::nullopt); }
Tensor clamp_max(const Tensor &self, const Scalar &max) { return clamp(self, std::nullopt, max); }

Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return ember::clamp(*this, min, max);
}
Tensor Tensor::clamp(const Tensor &min, const Tensor &max) const {
  return ember::clamp(*this, min, max);
}
Tensor &Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_CHECK(min || max, "clamp_: at least one of 'min' or 'max' must not be None");
  Tensor min_tensor = min ? wrap(*min) : Tensor();
  Tensor max_tensor = max ? wrap(*max) : Tensor();
  DType dtype = clamp_result_dtype(*this, min_tensor, max_tensor);
  return run_inplace(
      *this, "clamp_", dtype, autograd::needs_grad(*this), true,
      [&](const Tensor &self) { return ember::clamp(self, min, max); },
      [&] {
        clamp_kernel(*this, *this, min.value_or(lowest_value(dtype)),
                     max.value_or(highest_value(dtype)));
      });
}
Tensor Tensor::clamp_min(const Scalar &min) const { return ember::clamp_min(*this, min); }
Tensor Tensor::clamp_max(const Scalar &max) const { return ember::clamp_max(*this, max); }

// ---- lerp
// --------------------------------------------------------------------------------------------
Tensor lerp(const Tensor &self, const Tensor &end, const Scalar &weight) {
  check_lerp_dtypes(self, end, nullptr);
  Tensor result = empty(broadcast_shapes(self.sizes(), end.sizes(), "lerp"), dtype(self.dtype()));
  lerp_kernel(result, self, end, weight);
  if (autograd::needs_grad(self, end))
    autograd::record("LerpBackward", {self, end}, {result}, {},
                     [weight](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const double w = weight.to<double>();
                       return TensorList{ctx.needs(0) ? grads[0] * (1 - w) : Tensor(),
                                         ctx.needs(1) ? grads[0] * w : Tensor()};
                     });
  return result;
}

Tensor lerp(const Tensor &self, const Tensor &end, const Tensor &weight) {
  check_lerp_dtypes(self, end, &weight);
  Shape shape =
      broadcast_shapes(broadcast_shapes(self.sizes(), end.sizes(), "lerp"), weight.sizes(), "lerp");
  Tensor result = empty(shape, dtype(self.dtype()));
  dispatch_floating(self.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, T, T, T>(lerp_tensor_op{}, result, self, end, weight);
  });
  if (autograd::needs_grad(self, end, weight))
    autograd::record("LerpBackward", {self, end, weight}, {result}, {self, end, weight},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &grad = grads[0], &self = ctx.saved[0], &end = ctx.saved[1],
                                    &weight = ctx.saved[2];
                       return TensorList{ctx.needs(0) ? grad * (1 - weight) : Tensor(),
                                         ctx.needs(1) ? grad * weight : Tensor(),
                                         ctx.needs(2) ? grad * (end - self) : Tensor()};
                     });
  return result;
}

Tensor Tensor::lerp(const Tensor &end, const Scalar &weight) const {
  return ember::lerp(*this, end, weight);
}
Tensor Tensor::lerp(const Tensor &end, const Tensor &weight) const {
  return ember::lerp(*this, end, weight);
}
Tensor &Tensor::lerp_(const Tensor &end, const Scalar &weight) {
  check_lerp_dtypes(*this, end, nullptr);
  check_inplace_shape("lerp_", *this, broadcast_shapes(sizes(), end.sizes(), "lerp_"));
  return run_inplace(
      *this, "lerp_", dtype(), autograd::needs_grad(*this, end), !partially_overlaps(*this, end),
      [&](const Tensor &self) { return ember::lerp(self, end, weight); },
      [&] { lerp_kernel(*this, *this, end, weight); });
}

// ---- where
// -------------------------------------------------------------------------------------------
Tensor where(const Tensor &condition, const Tensor &self, const Tensor &other) {
  EMBER_CHECK(condition.dtype() == kBool,
              "where: expected condition to be a boolean tensor, but got a tensor with dtype ",
              condition.dtype());
  Shape shape = broadcast_shapes(broadcast_shapes(condition.sizes(), self.sizes(), "where"),
                                 other.sizes(), "where");
  DType dtype = result_type_of({&self, &other});
  Tensor result = empty(shape, ember::dtype(dtype));
  dispatch_all(dtype, "where", [&](auto tag) {
    using T = decltype(tag);
    cpu::map<T, bool, T, T>(where_op{}, result, condition, converted(self, dtype),
                            converted(other, dtype));
  });
  if (requires_grad_output(result) && autograd::needs_grad(self, other))
    autograd::record("WhereBackward", {self, other}, {result}, {condition},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &condition = ctx.saved[0];
                       return TensorList{ctx.needs(0) ? where(condition, grads[0], 0) : Tensor(),
                                         ctx.needs(1) ? where(condition, 0, grads[0]) : Tensor()};
                     });
  return result;
}

Tensor where(const Tensor &condition, const Scalar &self, const Tensor &other) {
  return where(condition, wrap(self), other);
}
Tensor where(const Tensor &condition, const Tensor &self, const Scalar &other) {
  return where(condition, self, wrap(other));
}
Tensor Tensor::where(const Tensor &condition, const Tensor &other) const {
  return ember::where(condition, *this, other);
}

// ---- masked_fill
// -------------------------------------------------------------------------------------
Tensor masked_fill(const Tensor &self, const Tensor &mask, const Scalar &value) {
  check_mask("masked_fill", mask);
  Tensor result =
      empty(broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill"), dtype(self.dtype()));
  masked_fill_kernel(result, self, mask, value);
  if (requires_grad_output(result) && autograd::needs_grad(self))
    autograd::record("MaskedFillBackward", {self}, {result}, {mask},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       return TensorList{grads[0].masked_fill(ctx.saved[0], 0)};
                     });
  return result;
}

Tensor masked_fill(const Tensor &self, const Tensor &mask, const Tensor &value) {
  EMBER_CHECK(value.dim() == 0,
              "masked_fill: only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s)");
  Tensor result;
  {
    NoGradGuard no_grad; // recorded below with value as an input
    result = masked_fill(self, mask, value.item());
  }
  if (requires_grad_output(result) && autograd::needs_grad(self, value))
    autograd::record("MaskedFillBackward", {self, value}, {result}, {mask},
                     [](const autograd::BackwardContext &ctx, const TensorList &grads) {
                       const Tensor &mask = ctx.saved[0];
                       return TensorList{ctx.needs(0) ? grads[0].masked_fill(mask, 0) : Tensor(),
                                         ctx.needs(1) ? where(mask, grads[0], 0) : Tensor()};
                     });
  return result;
}

Tensor Tensor::masked_fill(const Tensor &mask, const Scalar &value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_fill(const Tensor &mask, const Tensor &value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor &Tensor::masked_fill_(const Tensor &mask, const Scalar &value) {
  check_mask("masked_fill_", mask);
  check_inplace_shape("masked_fill_", *this,
                      broadcast_shapes(sizes(), mask.sizes(), "masked_fill_"));
  return run_inplace(
      *this, "masked_fill_", dtype(), autograd::needs_grad(*this), true,
      [&](const Tensor &self) { return ember::masked_fill(self, mask, value); },
      [&] { masked_fill_kernel(*this, *this, mask, value); });
}

// ---- promotion queries and comparisons of whole tensors ----------------------------------------
DType result_type(const Tensor &a, const Tensor &b) { return result_type_of({&a, &b}); }
DType result_type(const Tensor &a, const Scalar &b) {
  Tensor wrapped = wrap(b);
  return result_type_of({&a, &wrapped});
}

bool allclose(const Tensor &self, const Tensor &other, double rtol, double atol, bool equal_nan) {
  NoGradGuard no_grad;
  Tensor close = empty(broadcast_shapes(self.sizes(), other.sizes(), "allclose"), dtype(kBool));
  // torch.isclose, computed in float64: exact equality covers infinities.
  auto is_close = [rtol, atol, equal_nan](double a, double b) {
    if (a == b)
      return true;
    if (a != a || b != b)
      return equal_nan && a != a && b != b;
    double error = std::abs(a - b);
    return error - error == 0 && error <= atol + rtol * std::abs(b);
  };
  cpu::map<bool, double, double>(is_close, close, converted(self, kFloat64),
                                 converted(other, kFloat64));
  return all_true(close);
}

bool equal(const Tensor &self, const Tensor &other) {
  NoGradGuard no_grad;
  return self.sizes() == other.sizes() && all_true(eq(self, other));
}

} // namespace ember
