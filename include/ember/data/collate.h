// Collation: turning a list of examples into one batch (torch.utils.data.default_collate).
#pragma once

#include <functional>
#include <vector>

#include "ember/data/dataset.h"

namespace ember::data {

// Stacks the examples' data into a [N, ...] tensor and their targets into a [N, ...] tensor
// (each copied with one memcpy into a preallocated batch). All data must share one shape and
// dtype, and so must all targets; targets that are all undefined stay undefined.
Example default_collate(std::vector<Example> &&examples);

// Stacks same-shaped tensors along a new first dimension, one memcpy per tensor.
Tensor stack_rows(const std::vector<Tensor> &tensors, const char *what);

// Copies rows indices of source (a tensor indexed along dim 0) into a new [indices.size(), ...]
// tensor, one memcpy per row.
Tensor gather_rows(const Tensor &source, const std::vector<int64_t> &indices);

using CollateFn = std::function<Example(std::vector<Example> &&)>;

} // namespace ember::data
