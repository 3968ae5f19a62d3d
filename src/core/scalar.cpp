// Scalar printing and its dtype when it becomes a tensor.
#include "ember/scalar.h"

namespace ember {

DType Scalar::natural_dtype() const {
  switch (kind_) {
  case Kind::Bool:
    return DType::Bool;
  case Kind::Int:
    return DType::Int64;
  case Kind::Float:
    return default_dtype();
  }
  return default_dtype();
}

std::ostream &operator<<(std::ostream &out, const Scalar &value) {
  switch (value.kind()) {
  case Scalar::Kind::Bool:
    return out << (value.to<bool>() ? "True" : "False");
  case Scalar::Kind::Int:
    return out << value.to<int64_t>();
  case Scalar::Kind::Float:
    return out << value.to<double>();
  }
  return out;
}

} // namespace ember
