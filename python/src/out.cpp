// torch's out= keyword on ember's functions: ember.add(a, b, out=c) computes a + b, writes it
// into c and returns c itself. As in torch, c is resized when its shape differs (with torch's
// warning when it had elements), its dtype must be able to hold the result's, and out= refuses
// arguments that require grad. Functions returning (values, indices) take a pair of tensors.
// The wrapper is a C function around the original, so calls without out= cost one C call more.
#include <deque>
#include <sstream>

#include "casters.h"

namespace ember::python {

namespace {

// The functions of torch that take out= and have the same form in ember.
constexpr const char *kAcceptingOut[] = {
    "abs",         "acos",        "add",          "addmm",      "amax",       "amin",
    "argmax",      "argmin",      "asin",         "atan",       "bmm",        "cat",
    "ceil",        "clamp",       "cos",          "cosh",       "cumprod",    "cumsum",
    "div",         "dot",         "eq",           "erf",        "exp",        "exp2",
    "expm1",       "floor",       "floor_divide", "frac",       "gather",     "ge",
    "gt",          "index_select", "le",          "lerp",       "log",        "log10",
    "log1p",       "log2",        "logical_and",  "logical_not", "logical_or", "logical_xor",
    "logsumexp",   "lt",          "masked_select", "matmul",    "max",        "maximum",
    "mean",        "min",         "minimum",      "mm",         "mul",        "ne",
    "neg",         "nonzero",     "outer",        "pow",        "prod",       "reciprocal",
    "remainder",   "round",       "rsqrt",        "sigmoid",    "sign",       "sin",
    "sinh",        "sort",        "sqrt",         "square",     "stack",      "sub",
    "sum",         "tan",         "tanh",         "topk",       "trunc",      "where"};

std::string function_name(PyObject *function) {
  return py::str(py::handle(function).attr("__name__")).cast<std::string>();
}

void write_tensor(const std::string &name, const Tensor &result, py::handle destination) {
  const Tensor *out = as_tensor(destination);
  if (out == nullptr)
    throw py::type_error(name + "(): argument 'out' must be Tensor, not " +
                         py::str(destination.get_type().attr("__name__")).cast<std::string>());
  Tensor target = *out;
  check_can_cast(result.dtype(), target.dtype(), name.c_str());
  if (target.sizes() != result.sizes()) {
    if (target.numel() != 0) {
      std::ostringstream message;
      message << "An output with one or more elements was resized since it had shape "
              << IntArrayRef(target.sizes()) << ", which does not match the required output shape "
              << IntArrayRef(result.sizes())
              << ". This behavior is deprecated, and in a future PyTorch release outputs will "
                 "not be resized unless they have zero elements. You can explicitly reuse an out "
                 "tensor t by resizing it, inplace, to zero elements with t.resize_(0).";
      if (PyErr_WarnEx(PyExc_UserWarning, message.str().c_str(), 1) != 0)
        throw py::error_already_set();
    }
    target.resize_(result.sizes());
  }
  NoGradGuard no_grad;
  target.copy_(result);
}

// Writes result (a Tensor, or a tuple of them) into out and returns what the caller gets: out
// itself, or for a tuple result, a tuple of the same kind over out's tensors.
py::object write_out(const std::string &name, py::handle result, py::handle out) {
  if (const Tensor *tensor = as_tensor(result)) {
    if (tensor->requires_grad())
      throw std::runtime_error(name + "(): functions with out=... arguments don't support "
                                      "automatic differentiation, but one of the arguments "
                                      "requires grad.");
    write_tensor(name, *tensor, out);
    return py::reinterpret_borrow<py::object>(out);
  }
  py::tuple results = py::reinterpret_borrow<py::tuple>(result);
  if (!PySequence_Check(out.ptr()) || py::len(out) != results.size())
    throw py::type_error(name + "(): argument 'out' must be a tuple of " +
                         std::to_string(results.size()) + " Tensors");
  py::list written;
  for (size_t i = 0; i < results.size(); ++i)
    written.append(write_out(name, results[i], py::reinterpret_borrow<py::sequence>(out)[i]));
  // A named tuple (max, sort, ...) is rebuilt as the same type.
  if (PyTuple_CheckExact(result.ptr()))
    return py::tuple(written);
  return py::type::of(result)(*written);
}

// self is the wrapped function. Without out= the call goes straight through.
PyObject *call_with_out(PyObject *function, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames) {
  const Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  Py_ssize_t out_at = -1;
  for (Py_ssize_t k = 0; k < keywords; ++k)
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), "out") == 0)
      out_at = k;
  if (out_at < 0)
    return PyObject_Vectorcall(function, args, nargs, kwnames);
  PyObject *out = args[nargs + out_at];
  if (out == Py_None) // out=None is torch's default
    out_at = -1;
  try {
    std::vector<PyObject *> rest(args, args + nargs);
    py::list names;
    for (Py_ssize_t k = 0; k < keywords; ++k)
      if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), "out") != 0) {
        rest.push_back(args[nargs + k]);
        names.append(PyTuple_GET_ITEM(kwnames, k));
      }
    py::tuple rest_names(names);
    py::object result = py::reinterpret_steal<py::object>(PyObject_Vectorcall(
        function, rest.data(), nargs, rest_names.empty() ? nullptr : rest_names.ptr()));
    if (!result)
      return nullptr;
    if (out_at < 0)
      return result.release().ptr();
    return write_out(function_name(function), result, out).release().ptr();
  } catch (...) {
    return raise_current_exception();
  }
}

// The original's docstring with out= added to each of its signature lines ("add(...) -> Tensor"
// or "2. max(...) -> tuple"), so that help() and the generated stubs show it.
std::string with_out_parameter(const std::string &doc, const std::string &name) {
  std::istringstream lines(doc);
  std::string line, result;
  while (std::getline(lines, line)) {
    const size_t call = line.find(name + "(");
    const size_t arrow = line.rfind(") -> ");
    const bool signature = call != std::string::npos && arrow != std::string::npos &&
                           line.find_first_not_of("0123456789. ") == call;
    if (signature) {
      const bool tensor = line.compare(arrow + 5, std::string::npos, "Tensor") == 0;
      const bool keyword_only = line.find(", *,", call) < arrow || line.find("(*,", call) < arrow;
      line.insert(arrow, std::string(keyword_only ? ", " : ", *, ") + "out: " +
                             (tensor ? "Optional[Tensor]" : "Any") + " = None");
    }
    result += line + "\n";
  }
  return result;
}

} // namespace

void accept_out(py::module_ &m) {
  // Definitions must outlive the functions; a deque never moves what it holds.
  static std::deque<PyMethodDef> definitions;
  for (const char *name : kAcceptingOut) {
    py::object original = m.attr(name);
    const std::string doc = py::str(original.attr("__doc__"));
    definitions.push_back({name,
                           reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call_with_out)),
                           METH_FASTCALL | METH_KEYWORDS,
                           lasting_string(with_out_parameter(doc, name))});
    py::object wrapper = py::reinterpret_steal<py::object>(
        PyCFunction_NewEx(&definitions.back(), original.ptr(), m.attr("__name__").ptr()));
    if (!wrapper)
      throw py::error_already_set();
    m.attr(name) = wrapper;
  }
}

} // namespace ember::python
