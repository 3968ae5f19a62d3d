// ember::tensor({...}): tensors from nested initializer lists, as torch::tensor.
#pragma once

#include <initializer_list>
#include <vector>

#include "ember/ops.h"

namespace ember {

namespace detail {
// Values flattened in row-major order and the shape they came in, checked to be rectangular.
struct TensorLiteral {
  std::vector<double> values;
  Shape sizes;
  bool all_integral = true;
  bool all_bool = true;
};
Tensor tensor_from_literal(const TensorLiteral &literal, const TensorOptions &options);

template <typename T> struct NestedList {
  using type = std::initializer_list<T>;
};
} // namespace detail

// A 1-d tensor: tensor({1.0, 2.0, 3.0}). Integers give int64, floats the default float dtype and
// bools kBool, unless options set a dtype.
template <typename T>
Tensor tensor(std::initializer_list<T> values, const TensorOptions &options = {}) {
  detail::TensorLiteral literal;
  literal.sizes = {static_cast<int64_t>(values.size())};
  for (const T &value : values)
    literal.values.push_back(static_cast<double>(value));
  literal.all_integral = std::is_integral_v<T>;
  literal.all_bool = std::is_same_v<T, bool>;
  return detail::tensor_from_literal(literal, options);
}

// A 2-d tensor: tensor({{1, 2}, {3, 4}}).
template <typename T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows, const TensorOptions &options = {}) {
  detail::TensorLiteral literal;
  int64_t columns = rows.size() == 0 ? 0 : static_cast<int64_t>(rows.begin()->size());
  literal.sizes = {static_cast<int64_t>(rows.size()), columns};
  for (const auto &row : rows) {
    EMBER_CHECK(static_cast<int64_t>(row.size()) == columns,
                "tensor: rows have different lengths (", columns, " and ", row.size(), ")");
    for (const T &value : row)
      literal.values.push_back(static_cast<double>(value));
  }
  literal.all_integral = std::is_integral_v<T>;
  literal.all_bool = std::is_same_v<T, bool>;
  return detail::tensor_from_literal(literal, options);
}

// A 3-d tensor: tensor({{{1, 2}}, {{3, 4}}}).
template <typename T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks,
              const TensorOptions &options = {}) {
  detail::TensorLiteral literal;
  int64_t rows = blocks.size() == 0 ? 0 : static_cast<int64_t>(blocks.begin()->size());
  int64_t columns = rows == 0 ? 0 : static_cast<int64_t>(blocks.begin()->begin()->size());
  literal.sizes = {static_cast<int64_t>(blocks.size()), rows, columns};
  for (const auto &block : blocks) {
    EMBER_CHECK(static_cast<int64_t>(block.size()) == rows, "tensor: ragged nested list");
    for (const auto &row : block) {
      EMBER_CHECK(static_cast<int64_t>(row.size()) == columns, "tensor: ragged nested list");
      for (const T &value : row)
        literal.values.push_back(static_cast<double>(value));
    }
  }
  literal.all_integral = std::is_integral_v<T>;
  literal.all_bool = std::is_same_v<T, bool>;
  return detail::tensor_from_literal(literal, options);
}

// A 0-d tensor: tensor(3.5).
template <typename T>
  requires std::is_arithmetic_v<T>
Tensor tensor(T value, const TensorOptions &options = {}) {
  return scalar_tensor(Scalar(value), options);
}

} // namespace ember
