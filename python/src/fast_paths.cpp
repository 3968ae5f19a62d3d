// CPython-level entry points for what Python code calls most on tensors: the arithmetic
// operators, indexing, the no-argument elementwise methods (t.relu(), t.exp(), ...), t.sum(),
// t.view(), ember.add(), t.shape and t.T. pybind11's generic dispatcher (argument vectors,
// overload resolution, keyword handling) costs more than the op itself on small tensors; these
// go from the interpreter straight to the op. They run the same ember calls as the pybind11
// definitions they replace, and argument forms they do not handle go to those definitions, so
// behaviour, errors included, is unchanged.
#include <deque>
#include <map>
#include <optional>

#include "casters.h"

namespace ember::python {

const char *lasting_string(std::string text) {
  static std::deque<std::string> kept; // a deque never moves what it holds
  kept.push_back(std::move(text));
  return kept.back().c_str();
}

PyObject *raise_current_exception() {
  auto &translators = py::detail::get_internals().registered_exception_translators;
  if (!py::detail::apply_exception_translators(translators))
    PyErr_SetString(PyExc_SystemError, "ember: an exception escaped the exception translators");
  return nullptr;
}

namespace {

std::string doc_of(py::handle function) { return py::str(function.attr("__doc__")); }

PyTypeObject *tensor_type = nullptr; // ember.Tensor, set by install_fast_paths

PyObject *to_python(Tensor &&result) {
  return py::detail::make_caster<Tensor>::cast(std::move(result), py::return_value_policy::move,
                                               nullptr)
      .ptr();
}

// A binary operator slot: tensor op tensor, tensor op number, and number op tensor (the
// reflected call, where `right` is the tensor). Anything else is NotImplemented, so that Python
// tries the other operand, as the pybind11 __add__/__radd__ pair did.
template <Tensor (*WithTensor)(const Tensor &, const Tensor &),
          Tensor (*WithScalar)(const Tensor &, const Scalar &),
          Tensor (*Reflected)(const Scalar &, const Tensor &)>
PyObject *binary_slot(PyObject *left, PyObject *right) {
  try {
    const Tensor *a = as_tensor(left);
    const Tensor *b = as_tensor(right);
    Scalar value;
    if (a && b)
      return to_python(WithTensor(*a, *b));
    if constexpr (WithScalar != nullptr)
      if (a && load_scalar(right, value))
        return to_python(WithScalar(*a, value));
    if constexpr (Reflected != nullptr)
      if (b && load_scalar(left, value))
        return to_python(Reflected(value, *b));
    Py_RETURN_NOTIMPLEMENTED;
  } catch (...) {
    return raise_current_exception();
  }
}

// An in-place operator slot (t += u): updates the left tensor and returns that very object.
template <void (*WithTensor)(Tensor &, const Tensor &),
          void (*WithScalar)(Tensor &, const Scalar &)>
PyObject *inplace_slot(PyObject *left, PyObject *right) {
  try {
    auto *self = const_cast<Tensor *>(as_tensor(left));
    if (self == nullptr)
      Py_RETURN_NOTIMPLEMENTED;
    Scalar value;
    if (const Tensor *other = as_tensor(right))
      WithTensor(*self, *other);
    else if (load_scalar(right, value))
      WithScalar(*self, value);
    else
      Py_RETURN_NOTIMPLEMENTED;
    Py_INCREF(left);
    return left;
  } catch (...) {
    return raise_current_exception();
  }
}

template <Tensor (*Op)(const Tensor &)> PyObject *unary_method(PyObject *self, PyObject *) {
  try {
    const Tensor *t = as_tensor(self);
    if (t == nullptr) {
      PyErr_SetString(PyExc_TypeError, "expected a Tensor as self");
      return nullptr;
    }
    return to_python(Op(*t));
  } catch (...) {
    return raise_current_exception();
  }
}

PyObject *shape_getter(PyObject *self, void *) {
  try {
    return make_size(as_tensor(self)->sizes()).release().ptr();
  } catch (...) {
    return raise_current_exception();
  }
}

PyObject *subscript_slot(PyObject *self, PyObject *index) {
  try {
    return to_python(getitem(*as_tensor(self), index));
  } catch (...) {
    return raise_current_exception();
  }
}

PyObject *transpose_getter(PyObject *self, void *) {
  try {
    const Tensor &t = *as_tensor(self);
    Shape dims(static_cast<size_t>(t.dim()));
    for (size_t i = 0; i < dims.size(); ++i)
      dims[i] = static_cast<int64_t>(dims.size() - 1 - i);
    return to_python(t.permute(dims));
  } catch (...) {
    return raise_current_exception();
  }
}

// A fast call handles the common positional forms of a method or function and returns
// std::nullopt for the rest, which then go to the pybind11 overloads it replaced.
using FastCall = std::optional<Tensor> (*)(PyObject *const *args, Py_ssize_t nargs);

// Every int in args, or false.
bool ints(PyObject *const *args, Py_ssize_t nargs, Shape &out) {
  out.resize(static_cast<size_t>(nargs));
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    if (!PyLong_CheckExact(args[i]))
      return false;
    out[i] = PyLong_AsLongLong(args[i]);
  }
  return !PyErr_Occurred() || (PyErr_Clear(), false);
}

// t.sum() and t.sum(dim).
std::optional<Tensor> fast_sum(PyObject *const *args, Py_ssize_t nargs) {
  const Tensor *self = as_tensor(args[0]);
  Shape dims;
  if (self && nargs == 1)
    return self->sum(std::optional<DType>());
  if (self && nargs == 2 && ints(args + 1, 1, dims))
    return self->sum(dims, false, std::nullopt);
  return std::nullopt;
}

// t.view(2, 3), t.view(-1).
std::optional<Tensor> fast_view(PyObject *const *args, Py_ssize_t nargs) {
  const Tensor *self = as_tensor(args[0]);
  Shape sizes;
  if (self && nargs >= 2 && ints(args + 1, nargs - 1, sizes))
    return self->view(sizes);
  return std::nullopt;
}

// ember.add(tensor, tensor) and ember.add(tensor, number).
std::optional<Tensor> fast_add(PyObject *const *args, Py_ssize_t nargs) {
  const Tensor *a = nargs == 2 ? as_tensor(args[0]) : nullptr;
  if (a == nullptr)
    return std::nullopt;
  if (const Tensor *b = as_tensor(args[1]))
    return ember::add(*a, *b);
  Scalar value;
  if (load_scalar(args[1], value))
    return ember::add(*a, value);
  return std::nullopt;
}

// The replaced pybind11 overloads, by fast call.
std::map<FastCall, py::object> &fallbacks() {
  static auto *table = new std::map<FastCall, py::object>();
  return *table;
}

// args holds self first for a method; keyword calls always take the fallback.
template <FastCall Fast>
PyObject *fast_or_fallback(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  try {
    if (kwnames == nullptr && nargs >= 1)
      if (std::optional<Tensor> result = Fast(args, nargs))
        return to_python(std::move(*result));
    return PyObject_Vectorcall(fallbacks().at(Fast).ptr(), args, nargs, kwnames);
  } catch (...) {
    return raise_current_exception();
  }
}

// A method receives self apart from the arguments; it joins them for the fast call.
template <FastCall Fast>
PyObject *fast_method(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  const Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  std::vector<PyObject *> with_self(static_cast<size_t>(total) + 1);
  with_self[0] = self;
  std::copy(args, args + total, with_self.begin() + 1);
  return fast_or_fallback<Fast>(with_self.data(), nargs + 1, kwnames);
}

template <FastCall Fast>
PyObject *fast_function(PyObject *, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  return fast_or_fallback<Fast>(args, nargs, kwnames);
}

Tensor add_tensor(const Tensor &a, const Tensor &b) { return ember::add(a, b); }
Tensor add_scalar(const Tensor &a, const Scalar &b) { return ember::add(a, b); }
Tensor add_reflected(const Scalar &a, const Tensor &b) { return ember::add(b, a); }
Tensor sub_tensor(const Tensor &a, const Tensor &b) { return ember::sub(a, b); }
Tensor sub_scalar(const Tensor &a, const Scalar &b) { return ember::sub(a, b); }
Tensor sub_reflected(const Scalar &a, const Tensor &b) { return ember::rsub(b, a); }
Tensor mul_tensor(const Tensor &a, const Tensor &b) { return ember::mul(a, b); }
Tensor mul_scalar(const Tensor &a, const Scalar &b) { return ember::mul(a, b); }
Tensor mul_reflected(const Scalar &a, const Tensor &b) { return ember::mul(b, a); }
Tensor div_tensor(const Tensor &a, const Tensor &b) { return ember::div(a, b); }
Tensor div_scalar(const Tensor &a, const Scalar &b) { return ember::div(a, b); }
Tensor div_reflected(const Scalar &a, const Tensor &b) { return a / b; }
Tensor matmul_tensor(const Tensor &a, const Tensor &b) { return ember::matmul(a, b); }
void add_tensor_(Tensor &a, const Tensor &b) { a.add_(b); }
void add_scalar_(Tensor &a, const Scalar &b) { a.add_(b); }
void sub_tensor_(Tensor &a, const Tensor &b) { a.sub_(b); }
void sub_scalar_(Tensor &a, const Scalar &b) { a.sub_(b); }
void mul_tensor_(Tensor &a, const Tensor &b) { a.mul_(b); }
void mul_scalar_(Tensor &a, const Scalar &b) { a.mul_(b); }
void div_tensor_(Tensor &a, const Tensor &b) { a.div_(b); }
void div_scalar_(Tensor &a, const Scalar &b) { a.div_(b); }

// Number and subscript slots of ember.Tensor; Python subclasses get them too (see
// inherit_slots).
void set_slots(PyTypeObject &type) {
  type.tp_as_mapping->mp_subscript = subscript_slot;
  PyNumberMethods &slots = *type.tp_as_number;
  slots.nb_add = binary_slot<add_tensor, add_scalar, add_reflected>;
  slots.nb_subtract = binary_slot<sub_tensor, sub_scalar, sub_reflected>;
  slots.nb_multiply = binary_slot<mul_tensor, mul_scalar, mul_reflected>;
  slots.nb_true_divide = binary_slot<div_tensor, div_scalar, div_reflected>;
  slots.nb_matrix_multiply = binary_slot<matmul_tensor, nullptr, nullptr>;
  slots.nb_inplace_add = inplace_slot<add_tensor_, add_scalar_>;
  slots.nb_inplace_subtract = inplace_slot<sub_tensor_, sub_scalar_>;
  slots.nb_inplace_multiply = inplace_slot<mul_tensor_, mul_scalar_>;
  slots.nb_inplace_true_divide = inplace_slot<div_tensor_, div_scalar_>;
}

// The dunder names whose slots set_slots fills.
constexpr const char *kSlotNames[] = {
    "__add__",     "__radd__",     "__iadd__",     "__sub__",     "__rsub__",
    "__isub__",    "__mul__",      "__rmul__",     "__imul__",    "__truediv__",
    "__rtruediv__", "__itruediv__", "__matmul__",  "__rmatmul__", "__getitem__"};

// A Python subclass (nn.Parameter, user classes) finds the pybind11 __add__ in Tensor's dict
// and would get CPython's generic slot that looks the method up on every call; unless the
// subclass defines an operator or __getitem__ itself, it gets Tensor's slots back.
void inherit_slots(py::handle subclass) {
  auto *type = reinterpret_cast<PyTypeObject *>(subclass.ptr());
  for (py::handle klass : py::reinterpret_borrow<py::tuple>(type->tp_mro)) {
    if (klass.ptr() == reinterpret_cast<PyObject *>(tensor_type))
      break;
    auto *dict = reinterpret_cast<PyTypeObject *>(klass.ptr())->tp_dict;
    for (const char *name : kSlotNames)
      if (PyDict_GetItemString(dict, name) != nullptr)
        return;
  }
  set_slots(*type);
  PyType_Modified(type);
}

template <Tensor (*Op)(const Tensor &)> PyMethodDef unary_method_def(const char *name) {
  return {name, unary_method<Op>, METH_NOARGS, nullptr};
}

} // namespace

void install_fast_functions(py::module_ &m) {
  static PyMethodDef add = {
      "add", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_function<fast_add>)),
      METH_FASTCALL | METH_KEYWORDS, nullptr};
  py::object previous = m.attr("add");
  fallbacks()[fast_add] = previous;
  add.ml_doc = lasting_string(doc_of(previous));
  py::object function =
      py::reinterpret_steal<py::object>(PyCFunction_NewEx(&add, nullptr, m.attr("__name__").ptr()));
  if (!function)
    throw py::error_already_set();
  m.attr("add") = function;
}

void install_fast_paths(py::class_<Tensor> &cls) {
  auto *type = reinterpret_cast<PyTypeObject *>(cls.ptr());
  tensor_type = type;
  set_slots(*type);

  // Method definitions must outlive the type.
  static std::vector<PyMethodDef> methods = {
#define EMBER_UNARY_OP(name) unary_method_def<ember::name>(#name),
#include "ember/unary_ops.def"
#undef EMBER_UNARY_OP
  };
  for (PyMethodDef &method : methods) {
    // Keep the pybind11 docstring (the signature help() shows).
    method.ml_doc = lasting_string(doc_of(cls.attr(method.ml_name)));
    py::object descriptor = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &method));
    if (!descriptor || PyDict_SetItemString(type->tp_dict, method.ml_name, descriptor.ptr()) != 0)
      throw py::error_already_set();
  }

  static PyMethodDef fast_methods[] = {
      {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_method<fast_sum>)),
       METH_FASTCALL | METH_KEYWORDS, nullptr},
      {"view", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_method<fast_view>)),
       METH_FASTCALL | METH_KEYWORDS, nullptr},
  };
  const FastCall method_calls[] = {fast_sum, fast_view};
  for (size_t i = 0; i < std::size(fast_methods); ++i) {
    py::object previous = py::reinterpret_borrow<py::object>(
        PyDict_GetItemString(type->tp_dict, fast_methods[i].ml_name));
    fallbacks()[method_calls[i]] = previous;
    fast_methods[i].ml_doc = lasting_string(doc_of(previous));
    py::object descriptor =
        py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &fast_methods[i]));
    if (!descriptor ||
        PyDict_SetItemString(type->tp_dict, fast_methods[i].ml_name, descriptor.ptr()) != 0)
      throw py::error_already_set();
  }

  static PyGetSetDef getters[] = {
      {"shape", shape_getter, nullptr, "the sizes, as ember.Size", nullptr},
      {"T", transpose_getter, nullptr, "the tensor with its dims reversed", nullptr},
  };
  for (PyGetSetDef &getter : getters) {
    py::object descriptor = py::reinterpret_steal<py::object>(PyDescr_NewGetSet(type, &getter));
    if (!descriptor || PyDict_SetItemString(type->tp_dict, getter.name, descriptor.ptr()) != 0)
      throw py::error_already_set();
  }

  py::cpp_function init_subclass([](py::handle subclass, const py::kwargs &kwargs) {
    if (!kwargs.empty())
      throw py::type_error("Tensor.__init_subclass__() takes no keyword arguments");
    inherit_slots(subclass);
  });
  cls.attr("__init_subclass__") =
      py::reinterpret_steal<py::object>(PyClassMethod_New(init_subclass.ptr()));
  PyType_Modified(type);
}

} // namespace ember::python
