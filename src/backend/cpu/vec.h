// SIMD vectors for the CPU kernels: GCC vector types one register wide, so that kernels write
// vector formulas with ordinary operators, and the few operations those operators do not give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#define EMBER_HAVE_VECTORS 1
#endif

namespace ember::cpu {

#if EMBER_HAVE_VECTORS
#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
#else
constexpr int kVectorBytes = 32;
#endif

using VecF = float __attribute__((vector_size(kVectorBytes)));
using VecD = double __attribute__((vector_size(kVectorBytes)));
// Spelled out per type: GCC ignores vector_size on a dependent type in an alias template.
template <typename T> struct VecOf;
template <> struct VecOf<float> { using type = VecF; };
template <> struct VecOf<double> { using type = VecD; };
template <typename T> using Vec = typename VecOf<T>::type;
// Lanes of a vector type.
template <typename V> constexpr size_t kLanesOf = sizeof(V) / sizeof(std::declval<V>()[0]);

// What comparing two Vec<T> gives: per lane, an integer of T's size, all ones where true.
template <typename T> using Mask = decltype(Vec<T>{} < Vec<T>{});
template <typename T> using MaskLane = std::remove_cvref_t<decltype(Mask<T>{}[0])>;

// {0, 1, 2, ...}: each lane's own index.
template <typename T> Mask<T> lane_indices() {
  return []<size_t... I>(std::index_sequence<I...>) {
    return Mask<T>{static_cast<MaskLane<T>>(I)...};
  }
  (std::make_index_sequence<kLanesOf<Vec<T>>>{});
}

// The first `count` (less than a vector's lanes) elements at p, zeros after them, read without
// touching memory past them: a masked load, where a memcpy of a variable length would be a
// library call.
inline VecF load_partial(const float *p, int64_t count) {
#if defined(__AVX512F__)
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
#else
  return _mm256_maskload_ps(p, lane_indices<float>() < static_cast<int>(count));
#endif
}
inline VecD load_partial(const double *p, int64_t count) {
#if defined(__AVX512F__)
  return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), p);
#else
  return _mm256_maskload_pd(p, lane_indices<double>() < static_cast<long>(count));
#endif
}

// Per lane a > b ? a : b, and b where either is NaN: the hardware max instruction. Written as a
// ternary, GCC fuses it with a following NaN test into compare, mask-or and blend, whose chain
// through the accumulator is twice as long. (The masked AVX-512 forms with a full mask compile to
// the plain instruction; the unmasked intrinsics trip GCC 12's -Wmaybe-uninitialized.)
#if defined(__AVX512F__)
inline VecF max_or_second(VecF a, VecF b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
inline VecD max_or_second(VecD a, VecD b) { return _mm512_mask_max_pd(a, 0xFF, a, b); }
inline VecF min_or_second(VecF a, VecF b) { return _mm512_mask_min_ps(a, 0xFFFF, a, b); }
inline VecD min_or_second(VecD a, VecD b) { return _mm512_mask_min_pd(a, 0xFF, a, b); }
#else
inline VecF max_or_second(VecF a, VecF b) { return _mm256_max_ps(a, b); }
inline VecD max_or_second(VecD a, VecD b) { return _mm256_max_pd(a, b); }
inline VecF min_or_second(VecF a, VecF b) { return _mm256_min_ps(a, b); }
inline VecD min_or_second(VecD a, VecD b) { return _mm256_min_pd(a, b); }
#endif

template <size_t Shift, typename V, size_t... I> V rotate_lanes(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, ((I + Shift) % sizeof...(I))...);
}

template <size_t Half, typename V, typename Merge> V merge_halves(V v, const Merge &merge) {
  if constexpr (Half == 0)
    return v;
  else
    return merge_halves<Half / 2>(
        merge(v, rotate_lanes<Half>(v, std::make_index_sequence<kLanesOf<V>>{})), merge);
}

// The same tree over lanes that carry a value and its index: merge(value, index, other value,
// other index) returns the winning pair as a std::pair of vectors.
template <size_t Half, typename V, typename I, typename Merge>
std::pair<V, I> merge_halves(V value, I index, const Merge &merge) {
  if constexpr (Half == 0) {
    return {value, index};
  } else {
    constexpr auto lanes = std::make_index_sequence<kLanesOf<V>>{};
    auto [v, i] =
        merge(value, index, rotate_lanes<Half>(value, lanes), rotate_lanes<Half>(index, lanes));
    return merge_halves<Half / 2>(v, i, merge);
  }
}

// merge over the lanes of v as a balanced tree: v merged with itself rotated by half its lanes,
// then by a quarter, and so on, leaves the result in lane 0. The order of merges depends only on
// the vector width.
template <typename V, typename Merge> auto merge_lanes(V v, const Merge &merge) {
  return merge_halves<kLanesOf<V> / 2>(v, merge)[0];
}
#endif // EMBER_HAVE_VECTORS

} // namespace ember::cpu
