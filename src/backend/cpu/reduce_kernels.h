// The one CPU reduction mechanism behind sum, mean, prod, max/min, arg-reductions, norms, all/any.
//
// An op supplies a small Reducer (identity, step, merge, store); this file walks the input.
// The input's dims are split into kept and reduced dims and neighbours are merged, then one of
// two loops runs:
//   rows:    per output, the reduced elements are walked as runs along the innermost reduced dim
//            (contiguous for row reductions) and each run is folded into kReduceLanes independent
//            accumulators, which the compiler vectorizes and which shortens dependency chains;
//            a reducer with a vector form folds contiguous runs a register at a time instead,
//            several rows at once, and when outer reduced dims enclose kept dims (a sum over
//            (0, 2) of [N, C, L]) walks the input an outer position at a time, in memory order;
//   columns: when the reduced dims are outer and the innermost kept dim is contiguous, a block of
//            adjacent outputs is accumulated row by row, so the inner loop is a unit-stride
//            vector loop across outputs instead of a strided walk per output (with a vector
//            form, in registers).
// Determinism: an output's arithmetic order depends only on the geometry, never on the thread
// count. When there are few outputs, the reduced range is cut into chunks of a fixed size whose
// partial results are computed in parallel and then merged in chunk order.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <tuple>
#include <type_traits>
#include <vector>

#include "backend/cpu/loops.h"
#include "backend/cpu/parallel.h"
#include "backend/cpu/vec.h"
#include "ember/tensor.h"

namespace ember::cpu {

// Independent accumulators per run in the rows loop.
constexpr int64_t kReduceLanes = 32;
// Reduced elements per chunk (rows loop) and reduced rows per chunk (columns loop).
constexpr int64_t kReduceChunk = 16384;
constexpr int64_t kColumnChunkRows = 256;
// Outputs accumulated together by the columns loop.
constexpr int64_t kColumnWidth = 128;
// Rows alternate between this many sets of column accumulators, so that a narrow block (one
// vector of columns) is not a single chain of dependent steps through memory.
constexpr int64_t kColumnSets = 4;
// The fixed cost of one output of the rows loop (its lane tree, store and walk), counted in
// input elements, so that many short rows still split across threads.
constexpr int64_t kOutputCost = 16;
// With at least this many independent output units there is enough parallel work without
// chunking the reduced range.
constexpr int64_t kEnoughUnits = 16;

// One dim of the iteration: its size and strides (in elements) in the input and the output.
struct ReduceDim {
  int64_t size;
  int64_t in_stride;
  int64_t out_stride;
};

struct ReducePlan {
  std::vector<ReduceDim> kept;    // outermost first
  std::vector<ReduceDim> reduced; // outermost first; out_stride unused
  int64_t num_outputs = 1;
  int64_t reduce_size = 1;
};

// Splits input dims by mask (true = reduced). out_strides gives, per input dim, the output's
// stride (ignored for reduced dims). Unless keep_order (needed when the reducer reports flat
// indices), dims are ordered by decreasing input stride so transposed inputs are walked in
// memory order; neighbouring dims are merged where both strides allow.
inline ReducePlan make_reduce_plan(const Tensor &input, const std::vector<bool> &mask,
                                   const Shape &out_strides, bool keep_order) {
  ReducePlan plan;
  for (int64_t d = 0; d < input.dim(); ++d) {
    if (input.size(d) == 1)
      continue;
    ReduceDim dim{input.size(d), input.stride(d), mask[d] ? 0 : out_strides[d]};
    (mask[d] ? plan.reduced : plan.kept).push_back(dim);
  }
  auto order_and_merge = [&](std::vector<ReduceDim> &dims) {
    if (!keep_order)
      std::stable_sort(dims.begin(), dims.end(), [](const ReduceDim &a, const ReduceDim &b) {
        return a.in_stride > b.in_stride;
      });
    std::vector<ReduceDim> merged;
    for (const ReduceDim &dim : dims) {
      if (!merged.empty() && merged.back().in_stride == dim.in_stride * dim.size &&
          merged.back().out_stride == dim.out_stride * dim.size) {
        merged.back() = {merged.back().size * dim.size, dim.in_stride, dim.out_stride};
      } else {
        merged.push_back(dim);
      }
    }
    dims = std::move(merged);
  };
  order_and_merge(plan.kept);
  order_and_merge(plan.reduced);
  for (const ReduceDim &dim : plan.kept)
    plan.num_outputs *= dim.size;
  for (const ReduceDim &dim : plan.reduced)
    plan.reduce_size *= dim.size;
  return plan;
}

#if EMBER_HAVE_VECTORS
// A reducer's vector form, for float and double reducers whose accumulator is the element type
// and whose step ignores the index: Vec<T> vstep(Vec<T> acc, Vec<T> x) steps every lane, and
// Vec<T> vmerge(Vec<T>, Vec<T>) merges lane by lane.
template <typename Reducer>
concept VectorReducer = std::same_as<typename Reducer::in_t, typename Reducer::acc_t> &&
    requires(const Reducer &op, Vec<typename Reducer::in_t> v) {
  { op.vstep(v, v) } -> std::same_as<Vec<typename Reducer::in_t>>;
  { op.vmerge(v, v) } -> std::same_as<Vec<typename Reducer::in_t>>;
};

// Folds n contiguous elements with the vector form into one vector of partial results: two
// vector accumulators (so that two independent chains hide each step's latency), the last
// partial vector stepped in only its loaded lanes. The order depends only on n.
template <VectorReducer Reducer>
[[gnu::always_inline]] inline Vec<typename Reducer::in_t>
fold_contiguous(const Reducer &op, const typename Reducer::in_t *p, int64_t n) {
  using T = typename Reducer::in_t;
  using V = Vec<T>;
  constexpr int64_t width = kLanesOf<V>;
  V even = V{} + op.identity(), odd = even;
  int64_t i = 0;
  for (; i + 2 * width <= n; i += 2 * width) {
    V x, y;
    std::memcpy(&x, p + i, sizeof(V));
    std::memcpy(&y, p + i + width, sizeof(V));
    even = op.vstep(even, x);
    odd = op.vstep(odd, y);
  }
  if (i + width <= n) {
    V x;
    std::memcpy(&x, p + i, sizeof(V));
    even = op.vstep(even, x);
    i += width;
  }
  if (i < n)
    odd = lane_indices<T>() < static_cast<MaskLane<T>>(n - i)
              ? op.vstep(odd, load_partial(p + i, n - i))
              : odd;
  return op.vmerge(even, odd);
}

// The vector form's merge as a function of two vectors of any width.
template <VectorReducer Reducer> auto lane_merge(const Reducer &op) {
  return [&op](auto a, auto b) { return op.vmerge(a, b); };
}

// Folds n contiguous elements with the vector form, then merges the lanes as a tree.
template <VectorReducer Reducer>
typename Reducer::acc_t reduce_contiguous(const Reducer &op, const typename Reducer::in_t *p,
                                          int64_t n) {
  return merge_lanes(fold_contiguous(op, p, n), lane_merge(op));
}

// Rows reduced together by the rows loop, so that their lane trees share levels.
constexpr size_t kRowBatch = 4;

// reduce_contiguous of the runs of n elements at first + k * stride, k in Rows, at once (the same
// results). Unrolled over the rows, so that their vectors reach the tree in registers.
template <VectorReducer Reducer, size_t... Rows>
[[gnu::always_inline]] inline auto
reduce_contiguous_rows(const Reducer &op, const typename Reducer::in_t *first, int64_t stride,
                       int64_t n, std::index_sequence<Rows...>) {
  return merge_lanes_of_rows(std::array{fold_contiguous(op, first + Rows * stride, n)...},
                             lane_merge(op));
}

// The vector form of an arg-reduction (argmax, max with indices): its accumulator is an
// IndexedValue<T>-like {value, index}, and Mask<T> vbeats(Vec<T> x, Vec<T> y) tells per lane
// whether value x beats y. Ties go to the first index, as in the scalar form.
template <typename Reducer>
concept IndexedVectorReducer = requires(const Reducer &op, Vec<typename Reducer::in_t> v,
                                        typename Reducer::acc_t acc) {
  { op.vbeats(v, v) } -> std::same_as<Mask<typename Reducer::in_t>>;
  acc.value;
  acc.index;
};

// Folds n contiguous elements, at least one vector's lanes, with an arg-reduction's vector form:
// each lane keeps its best value and where it was, the first vector seeding them; then a tree
// over the lanes.
template <IndexedVectorReducer Reducer>
typename Reducer::acc_t reduce_contiguous(const Reducer &op, const typename Reducer::in_t *p,
                                          int64_t n, int64_t index0) {
  using T = typename Reducer::in_t;
  using V = Vec<T>;
  using I = Mask<T>;
  // Run lengths stay below kReduceChunk, so indices within the run fit the mask's lane type.
  constexpr int64_t width = kLanesOf<V>;
  const I lane = lane_indices<T>();
  V best;
  std::memcpy(&best, p, sizeof(V));
  I where = lane;
  int64_t i = width;
  auto fold = [&](V x, I take) {
    best = take ? x : best;
    where = take ? lane + static_cast<MaskLane<T>>(i) : where;
  };
  for (; i + width <= n; i += width) {
    V x;
    std::memcpy(&x, p + i, sizeof(V));
    fold(x, op.vbeats(x, best));
  }
  if (i < n) {
    V x = load_partial(p + i, n - i);
    fold(x, (lane < static_cast<MaskLane<T>>(n - i)) & op.vbeats(x, best));
  }
  auto [value, index] = merge_lanes(best, where, [&op](auto a, auto ai, auto b, auto bi) {
    auto b_wins = op.vbeats(b, a) | (~op.vbeats(a, b) & (bi < ai));
    return std::pair{b_wins ? b : a, b_wins ? bi : ai};
  });
  return {value, index0 + index};
}

// Rows of n elements, at most one vector's lanes, one row per lane: row k starts at
// first + k * stride (the offsets fit the lanes' integers); each lane keeps its row's best value
// and its index, so no lanes are merged. Returns one accumulator per row.
template <IndexedVectorReducer Reducer>
auto reduce_short_rows(const Reducer &op, const typename Reducer::in_t *first, int64_t stride,
                       int64_t n) {
  using T = typename Reducer::in_t;
  const Mask<T> offsets = lane_indices<T>() * static_cast<MaskLane<T>>(stride);
  Vec<T> best = gather(first, offsets);
  Mask<T> where{};
  for (int64_t k = 1; k < n; ++k) {
    Vec<T> x = gather(first, offsets + static_cast<MaskLane<T>>(k));
    Mask<T> take = op.vbeats(x, best);
    best = take ? x : best;
    where = take ? Mask<T>{} + static_cast<MaskLane<T>>(k) : where;
  }
  std::array<typename Reducer::acc_t, kLanesOf<Vec<T>>> results;
  for (size_t lane = 0; lane < results.size(); ++lane)
    results[lane] = {best[lane], where[lane]};
  return results;
}
#endif

// Folds n elements p[0], p[stride], ... (flat reduced indices index0, index0 + 1, ...) into a
// fresh accumulator, using kReduceLanes interleaved accumulators merged as a balanced tree.
template <int64_t Stride, typename Reducer>
typename Reducer::acc_t reduce_lanes(const Reducer &op, const typename Reducer::in_t *p, int64_t n,
                                     int64_t stride, int64_t index0) {
  using Acc = typename Reducer::acc_t;
  if constexpr (Stride != 0)
    stride = Stride;
  if (n < kReduceLanes) {
    Acc acc = op.identity();
    for (int64_t i = 0; i < n; ++i)
      acc = op.step(acc, p[i * stride], index0 + i);
    return acc;
  }
  Acc lanes[kReduceLanes];
  for (int64_t k = 0; k < kReduceLanes; ++k)
    lanes[k] = op.identity();
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int64_t k = 0; k < kReduceLanes; ++k)
      lanes[k] = op.step(lanes[k], p[(i + k) * stride], index0 + i + k);
  for (int64_t k = 0; i + k < n; ++k)
    lanes[k] = op.step(lanes[k], p[(i + k) * stride], index0 + i + k);
  for (int64_t width = kReduceLanes / 2; width > 0; width /= 2)
    for (int64_t k = 0; k < width; ++k)
      lanes[k] = op.merge(lanes[k], lanes[k + width]);
  return lanes[0];
}

// Folds a run of the rows loop (Stride 1: contiguous; 0: the stride is given at run time).
template <int64_t Stride, typename Reducer>
typename Reducer::acc_t reduce_run(const Reducer &op, const typename Reducer::in_t *p, int64_t n,
                                   int64_t stride, int64_t index0) {
#if EMBER_HAVE_VECTORS
  if constexpr (Stride == 1 && VectorReducer<Reducer>) {
    return reduce_contiguous(op, p, n);
  } else if constexpr (Stride == 1 && IndexedVectorReducer<Reducer>) {
    // Up to one vector, a scan: it costs less than merging the lanes' (value, index) pairs, and
    // reduce_contiguous needs a full first vector.
    if (n <= static_cast<int64_t>(kLanesOf<Vec<typename Reducer::in_t>>))
      return reduce_lanes<Stride>(op, p, n, stride, index0);
    return reduce_contiguous(op, p, n, index0);
  } else
#endif
  {
    return reduce_lanes<Stride>(op, p, n, stride, index0);
  }
}

// A row-major position over the first `count` of dims, with its input and output offsets.
// Stepping it costs additions; only the start divides.
class DimCursor {
public:
  DimCursor(const std::vector<ReduceDim> &dims, size_t count, int64_t flat)
      : dims_(dims), idx_(count, 0) {
    for (size_t d = count; d-- > 0;) {
      idx_[d] = flat % dims[d].size;
      flat /= dims[d].size;
      in += idx_[d] * dims[d].in_stride;
      out += idx_[d] * dims[d].out_stride;
    }
  }
  // Elements left along the innermost dim, this one included.
  int64_t left_in_row() const { return dims_[idx_.size() - 1].size - idx_.back(); }
  // Moves `steps` (at most left_in_row()) along the innermost dim, carrying into outer dims.
  void advance(int64_t steps) {
    size_t d = idx_.size() - 1;
    idx_[d] += steps;
    in += steps * dims_[d].in_stride;
    out += steps * dims_[d].out_stride;
    for (; d > 0 && idx_[d] == dims_[d].size; --d) {
      in += dims_[d - 1].in_stride - idx_[d] * dims_[d].in_stride;
      out += dims_[d - 1].out_stride - idx_[d] * dims_[d].out_stride;
      idx_[d] = 0;
      ++idx_[d - 1];
    }
  }

  int64_t in = 0;
  int64_t out = 0;

private:
  const std::vector<ReduceDim> &dims_;
  DimArray idx_;
};

// Element offsets of the flat index `flat` over the first `count` dims (row-major):
// {input offset, output offset}.
inline std::pair<int64_t, int64_t> offsets_of(const std::vector<ReduceDim> &dims, size_t count,
                                              int64_t flat) {
  DimCursor cursor(dims, count, flat);
  return {cursor.in, cursor.out};
}

// Walks the reduced flat indices [begin, end) of the reduced dims, calling
// visit(input offset, run length, flat index of the run start) for runs along the innermost one.
template <typename Visit>
void walk_reduced(const std::vector<ReduceDim> &reduced, int64_t begin, int64_t end,
                  const Visit &visit) {
  if (begin >= end) // also keeps a zero-size dim out of the index arithmetic below
    return;
  if (reduced.size() <= 1) { // a single run
    visit(reduced.empty() ? 0 : begin * reduced[0].in_stride, end - begin, begin);
    return;
  }
  DimCursor cursor(reduced, reduced.size(), begin);
  for (int64_t position = begin; position < end;) {
    int64_t length = std::min(cursor.left_in_row(), end - position);
    visit(cursor.in, length, position);
    position += length;
    cursor.advance(length);
  }
}

// The dim along which walk_output_runs gives runs of outputs: the innermost kept dim, or for a
// single output, a dim of size 1.
inline ReduceDim output_run_dim(const std::vector<ReduceDim> &kept) {
  return kept.empty() ? ReduceDim{1, 0, 0} : kept.back();
}

// Walks the flat output indices [begin, end) of the kept dims in row-major order, calling
// visit(input offset, output offset, count) for runs of count outputs along output_run_dim(kept):
// output j of a run is its in_stride * j input elements and out_stride * j output elements on
// from its first.
template <typename Visit>
void walk_output_runs(const std::vector<ReduceDim> &kept, int64_t begin, int64_t end,
                      const Visit &visit) {
  if (begin >= end)
    return;
  if (kept.empty()) { // a single output
    visit(int64_t{0}, int64_t{0}, int64_t{1});
    return;
  }
  DimCursor cursor(kept, kept.size(), begin);
  for (int64_t position = begin; position < end;) {
    const int64_t count = std::min(cursor.left_in_row(), end - position);
    visit(cursor.in, cursor.out, count);
    position += count;
    cursor.advance(count);
  }
}

// Merges count blocks of width accumulators, block k at first + k * block_stride, as a balanced
// tree in block order (pairwise summation keeps float sums accurate); block 0 gets the result.
template <typename Reducer>
void merge_blocks(const Reducer &op, typename Reducer::acc_t *first, int64_t count,
                  int64_t block_stride, int64_t width) {
  for (int64_t step = 1; step < count; step *= 2)
    for (int64_t k = 0; k + step < count; k += 2 * step)
      for (int64_t j = 0; j < width; ++j)
        first[k * block_stride + j] =
            op.merge(first[k * block_stride + j], first[(k + step) * block_stride + j]);
}

// Runs work(unit, chunk, partials) for units x chunks; when chunks > 1 every (unit, chunk) fills
// its own `width` partials, which are then merged in chunk order and stored. Otherwise
// work writes the results itself (partials == nullptr).
template <typename Reducer, typename Work, typename Store>
void run_units(const Reducer &op, int64_t units, int64_t chunks, int64_t width,
               int64_t work_per_task, const Work &work, const Store &store) {
  using Acc = typename Reducer::acc_t;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_task, 1));
  if (chunks == 1) {
    parallel_for(0, units, grain, [&](int64_t begin, int64_t end) {
      for (int64_t u = begin; u < end; ++u)
        work(u, int64_t{0}, static_cast<Acc *>(nullptr));
    });
    return;
  }
  // Not std::vector: vector<bool> has no data().
  std::unique_ptr<Acc[]> partials(new Acc[units * chunks * width]);
  parallel_for(0, units * chunks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task)
      work(task / chunks, task % chunks, partials.get() + task * width);
  });
  parallel_for(0, units, std::max<int64_t>(1, grain / chunks), [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      Acc *first = partials.get() + u * chunks * width;
      merge_blocks(op, first, chunks, width, width);
      store(u, first);
    }
  });
}

#if EMBER_HAVE_VECTORS
// Stores the outputs [begin, end) of kept, whose inputs are contiguous runs of n elements
// (1 <= n <= kReduceChunk), reducing several rows of a run of outputs at a time: kRowBatch at a
// time with a vector form, whose lane trees then share levels; a vector of rows at a time for an
// arg-reduction of rows of at most one vector's lanes (reduce_short_rows). The rows left at the
// end of a run, and short rows too far apart for the gather's offsets, go one by one through
// fold(row, 0, n), with the same results.
template <typename Reducer, typename Fold>
void reduce_row_batches(const Reducer &op, const std::vector<ReduceDim> &kept,
                        const typename Reducer::in_t *in, int64_t n, int64_t begin, int64_t end,
                        const Fold &fold) {
  using T = typename Reducer::in_t;
  const ReduceDim run = output_run_dim(kept);
  const int64_t in_stride = run.in_stride, out_stride = run.out_stride;
  walk_output_runs(kept, begin, end, [&](int64_t in_offset, int64_t out_offset, int64_t count) {
    const T *first = in + in_offset;
    int64_t j = 0;
    auto store_batch = [&](const auto &results, size_t rows) {
      for (size_t k = 0; k < rows; ++k) // merged into the identity, as fold() does
        op.store(out_offset + (j + k) * out_stride, op.merge(op.identity(), results[k]));
    };
    if constexpr (VectorReducer<Reducer>) {
      for (; j + static_cast<int64_t>(kRowBatch) <= count; j += kRowBatch)
        store_batch(reduce_contiguous_rows(op, first + j * in_stride, in_stride, n,
                                           std::make_index_sequence<kRowBatch>{}),
                    kRowBatch);
    } else {
      constexpr int64_t lanes = kLanesOf<Vec<T>>;
      if (in_stride >= 0 && (lanes - 1) * in_stride <= std::numeric_limits<MaskLane<T>>::max() - n)
        for (; j + lanes <= count; j += lanes)
          store_batch(reduce_short_rows(op, first + j * in_stride, in_stride, n), lanes);
    }
    for (; j < count; ++j)
      op.store(out_offset + j * out_stride, fold(first + j * in_stride, 0, n));
  });
}

// Column vectors that the columns loop keeps in registers at once: a block of kColumnWidth floats
// goes in one pass over its rows.
constexpr int64_t kColumnGroupVectors = 8;

// The columns loop's fold with a vector form: steps the reduced rows [first, last) of `width`
// adjacent columns from base (at most Vectors vectors of them) into vector accumulators held in
// registers, merges them and writes the width results to results. Groups of fewer than
// kColumnSets vectors alternate rows between sets of accumulators (a run's row r into set
// r % Sets), so that there are still kColumnSets independent chains; the sets merge as a tree.
template <int64_t Vectors, VectorReducer Reducer>
void fold_column_group(const Reducer &op, const typename Reducer::in_t *base,
                       const std::vector<ReduceDim> &reduced, int64_t first, int64_t last,
                       int64_t width, typename Reducer::in_t *results) {
  using T = typename Reducer::in_t;
  using V = Vec<T>;
  constexpr int64_t lanes = kLanesOf<V>;
  constexpr int64_t Sets = std::max<int64_t>(1, kColumnSets / Vectors);
  const int64_t last_lanes = width - (Vectors - 1) * lanes;
  const int64_t step = reduced.back().in_stride;
  V sets[Sets][Vectors];
  for (auto &set : sets)
    for (V &acc : set)
      acc = V{} + op.identity();
  // Indices into sets are compile-time constants once unrolled, so the sets stay in registers.
  auto step_row = [&](V(&set)[Vectors], const T *row) [[gnu::always_inline]] {
#pragma GCC unroll 8
    for (int64_t g = 0; g < Vectors; ++g)
      set[g] =
          op.vstep(set[g], load_partial(row + g * lanes, g + 1 < Vectors ? lanes : last_lanes));
  };
  walk_reduced(reduced, first, last, [&](int64_t offset, int64_t length, int64_t) {
    const T *row = base + offset;
    int64_t r = 0;
    for (; r + Sets <= length; r += Sets, row += Sets * step)
#pragma GCC unroll 4
      for (int64_t s = 0; s < Sets; ++s)
        step_row(sets[s], row + s * step);
#pragma GCC unroll 4
    for (int64_t s = 0; s + 1 < Sets; ++s)
      if (r + s < length)
        step_row(sets[s], row + s * step);
  });
#pragma GCC unroll 4
  for (int64_t gap = 1; gap < Sets; gap *= 2)
#pragma GCC unroll 4
    for (int64_t s = 0; s + gap < Sets; s += 2 * gap)
#pragma GCC unroll 8
      for (int64_t g = 0; g < Vectors; ++g)
        sets[s][g] = op.vmerge(sets[s][g], sets[s + gap][g]);
  T merged[Vectors * lanes];
#pragma GCC unroll 8
  for (int64_t g = 0; g < Vectors; ++g) {
    const V result = sets[0][g];
    std::memcpy(merged + g * lanes, &result, sizeof(V));
  }
  std::copy(merged, merged + width, results);
}

// fold_column_group over `width` columns, kColumnGroupVectors vectors of them at a time.
template <VectorReducer Reducer>
void fold_columns(const Reducer &op, const typename Reducer::in_t *base,
                  const std::vector<ReduceDim> &reduced, int64_t first, int64_t last, int64_t width,
                  typename Reducer::in_t *results) {
  constexpr int64_t lanes = kLanesOf<Vec<typename Reducer::in_t>>;
  for (int64_t j = 0; j < width; j += kColumnGroupVectors * lanes) {
    const int64_t columns = std::min(kColumnGroupVectors * lanes, width - j);
    const int64_t vectors = (columns + lanes - 1) / lanes;
    [&]<int64_t... V>(std::integer_sequence<int64_t, V...>) {
      ((vectors == V + 1
            ? fold_column_group<V + 1>(op, base + j, reduced, first, last, columns, results + j)
            : void()),
       ...);
    }
    (std::make_integer_sequence<int64_t, kColumnGroupVectors>{});
  }
}

// Whether the rows loop should walk the input in memory order (reduce_outer_first): each output
// reduces rows of the innermost reduced dim (contiguous, at most kReduceChunk long) repeated along
// outer reduced dims that enclose kept dims, as a sum over (0, 2) of [N, C, L] does. Walked output
// by output, each row would be a jump through the whole input.
inline bool outer_first(const ReducePlan &plan) {
  return plan.reduce_size > 0 && plan.reduced.size() > 1 && plan.reduced.back().in_stride == 1 &&
         plan.reduced.back().size <= kReduceChunk && !plan.kept.empty() &&
         plan.kept.front().in_stride < plan.reduced.front().in_stride;
}

// Stores the outputs [begin, end) of an outer_first plan: for each position along the outer
// reduced dims in turn, the rows of all these outputs there (contiguous memory) are reduced as
// row reductions and merged into one partial accumulator per output. An output's order: its rows'
// results merged in the order of their outer positions.
template <VectorReducer Reducer>
void reduce_outer_first(const Reducer &op, const ReducePlan &plan, const typename Reducer::in_t *in,
                        int64_t begin, int64_t end) {
  using Acc = typename Reducer::acc_t;
  // The kept dims with output strides that count outputs in walking order, so that the rows'
  // results land at their position in partials.
  std::vector<ReduceDim> positions = plan.kept;
  int64_t stride = 1;
  for (auto dim = positions.rbegin(); dim != positions.rend(); ++dim) {
    dim->out_stride = stride;
    stride *= dim->size;
  }
  std::vector<Acc> partials(end - begin, op.identity());
  // op, except that results merge into partials (output `begin` first) instead of being stored.
  struct MergeIntoPartials : Reducer {
    Acc *partials;
    int64_t begin;
    void store(int64_t position, Acc acc) const {
      partials[position - begin] = Reducer::merge(partials[position - begin], acc);
    }
  };
  const MergeIntoPartials merge_op{op, partials.data(), begin};
  const std::vector<ReduceDim> outer(plan.reduced.begin(), plan.reduced.end() - 1);
  const int64_t row_length = plan.reduced.back().size;
  auto fold_row = [&](const typename Reducer::in_t *row, int64_t, int64_t) {
    return op.merge(op.identity(), reduce_contiguous(op, row, row_length));
  };
  int64_t outer_count = 1;
  for (const ReduceDim &dim : outer)
    outer_count *= dim.size;
  walk_reduced(outer, 0, outer_count, [&](int64_t offset, int64_t length, int64_t) {
    for (int64_t r = 0; r < length; ++r)
      reduce_row_batches(merge_op, positions, in + offset + r * outer.back().in_stride, row_length,
                         begin, end, fold_row);
  });
  const int64_t out_stride = plan.kept.back().out_stride;
  const Acc *partial = partials.data();
  walk_output_runs(plan.kept, begin, end, [&](int64_t, int64_t out_offset, int64_t count) {
    for (int64_t j = 0; j < count; ++j)
      op.store(out_offset + j * out_stride, *partial++);
  });
}
#endif

// Reduces input data `in` (element type Reducer::in_t, laid out as plan describes) and hands
// each output's accumulator to op.store(output offset, acc).
//
// A Reducer provides: in_t, acc_t, acc_t identity(), acc_t step(acc_t, in_t, int64_t flat
// reduced index), acc_t merge(acc_t earlier, acc_t later), void store(int64_t, acc_t).
template <typename Reducer>
void reduce(const ReducePlan &plan, const typename Reducer::in_t *in, const Reducer &op) {
  using Acc = typename Reducer::acc_t;
  if (plan.num_outputs == 0)
    return;
  const int64_t n = plan.reduce_size;
  // Fewer columns than this take the rows loop (strided runs) instead: the scalar columns loop
  // pays off from a vector's worth of columns, fold_columns (masked loads) from two.
#if EMBER_HAVE_VECTORS
  constexpr int64_t min_columns = VectorReducer<Reducer> ? 2 : 16;
#else
  constexpr int64_t min_columns = 16;
#endif
  const bool column_loop = !plan.reduced.empty() && plan.reduced.back().in_stride != 1 &&
                           !plan.kept.empty() && plan.kept.back().in_stride == 1 &&
                           plan.kept.back().size >= min_columns;
  if (!column_loop) {
    const int64_t chunks = plan.num_outputs >= kEnoughUnits
                               ? 1
                               : std::max<int64_t>(1, (n + kReduceChunk - 1) / kReduceChunk);
    const bool unit_stride = plan.reduced.empty() || plan.reduced.back().in_stride == 1;
    const int64_t run_stride = plan.reduced.empty() ? 0 : plan.reduced.back().in_stride;
    // Calls visit(start, length, flat index of start) for the runs of the reduced elements
    // [first, last) of the output whose input starts at base, cut into pieces of at most
    // kReduceChunk, which bounds each lane's sequential chain (accuracy of float sums).
    auto for_each_piece = [&](const typename Reducer::in_t *base, int64_t first, int64_t last,
                              const auto &visit) {
      walk_reduced(plan.reduced, first, last, [&](int64_t offset, int64_t length, int64_t index0) {
        for (int64_t at = 0; at < length; at += kReduceChunk)
          visit(base + offset + at * run_stride, std::min(kReduceChunk, length - at), index0 + at);
      });
    };
    auto fold = [&](const typename Reducer::in_t *base, int64_t first, int64_t last) {
#if EMBER_HAVE_VECTORS
      if constexpr (VectorReducer<Reducer>) {
        // Several runs per output: vector accumulators carry across them, one lane tree at the
        // end. (A single run goes through reduce_run, like the rows that reduce_row_batches
        // reduces together.)
        if (unit_stride && plan.reduced.size() > 1) {
          auto lanes = Vec<typename Reducer::in_t>{} + op.identity();
          for_each_piece(base, first, last, [&](const auto *start, int64_t length, int64_t) {
            lanes = op.vmerge(lanes, fold_contiguous(op, start, length));
          });
          return op.merge(op.identity(), merge_lanes(lanes, lane_merge(op)));
        }
      }
#endif
      Acc acc = op.identity();
      for_each_piece(base, first, last, [&](const auto *start, int64_t length, int64_t index0) {
        acc = op.merge(acc, unit_stride ? reduce_run<1>(op, start, length, 1, index0)
                                        : reduce_run<0>(op, start, length, run_stride, index0));
      });
      return acc;
    };
    if (chunks == 1) {
      const int64_t grain = std::max<int64_t>(1, kGrainSize / (n + kOutputCost));
#if EMBER_HAVE_VECTORS
      if constexpr (VectorReducer<Reducer>) {
        if (outer_first(plan)) {
          parallel_for(0, plan.num_outputs, grain, [&](int64_t begin, int64_t end) {
            reduce_outer_first(op, plan, in, begin, end);
          });
          return;
        }
      }
#endif
      parallel_for(0, plan.num_outputs, grain, [&](int64_t begin, int64_t end) {
#if EMBER_HAVE_VECTORS
        if constexpr (VectorReducer<Reducer> || IndexedVectorReducer<Reducer>) {
          // Outputs whose input is one contiguous piece go several at a time.
          constexpr int64_t lanes = kLanesOf<Vec<typename Reducer::in_t>>;
          if (unit_stride && plan.reduced.size() == 1 && n >= 1 && n <= kReduceChunk &&
              (VectorReducer<Reducer> || n <= lanes)) {
            reduce_row_batches(op, plan.kept, in, n, begin, end, fold);
            return;
          }
        }
#endif
        const ReduceDim run = output_run_dim(plan.kept);
        const int64_t in_stride = run.in_stride, out_stride = run.out_stride;
        walk_output_runs(
            plan.kept, begin, end, [&](int64_t in_offset, int64_t out_offset, int64_t count) {
              for (int64_t j = 0; j < count; ++j)
                op.store(out_offset + j * out_stride, fold(in + in_offset + j * in_stride, 0, n));
            });
      });
      return;
    }
    auto work = [&](int64_t u, int64_t c, Acc *partial) {
      const auto *base = in + offsets_of(plan.kept, plan.kept.size(), u).first;
      *partial = fold(base, c * kReduceChunk, std::min(n, (c + 1) * kReduceChunk));
    };
    auto store = [&](int64_t u, const Acc *acc) {
      op.store(offsets_of(plan.kept, plan.kept.size(), u).second, *acc);
    };
    run_units(op, plan.num_outputs, chunks, 1, kReduceChunk, work, store);
    return;
  }

  // Columns loop: a unit is a block of up to kColumnWidth adjacent outputs along the innermost
  // kept dim, for one index of the outer kept dims.
  const ReduceDim columns = plan.kept.back();
  const size_t outer_dims = plan.kept.size() - 1;
  const int64_t blocks = (columns.size + kColumnWidth - 1) / kColumnWidth;
  const int64_t units = plan.num_outputs / columns.size * blocks;
  // Always chunked: a column is accumulated sequentially, so chunks bound its error too.
  const int64_t chunks = std::max<int64_t>(1, (n + kColumnChunkRows - 1) / kColumnChunkRows);
  const int64_t chunk_rows = kColumnChunkRows;
  auto unit_origin = [&](int64_t u) {
    auto [in_offset, out_offset] = offsets_of(plan.kept, outer_dims, u / blocks);
    int64_t first_column = (u % blocks) * kColumnWidth;
    return std::tuple{in_offset + first_column, out_offset + first_column * columns.out_stride,
                      std::min(kColumnWidth, columns.size - first_column)};
  };
  auto work = [&](int64_t u, int64_t c, Acc *partial) {
    auto [in_offset, out_offset, width] = unit_origin(u);
    const typename Reducer::in_t *base = in + in_offset;
    const int64_t first = c * chunk_rows, last = std::min(n, (c + 1) * chunk_rows);
    // Arg-reductions (struct accumulators) measured slower with sets: one for them.
    constexpr int64_t set_count = std::is_arithmetic_v<Acc> ? kColumnSets : 1;
    Acc sets[set_count][kColumnWidth];
    const Acc *acc = sets[0];
#if EMBER_HAVE_VECTORS
    if constexpr (VectorReducer<Reducer>) {
      fold_columns(op, base, plan.reduced, first, last, width, sets[0]);
    } else
#endif
    {
      for (auto &set : sets)
        std::fill(set, set + width, op.identity());
      walk_reduced(plan.reduced, first, last, [&](int64_t offset, int64_t length, int64_t index0) {
        const int64_t step = plan.reduced.back().in_stride;
        for (int64_t r = 0; r < length; ++r) {
          const typename Reducer::in_t *row = base + offset + r * step;
          Acc *set = sets[(index0 + r) % set_count];
          for (int64_t j = 0; j < width; ++j)
            set[j] = op.step(set[j], row[j], index0 + r);
        }
      });
      merge_blocks(op, sets[0], set_count, kColumnWidth, width);
    }
    if (partial) {
      std::copy(acc, acc + width, partial);
    } else {
      for (int64_t j = 0; j < width; ++j)
        op.store(out_offset + j * columns.out_stride, acc[j]);
    }
  };
  auto store = [&](int64_t u, const Acc *acc) {
    auto [in_offset, out_offset, width] = unit_origin(u);
    for (int64_t j = 0; j < width; ++j)
      op.store(out_offset + j * columns.out_stride, acc[j]);
  };
  run_units(op, units, chunks, kColumnWidth, std::max<int64_t>(chunk_rows * kColumnWidth, 1), work,
            store);
}

} // namespace ember::cpu
