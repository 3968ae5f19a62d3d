// SIMD vectors for the CPU kernels: GCC vector types one register wide, so that kernels write
// vector formulas with ordinary operators, and the few operations those operators do not give.
#pragma once

#include <array>
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

// The first `count` (at most a vector's lanes) elements at p, zeros after them, read without
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

// Narrower vectors, for the last levels of a tree over a vector's lanes.
using VecF4 = float __attribute__((vector_size(16)));
using VecF8 = float __attribute__((vector_size(32)));
using VecD2 = double __attribute__((vector_size(16)));
using VecD4 = double __attribute__((vector_size(32)));

// Per lane k, p[index[k]]: a gather. (The masked forms with a full mask and a zero source, for
// the reason given at max_or_second below.)
inline VecF gather(const float *p, Mask<float> index) {
#if defined(__AVX512F__)
  return _mm512_mask_i32gather_ps(VecF{}, 0xFFFF, reinterpret_cast<__m512i>(index), p,
                                  sizeof(float));
#else
  return _mm256_mask_i32gather_ps(VecF{}, p, reinterpret_cast<__m256i>(index),
                                  reinterpret_cast<__m256>(Mask<float>{} - 1), sizeof(float));
#endif
}
inline VecD gather(const double *p, Mask<double> index) {
#if defined(__AVX512F__)
  return _mm512_mask_i64gather_pd(VecD{}, 0xFF, reinterpret_cast<__m512i>(index), p,
                                  sizeof(double));
#else
  return _mm256_mask_i64gather_pd(VecD{}, p, reinterpret_cast<__m256i>(index),
                                  reinterpret_cast<__m256d>(Mask<double>{} - 1), sizeof(double));
#endif
}

// Per lane a > b ? a : b, and b where either is NaN: the hardware max instruction. Written as a
// ternary, GCC fuses it with a following NaN test into compare, mask-or and blend, whose chain
// through the accumulator is twice as long. (The masked AVX-512 forms with a full mask compile to
// the plain instruction; the unmasked intrinsics trip GCC 12's -Wmaybe-uninitialized.)
#if defined(__AVX512F__) // otherwise VecF is VecF8 and VecD is VecD4
inline VecF max_or_second(VecF a, VecF b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
inline VecD max_or_second(VecD a, VecD b) { return _mm512_mask_max_pd(a, 0xFF, a, b); }
inline VecF min_or_second(VecF a, VecF b) { return _mm512_mask_min_ps(a, 0xFFFF, a, b); }
inline VecD min_or_second(VecD a, VecD b) { return _mm512_mask_min_pd(a, 0xFF, a, b); }
#endif
inline VecF8 max_or_second(VecF8 a, VecF8 b) { return _mm256_max_ps(a, b); }
inline VecD4 max_or_second(VecD4 a, VecD4 b) { return _mm256_max_pd(a, b); }
inline VecF8 min_or_second(VecF8 a, VecF8 b) { return _mm256_min_ps(a, b); }
inline VecD4 min_or_second(VecD4 a, VecD4 b) { return _mm256_min_pd(a, b); }
inline VecF4 max_or_second(VecF4 a, VecF4 b) { return _mm_max_ps(a, b); }
inline VecD2 max_or_second(VecD2 a, VecD2 b) { return _mm_max_pd(a, b); }
inline VecF4 min_or_second(VecF4 a, VecF4 b) { return _mm_min_ps(a, b); }
inline VecD2 min_or_second(VecD2 a, VecD2 b) { return _mm_min_pd(a, b); }

template <size_t Shift, typename V, size_t... I> V rotate_lanes(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, ((I + Shift) % sizeof...(I))...);
}
template <typename V, size_t... I> auto low_half(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, I...);
}
template <typename V, size_t... I> auto high_half(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, (I + sizeof...(I))...);
}

// Merges v with itself rotated by Half lanes, then by Half / 2, ... down to 1.
template <size_t Half, typename V, typename Merge> V merge_rotations(V v, const Merge &merge) {
  if constexpr (Half == 0)
    return v;
  else
    return merge_rotations<Half / 2>(
        merge(v, rotate_lanes<Half>(v, std::make_index_sequence<kLanesOf<V>>{})), merge);
}

// The same over lanes that carry a value and its index.
template <size_t Half, typename V, typename I, typename Merge>
std::pair<V, I> merge_rotations(V value, I index, const Merge &merge) {
  if constexpr (Half == 0) {
    return {value, index};
  } else {
    constexpr auto all = std::make_index_sequence<kLanesOf<V>>{};
    auto [v, i] =
        merge(value, index, rotate_lanes<Half>(value, all), rotate_lanes<Half>(index, all));
    return merge_rotations<Half / 2>(v, i, merge);
  }
}

// merge over the lanes of v as a balanced tree, the result in lane 0: the halves of v are merged
// until one 16-byte register is left (halving is cheaper than rotating a wide register), whose
// lanes are then merged with themselves rotated. The order depends only on the vector width.
// merge must accept every vector width on the way.
template <typename V, typename Merge> auto merge_lanes(V v, const Merge &merge) {
  constexpr size_t lanes = kLanesOf<V>;
  if constexpr (sizeof(V) > 16) {
    constexpr auto half = std::make_index_sequence<lanes / 2>{};
    return merge_lanes(merge(low_half(v, half), high_half(v, half)), merge);
  } else {
    return merge_rotations<lanes / 2>(v, merge)[0];
  }
}

// The tree of merge_lanes over several vectors at once, one per row, sharing its levels: first
// pairs of vectors are merged into one holding both rows' lanes halved, until one vector holds
// every row in its groups of lanes; then each group is halved until one lane per row is left.
// Lane e of a group is always merged with lane e + half the group, as merge_lanes does, so each
// row's result is the one merge_lanes gives.
template <size_t Groups, typename V, typename Merge, size_t... I>
[[gnu::always_inline]] inline V merge_group_pair(V u, V v, const Merge &merge,
                                                 std::index_sequence<I...>) {
  constexpr size_t size = kLanesOf<V> / Groups, half = size / 2;
  // Lane `lane` of the result takes u's groups, then v's (lanes kLanesOf<V> on of the pair).
  constexpr auto source = [](size_t lane, size_t offset) {
    const size_t group = lane / half, at = lane % half + offset;
    return group < Groups ? group * size + at : kLanesOf<V> + (group - Groups) * size + at;
  };
  return merge(__builtin_shufflevector(u, v, source(I, 0)...),
               __builtin_shufflevector(u, v, source(I, half)...));
}

template <size_t Groups, typename V, typename Merge, size_t... I>
[[gnu::always_inline]] inline auto merge_group_halves(V v, const Merge &merge,
                                                      std::index_sequence<I...>) {
  constexpr size_t size = kLanesOf<V> / Groups, half = size / 2;
  constexpr auto source = [](size_t lane, size_t offset) {
    return lane / half * size + lane % half + offset;
  };
  return merge(__builtin_shufflevector(v, v, source(I, 0)...),
               __builtin_shufflevector(v, v, source(I, half)...));
}

template <size_t Groups, typename V, typename Merge>
[[gnu::always_inline]] inline auto merge_groups(V v, const Merge &merge) {
  if constexpr (kLanesOf<V> == Groups)
    return v;
  else
    return merge_groups<Groups>(
        merge_group_halves<Groups>(v, merge, std::make_index_sequence<kLanesOf<V> / 2>{}), merge);
}

// rows[k] holds row k's lanes (K a power of two, at most the lanes); lane k of the result holds
// row k's merged value.
template <size_t Groups = 1, typename V, size_t K, typename Merge>
[[gnu::always_inline]] inline auto merge_lanes_of_rows(const std::array<V, K> &rows,
                                                       const Merge &merge) {
  if constexpr (K == 1) {
    return merge_groups<Groups>(rows[0], merge);
  } else {
    std::array<V, K / 2> paired;
    for (size_t j = 0; j < K / 2; ++j)
      paired[j] = merge_group_pair<Groups>(rows[2 * j], rows[2 * j + 1], merge,
                                           std::make_index_sequence<kLanesOf<V>>{});
    return merge_lanes_of_rows<2 * Groups>(paired, merge);
  }
}

// The same tree over lanes that carry a value and its index: merge(value, index, other value,
// other index) returns the winning pair of vectors as a std::pair; so does merge_lanes, of the
// winning value and index.
template <typename V, typename I, typename Merge>
auto merge_lanes(V value, I index, const Merge &merge) {
  constexpr size_t lanes = kLanesOf<V>;
  if constexpr (sizeof(V) > 16) {
    constexpr auto half = std::make_index_sequence<lanes / 2>{};
    auto [v, i] = merge(low_half(value, half), low_half(index, half), high_half(value, half),
                        high_half(index, half));
    return merge_lanes(v, i, merge);
  } else {
    auto [v, i] = merge_rotations<lanes / 2>(value, index, merge);
    return std::pair{v[0], i[0]};
  }
}
#endif // EMBER_HAVE_VECTORS

} // namespace ember::cpu
