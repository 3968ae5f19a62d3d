// Sorting along a dim: sort, argsort and topk. Each line along the dim is ordered through an index
// permutation (NaN sorts as the largest value, as in torch); lines run in parallel. Only values
// are differentiable: their gradient is scattered back to where each value came from.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "autograd/record.h"
#include "backend/cpu/parallel.h"
#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember {
namespace {

// The value sorting compares: half-precision types compare as float.
template <typename T> auto sort_key(T value) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return static_cast<float>(value);
  else
    return value;
}

// Strict order in which NaN is larger than every number (and equal to NaN).
template <typename K> bool less_nan_last(K a, K b) {
  if constexpr (std::is_floating_point_v<K>)
    return a < b || (!std::isnan(a) && std::isnan(b));
  else
    return a < b;
}

// For every line of self along dim, writes the first k elements of its ascending (or
// descending) order to values and their positions to indices, both dense with size k along dim.
// With k == size the sort is stable; a partial selection breaks ties by position.
void order_lines(const Tensor &self, int64_t dim, int64_t k, bool descending, const Tensor &values,
                 const Tensor &indices, const char *op) {
  Tensor src;
  {
    NoGradGuard no_grad;
    src = self.contiguous();
  }
  const int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  const int64_t inner =
      self.dim() == 0
          ? 1
          : shape_numel(IntArrayRef(self.sizes().data() + dim + 1, self.dim() - dim - 1));
  const int64_t lines = self.numel() / std::max<int64_t>(1, size);
  if (lines == 0 || k == 0)
    return;
  dispatch_all(self.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T *in = src.data_ptr<T>();
    T *out_values = values.data_ptr<T>();
    int64_t *out_indices = indices.data_ptr<int64_t>();
    cpu::parallel_for(
        0, lines, std::max<int64_t>(1, cpu::kGrainSize / size), [&](int64_t begin, int64_t end) {
          using K = decltype(sort_key(T{}));
          std::vector<K> keys(size);
          std::vector<int64_t> order(size);
          auto before = [&](int64_t a, int64_t b) {
            return descending ? less_nan_last(keys[b], keys[a]) : less_nan_last(keys[a], keys[b]);
          };
          auto before_or_earlier = [&](int64_t a, int64_t b) {
            return before(a, b) || (!before(b, a) && a < b);
          };
          for (int64_t line = begin; line < end; ++line) {
            const int64_t outer = line / inner, position = line % inner;
            const T *line_in = in + outer * size * inner + position;
            for (int64_t j = 0; j < size; ++j)
              keys[j] = sort_key(line_in[j * inner]);
            std::iota(order.begin(), order.end(), int64_t{0});
            if (k == size)
              std::stable_sort(order.begin(), order.end(), before);
            else
              std::partial_sort(order.begin(), order.begin() + k, order.end(), before_or_earlier);
            const int64_t out_base = outer * k * inner + position;
            for (int64_t j = 0; j < k; ++j) {
              out_values[out_base + j * inner] = line_in[order[j] * inner];
              out_indices[out_base + j * inner] = order[j];
            }
          }
        });
  });
}

// Records the backward of sort and topk: the values' gradient goes back to the sorted positions.
void record_values_backward(const char *name, const Tensor &self, int64_t dim, const Tensor &values,
                            const Tensor &indices) {
  if (!autograd::needs_grad(self))
    return;
  autograd::record(
      name, {self}, {values}, {indices},
      [dim, sizes = self.sizes()](const autograd::BackwardContext &ctx, const TensorList &grads) {
        return TensorList{zeros(sizes, grads[0].options()).scatter(dim, ctx.saved[0], grads[0])};
      });
}

} // namespace

std::tuple<Tensor, Tensor> sort(const Tensor &self, int64_t dim, bool descending, bool stable) {
  // The sort is always stable, which also satisfies stable == false (any order of ties).
  dim = wrap_dim(dim, self.dim(), "sort");
  Tensor values = empty(self.sizes(), self.options());
  Tensor indices = empty(self.sizes(), ember::dtype(kInt64));
  order_lines(self, dim, self.dim() == 0 ? 1 : self.size(dim), descending, values, indices, "sort");
  record_values_backward("SortBackward", self, dim, values, indices);
  return {values, indices};
}

Tensor argsort(const Tensor &self, int64_t dim, bool descending, bool stable) {
  NoGradGuard no_grad;
  return std::get<1>(sort(self, dim, descending, stable));
}

std::tuple<Tensor, Tensor> topk(const Tensor &self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  // The k values always come out sorted, which also satisfies sorted == false.
  dim = wrap_dim(dim, self.dim(), "topk");
  const int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  EMBER_CHECK(k >= 0 && k <= size, "topk: selected index k out of range (k = ", k,
              ", size of dimension ", dim, " = ", size, ")");
  Shape out_sizes = self.sizes();
  if (self.dim() > 0)
    out_sizes[dim] = k;
  Tensor values = empty(out_sizes, self.options());
  Tensor indices = empty(out_sizes, ember::dtype(kInt64));
  order_lines(self, dim, k, largest, values, indices, "topk");
  record_values_backward("TopkBackward", self, dim, values, indices);
  return {values, indices};
}

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool stable) const {
  return ember::sort(*this, dim, descending, stable);
}
Tensor Tensor::argsort(int64_t dim, bool descending, bool stable) const {
  return ember::argsort(*this, dim, descending, stable);
}
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}

} // namespace ember
