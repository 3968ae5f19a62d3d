// Conversions between Python objects and ember's C++ argument types, shared by every binding
// file: Python numbers -> Scalar, int or sequence -> Dims, str -> Device, plus the helpers that
// parse torch-style size arguments (view(2, 3) and view((2, 3)) alike).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ember/ember.h"

namespace py = pybind11;

namespace ember::python {

// A list of dims or sizes given as one int or a sequence of ints (torch's int[] arguments).
struct Dims {
  Shape values;
  operator IntArrayRef() const { return IntArrayRef(values); }
};

// Reads a Python bool/int/float (or a NumPy scalar) as a Scalar; false for anything else,
// tensors included.
bool load_scalar(py::handle object, Scalar &out);
// Reads an int, or a sequence of ints, into out.
bool load_int_list(py::handle object, Shape &out);
// Sizes from torch-style varargs: f(2, 3), f((2, 3)), f([2, 3]) or f(ember.Size([2, 3])).
Shape sizes_from_args(const py::args &args, const char *op);
// A Scalar as the Python number of its kind.
py::object scalar_to_python(const Scalar &value);
// The Python ember.Size for sizes.
py::object make_size(const Shape &sizes);
// The Tensor inside a Python object, or nullptr when it is not a Tensor.
const Tensor *as_tensor(py::handle object);
// A Tensor from a Tensor or a Python number (a wrapped number, as torch does for operands).
Tensor to_tensor_operand(py::handle object, const char *op);
// The Tensor of a method's self (in-place methods return self itself, keeping its Python type).
inline Tensor &self_tensor(py::handle self) {
  const Tensor *t = as_tensor(self);
  if (t == nullptr)
    throw py::type_error("expected a Tensor as self, got " +
                         py::str(self.get_type().attr("__name__")).cast<std::string>());
  return const_cast<Tensor &>(*t);
}

// torch's None for an optional tensor argument is ember's undefined Tensor.
inline Tensor or_undefined(const std::optional<Tensor> &t) { return t.value_or(Tensor()); }

void bind_dtype(py::module_ &m);
void bind_tensor(py::module_ &m);
void bind_tensor_ops(py::module_ &m, py::class_<Tensor> &cls);
void bind_indexing(py::module_ &m, py::class_<Tensor> &cls);
void bind_creation(py::module_ &m);
void bind_autograd(py::module_ &m);
void bind_interop(py::module_ &m, py::class_<Tensor> &cls);
// Replaces the hottest Tensor entry points and module functions with direct CPython ones;
// call after every def.
void install_fast_paths(py::class_<Tensor> &cls);
void install_fast_functions(py::module_ &m);
// Makes every function of m that torch gives an out= keyword accept it (out.cpp).
void accept_out(py::module_ &m);
// Keeps text for the life of the process and returns it: PyMethodDef and PyGetSetDef hold bare
// pointers to their names and docstrings.
const char *lasting_string(std::string text);
// For C functions called straight from CPython: converts the C++ exception in flight into the
// Python error pybind11's translators give it, and returns nullptr.
PyObject *raise_current_exception();
// t[index] with torch's basic and advanced indexing rules (indexing.cpp).
Tensor getitem(const Tensor &self, py::handle index);
void bind_nn(py::module_ &m);
void bind_nn_sequence(py::module_ &nn);
void bind_optim(py::module_ &m);
void bind_data(py::module_ &m);
void bind_io(py::module_ &m);

} // namespace ember::python

namespace pybind11::detail {

// ember.Tensor arguments and results skip pybind11's per-call lookup of the registered type by
// std::type_index, a measurable share of every op on small tensors: the type is looked up once.
// A returned temporary moves into a new Python object; references and pointers keep
// pybind11's own handling (identity, reference policies).
template <> struct type_caster<ember::Tensor> : type_caster_generic {
  using Base = type_caster_base<ember::Tensor>;
  static constexpr auto name = const_name("Tensor");
  // Arguments are references to the Tensor inside the Python object, never moved from.
  template <typename T> using cast_op_type = pybind11::detail::cast_op_type<T>;

  static const type_info *tensor_info() {
    static const type_info *info = nullptr;
    if (info == nullptr)
      info = get_type_info(typeid(ember::Tensor));
    return info;
  }

  type_caster() : type_caster_generic(tensor_info()) {}

  bool load(handle source, bool convert) {
    if (const ember::Tensor *tensor = ember::python::as_tensor(source)) {
      value = const_cast<ember::Tensor *>(tensor);
      return true;
    }
    return type_caster_generic::load(source, convert);
  }

  operator ember::Tensor *() { return static_cast<ember::Tensor *>(value); }
  operator ember::Tensor &() {
    if (value == nullptr)
      throw reference_cast_error();
    return *static_cast<ember::Tensor *>(value);
  }

  static handle cast(const ember::Tensor &source, return_value_policy policy, handle parent) {
    return Base::cast(source, policy, parent);
  }
  static handle cast(const ember::Tensor *source, return_value_policy policy, handle parent) {
    return Base::cast(source, policy, parent);
  }
  static handle cast(ember::Tensor &&source, return_value_policy, handle parent) {
    return type_caster_generic::cast(
        &source, return_value_policy::move, parent, tensor_info(), nullptr,
        [](const void *moved) -> void * {
          return new ember::Tensor(std::move(*const_cast<ember::Tensor *>(
              static_cast<const ember::Tensor *>(moved))));
        });
  }
};

template <> struct type_caster<ember::Scalar> {
  PYBIND11_TYPE_CASTER(ember::Scalar, const_name("Number"));
  bool load(handle source, bool) { return ember::python::load_scalar(source, value); }
  static handle cast(const ember::Scalar &source, return_value_policy, handle) {
    return ember::python::scalar_to_python(source).release();
  }
};

template <> struct type_caster<ember::python::Dims> {
  PYBIND11_TYPE_CASTER(ember::python::Dims, const_name("Union[int, Sequence[int]]"));
  bool load(handle source, bool) { return ember::python::load_int_list(source, value.values); }
  static handle cast(const ember::python::Dims &source, return_value_policy, handle) {
    return ember::python::make_size(source.values).release();
  }
};

template <> struct type_caster<ember::Device> {
  PYBIND11_TYPE_CASTER(ember::Device, const_name("Union[str, device]"));
  bool load(handle source, bool) {
    if (PyUnicode_Check(source.ptr())) {
      value = ember::Device(source.cast<std::string>());
      return true;
    }
    if (hasattr(source, "type") && PyUnicode_Check(getattr(source, "type").ptr())) {
      value = ember::Device(str(source).cast<std::string>());
      return true;
    }
    return false;
  }
  static handle cast(const ember::Device &source, return_value_policy, handle) {
    return module_::import("ember").attr("device")(source.str()).release();
  }
};

} // namespace pybind11::detail
