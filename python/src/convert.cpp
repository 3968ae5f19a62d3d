// The argument conversions declared in casters.h.
#include "casters.h"

namespace ember::python {

bool load_scalar(py::handle object, Scalar &out) {
  PyObject *o = object.ptr();
  if (PyBool_Check(o)) {
    out = Scalar(o == Py_True);
    return true;
  }
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0)
      throw py::value_error("integer " + py::str(object).cast<std::string>() +
                            " is out of range for int64");
    out = Scalar(static_cast<int64_t>(value));
    return true;
  }
  if (PyFloat_CheckExact(o)) {
    out = Scalar(PyFloat_AS_DOUBLE(o));
    return true;
  }
  if (as_tensor(object) != nullptr || PyUnicode_Check(o) || PySequence_Check(o))
    return false;
  // NumPy scalars and other number types: integers through __index__, the rest through __float__.
  if (PyFloat_Check(o)) {
    out = Scalar(PyFloat_AsDouble(o));
    return true;
  }
  if (PyIndex_Check(o)) {
    out = Scalar(static_cast<int64_t>(PyNumber_AsSsize_t(o, PyExc_OverflowError)));
    return !PyErr_Occurred() || (PyErr_Clear(), false);
  }
  if (PyObject_HasAttrString(o, "__float__") && PyObject_HasAttrString(o, "dtype")) {
    double value = PyFloat_AsDouble(o);
    if (PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    out = Scalar(value);
    return true;
  }
  return false;
}

bool load_int_list(py::handle object, Shape &out) {
  PyObject *o = object.ptr();
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    out.assign(1, PyLong_AsLongLong(o));
    return true;
  }
  if (PyTuple_Check(o) || PyList_Check(o)) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject **items = PySequence_Fast_ITEMS(o);
    out.resize(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (!PyIndex_Check(items[i]) || PyBool_Check(items[i]))
        return false;
      out[static_cast<size_t>(i)] = PyNumber_AsSsize_t(items[i], PyExc_OverflowError);
    }
    return true;
  }
  if (PyIndex_Check(o) && as_tensor(object) == nullptr) {
    out.assign(1, PyNumber_AsSsize_t(o, PyExc_OverflowError));
    return true;
  }
  if (const Tensor *t = as_tensor(object);
      t != nullptr && t->dim() == 0 && is_integral(t->dtype(), false)) {
    out.assign(1, t->item().to_long());
    return true;
  }
  return false;
}

Shape sizes_from_args(const py::args &args, const char *op) {
  Shape sizes;
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) {
    if (!load_int_list(args[0], sizes))
      throw py::type_error(std::string(op) + ": expected a sequence of ints as the size, got " +
                           py::str(args[0].get_type()).cast<std::string>());
    return sizes;
  }
  sizes.reserve(args.size());
  for (py::handle item : args) {
    if (!PyIndex_Check(item.ptr()) || PyBool_Check(item.ptr()))
      throw py::type_error(std::string(op) + ": sizes must be ints, got " +
                           py::str(item.get_type()).cast<std::string>());
    sizes.push_back(PyNumber_AsSsize_t(item.ptr(), PyExc_OverflowError));
  }
  return sizes;
}

py::object scalar_to_python(const Scalar &value) {
  switch (value.kind()) {
  case Scalar::Kind::Bool:
    return py::bool_(value.to<bool>());
  case Scalar::Kind::Int:
    return py::int_(value.to<int64_t>());
  case Scalar::Kind::Float:
    break;
  }
  return py::float_(value.to<double>());
}

py::object make_size(const Shape &sizes) {
  static auto *size_type = reinterpret_cast<PyTypeObject *>(
      py::object(py::module_::import("ember._size").attr("Size")).release().ptr());
  // Allocated as a tuple of the subclass directly (what tuple.__new__ does), not by calling
  // Size(...): .shape is read constantly and the call costs more than the rest.
  py::object size = py::reinterpret_steal<py::object>(
      size_type->tp_alloc(size_type, static_cast<Py_ssize_t>(sizes.size())));
  if (!size)
    throw py::error_already_set();
  for (size_t i = 0; i < sizes.size(); ++i)
    PyTuple_SET_ITEM(size.ptr(), i, PyLong_FromLongLong(sizes[i]));
  return size;
}

const Tensor *as_tensor(py::handle object) {
  static const py::detail::type_info *info = py::detail::get_type_info(typeid(Tensor));
  if (!PyObject_TypeCheck(object.ptr(), info->type))
    return nullptr;
  auto *instance = reinterpret_cast<py::detail::instance *>(object.ptr());
  return static_cast<const Tensor *>(instance->get_value_and_holder(info).value_ptr());
}

Tensor to_tensor_operand(py::handle object, const char *op) {
  if (const Tensor *t = as_tensor(object))
    return *t;
  Scalar value;
  if (load_scalar(object, value)) {
    Tensor wrapped = scalar_tensor(value);
    wrapped.impl()->is_wrapped_number = true;
    return wrapped;
  }
  throw py::type_error(std::string(op) + ": expected a Tensor or a number, got " +
                       py::str(object.get_type()).cast<std::string>());
}

} // namespace ember::python
