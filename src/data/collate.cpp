// default_collate and the row copies behind every batch: one memcpy per example or row.
#include "ember/data/collate.h"

#include <cstring>

#include "ember/ops.h"

namespace ember::data {

Tensor stack_rows(const std::vector<Tensor> &tensors, const char *what) {
  EMBER_CHECK(!tensors.empty(), "collate: no ", what, " to stack");
  const Tensor &first = tensors.front();
  Shape shape = first.sizes();
  shape.insert(shape.begin(), static_cast<int64_t>(tensors.size()));
  Tensor batch = empty(shape, dtype(first.dtype()));
  const size_t row_bytes = first.nbytes();
  char *out = static_cast<char *>(batch.data_ptr());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &tensor = tensors[i];
    EMBER_CHECK(tensor.defined(), "collate: ", what, " of example ", i, " is undefined");
    EMBER_CHECK(tensor.sizes() == first.sizes() && tensor.dtype() == first.dtype(),
                "collate: ", what, " of example ", i, " has shape ", tensor.sizes(), " and dtype ",
                tensor.dtype(), " but example 0 has shape ", first.sizes(), " and dtype ",
                first.dtype(), " (all examples of a batch must match)");
    const Tensor contiguous = tensor.contiguous();
    std::memcpy(out + i * row_bytes, contiguous.data_ptr(), row_bytes);
  }
  return batch;
}

Example default_collate(std::vector<Example> &&examples) {
  EMBER_CHECK(!examples.empty(), "collate: empty batch");
  std::vector<Tensor> data, targets;
  data.reserve(examples.size());
  targets.reserve(examples.size());
  for (Example &example : examples) {
    data.push_back(std::move(example.data));
    if (example.target.defined())
      targets.push_back(std::move(example.target));
  }
  EMBER_CHECK(targets.empty() || targets.size() == data.size(),
              "collate: some examples have a target and others do not");
  Example batch{stack_rows(data, "data"), {}};
  if (!targets.empty())
    batch.target = stack_rows(targets, "target");
  return batch;
}

Tensor gather_rows(const Tensor &source, const std::vector<int64_t> &indices) {
  EMBER_CHECK(source.is_contiguous(), "gather_rows: expected a contiguous tensor");
  Shape shape = source.sizes();
  const int64_t rows = shape.at(0);
  shape[0] = static_cast<int64_t>(indices.size());
  Tensor batch = empty(shape, dtype(source.dtype()));
  const size_t row_bytes = rows == 0 ? 0 : source.nbytes() / static_cast<size_t>(rows);
  const char *in = static_cast<const char *>(source.data_ptr());
  char *out = static_cast<char *>(batch.data_ptr());
  for (size_t i = 0; i < indices.size(); ++i) {
    check_index(indices[i], rows, "gather_rows");
    std::memcpy(out + i * row_bytes, in + indices[i] * row_bytes, row_bytes);
  }
  return batch;
}

} // namespace ember::data
