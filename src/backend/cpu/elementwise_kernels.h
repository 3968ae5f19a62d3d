// CPU kernels for elementwise ops: one strided N-operand map with contiguous and broadcast-scalar
// fast paths, and SLEEF vector math for transcendental float functions. The functors themselves
// live with their ops in src/ops/elementwise.cpp.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <type_traits>

#include "backend/cpu/loops.h"
#include "backend/cpu/vec.h"

#if EMBER_HAVE_VECTORS
#include <sleef.h>
#define EMBER_HAVE_VECTOR_MATH 1
#endif

namespace ember::cpu {

// ---- SLEEF vector math ------------------------------------------------------------------------
#if EMBER_HAVE_VECTOR_MATH
#if defined(__AVX512F__)
#define EMBER_SLEEF_F(name, ulp) Sleef_##name##f16_##ulp
#define EMBER_SLEEF_D(name, ulp) Sleef_##name##d8_##ulp
#else
#define EMBER_SLEEF_F(name, ulp) Sleef_##name##f8_##ulp
#define EMBER_SLEEF_D(name, ulp) Sleef_##name##d4_##ulp
#endif

namespace sleef {
#define EMBER_SLEEF_UNARY(name, ulp)                                                               \
  inline VecF name(VecF x) { return EMBER_SLEEF_F(name, ulp)(x); }                                 \
  inline VecD name(VecD x) { return EMBER_SLEEF_D(name, ulp)(x); }
#define EMBER_SLEEF_BINARY(name, ulp)                                                              \
  inline VecF name(VecF x, VecF y) { return EMBER_SLEEF_F(name, ulp)(x, y); }                      \
  inline VecD name(VecD x, VecD y) { return EMBER_SLEEF_D(name, ulp)(x, y); }
EMBER_SLEEF_UNARY(sqrt, u05)
EMBER_SLEEF_UNARY(exp, u10)
EMBER_SLEEF_UNARY(exp2, u10)
EMBER_SLEEF_UNARY(expm1, u10)
EMBER_SLEEF_UNARY(log, u10)
EMBER_SLEEF_UNARY(log2, u10)
EMBER_SLEEF_UNARY(log10, u10)
EMBER_SLEEF_UNARY(log1p, u10)
EMBER_SLEEF_UNARY(sin, u10)
EMBER_SLEEF_UNARY(cos, u10)
EMBER_SLEEF_UNARY(tan, u10)
EMBER_SLEEF_UNARY(asin, u10)
EMBER_SLEEF_UNARY(acos, u10)
EMBER_SLEEF_UNARY(atan, u10)
EMBER_SLEEF_UNARY(sinh, u10)
EMBER_SLEEF_UNARY(cosh, u10)
EMBER_SLEEF_UNARY(tanh, u10)
EMBER_SLEEF_UNARY(erf, u10)
EMBER_SLEEF_BINARY(pow, u10)
EMBER_SLEEF_BINARY(atan2, u10)
#undef EMBER_SLEEF_UNARY
#undef EMBER_SLEEF_BINARY
} // namespace sleef

// Whether op has a vector form for element type T (only float and double ever do).
template <typename Op, typename T, int Arity>
concept HasVectorForm = std::is_floating_point_v<T> &&
    (Arity == 1 ? requires(const Op &op, Vec<T> v) { op.vec(v); }
                : requires(const Op &op, Vec<T> v) { op.vec(v, v); });

// out[i] = op.vec(in[i]) over n contiguous elements; the tail goes through one padded vector.
template <typename T, typename Op> void vector_map(const Op &op, T *out, const T *in, int64_t n) {
  using V = Vec<T>;
  constexpr int64_t width = sizeof(V) / sizeof(T);
  int64_t i = 0;
  for (; i + width <= n; i += width) {
    V x;
    std::memcpy(&x, in + i, sizeof(V));
    V y = op.vec(x);
    std::memcpy(out + i, &y, sizeof(V));
  }
  if (i < n) {
    V x{};
    std::memcpy(&x, in + i, (n - i) * sizeof(T));
    V y = op.vec(x);
    std::memcpy(out + i, &y, (n - i) * sizeof(T));
  }
}

// The binary form; b_step 0 broadcasts b[0] (a scalar operand), 1 walks b contiguously.
template <typename T, typename Op>
void vector_map(const Op &op, T *out, const T *a, const T *b, int64_t b_step, int64_t n) {
  using V = Vec<T>;
  constexpr int64_t width = sizeof(V) / sizeof(T);
  V broadcast_b = V{} + b[0];
  int64_t i = 0;
  for (; i + width <= n; i += width) {
    V x, y = broadcast_b;
    std::memcpy(&x, a + i, sizeof(V));
    if (b_step)
      std::memcpy(&y, b + i, sizeof(V));
    V z = op.vec(x, y);
    std::memcpy(out + i, &z, sizeof(V));
  }
  if (i < n) {
    V x{}, y = broadcast_b;
    std::memcpy(&x, a + i, (n - i) * sizeof(T));
    if (b_step)
      std::memcpy(&y, b + i, (n - i) * sizeof(T));
    V z = op.vec(x, y);
    std::memcpy(out + i, &z, (n - i) * sizeof(T));
  }
}
#endif // EMBER_HAVE_VECTOR_MATH

// ---- the generic map
// ------------------------------------------------------------------------------ Ops whose scalar
// form may throw (integer division by zero) declare kMayThrow; their loops are not marked `omp
// simd`, which must not be left by an exception.
template <typename Op>
concept MayThrow = requires {
  Op::kMayThrow;
}
&&Op::kMayThrow;

// Element accessors for one run: a contiguous operand, a broadcast scalar (stride 0), or any
// stride. Instantiating the loop per accessor combination gives the compiler tight loops.
template <typename T> struct Contiguous {
  const T *data;
  T operator[](int64_t i) const { return data[i]; }
};
template <typename T> struct Broadcast {
  T value;
  T operator[](int64_t) const { return value; }
};
template <typename T> struct Strided {
  const char *data;
  int64_t stride;
  T operator[](int64_t i) const { return *reinterpret_cast<const T *>(data + i * stride); }
};

// op is taken by value: a copy in registers, where a reference would make the compiler reload
// its members (alpha, ...) after every store to out, which may alias them.
template <typename Out, typename Op, typename... Access>
inline void map_run(const Op op, Out *out, int64_t n, Access... in) {
  if constexpr (MayThrow<Op>) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(in[i]...);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(in[i]...);
  }
}

// Writes op(inputs...) into out. The inputs broadcast to out's shape and already have the C++
// types In...; out has type Out. out may be one of the inputs (in-place ops), with the same
// geometry. Usage: cpu::map<float, float, float>(AddOp<float>{1}, out, a, b).
template <typename Out, typename... In, typename Op>
void map(const Op &op, const Tensor &out, const std::conditional_t<true, Tensor, In> &...inputs) {
  constexpr int N = 1 + sizeof...(In);
  auto geometry = make_geometry<N>({&out, &inputs...}, out.sizes());
  for_each_run(geometry, kGrainSize, [&op](const auto &pointers, const auto &strides, int64_t n) {
    Out *out_data = reinterpret_cast<Out *>(pointers[0]);
    [&]<size_t... I>(std::index_sequence<I...>) {
      const bool out_contiguous = strides[0] == static_cast<int64_t>(sizeof(Out));
      const bool all_contiguous =
          out_contiguous && ((strides[I + 1] == static_cast<int64_t>(sizeof(In))) && ...);
      using First = std::tuple_element_t<0, std::tuple<In...>>;
      if (all_contiguous) {
#if EMBER_HAVE_VECTOR_MATH
        if constexpr (std::is_same_v<Out, First> && (std::is_same_v<In, First> && ...)) {
          if constexpr (N == 2 && HasVectorForm<Op, Out, 1>) {
            vector_map(op, out_data, reinterpret_cast<const Out *>(pointers[1]), n);
            return;
          } else if constexpr (N == 3 && HasVectorForm<Op, Out, 2>) {
            vector_map(op, out_data, reinterpret_cast<const Out *>(pointers[1]),
                       reinterpret_cast<const Out *>(pointers[2]), 1, n);
            return;
          }
        }
#endif
        map_run(op, out_data, n, Contiguous<In>{reinterpret_cast<const In *>(pointers[I + 1])}...);
        return;
      }
      if constexpr (N == 3) { // binary: one side a broadcast scalar
        using A = std::tuple_element_t<0, std::tuple<In...>>;
        using B = std::tuple_element_t<1, std::tuple<In...>>;
        const auto *a = reinterpret_cast<const A *>(pointers[1]);
        const auto *b = reinterpret_cast<const B *>(pointers[2]);
        if (out_contiguous && strides[1] == static_cast<int64_t>(sizeof(A)) && strides[2] == 0) {
#if EMBER_HAVE_VECTOR_MATH
          if constexpr (std::is_same_v<Out, A> && std::is_same_v<A, B> &&
                        HasVectorForm<Op, Out, 2>) {
            vector_map(op, out_data, a, b, 0, n);
            return;
          }
#endif
          map_run(op, out_data, n, Contiguous<A>{a}, Broadcast<B>{*b});
          return;
        }
        if (out_contiguous && strides[1] == 0 && strides[2] == static_cast<int64_t>(sizeof(B))) {
          map_run(op, out_data, n, Broadcast<A>{*a}, Contiguous<B>{b});
          return;
        }
      }
      // General strides: a plain loop through byte offsets.
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Out *>(pointers[0] + i * strides[0]) =
            op(Strided<In>{pointers[I + 1], strides[I + 1]}[i]...);
    }
    (std::index_sequence_for<In...>{});
  });
}

} // namespace ember::cpu
