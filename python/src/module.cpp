// The extension module ember._C: maps ember's exceptions to Python's and registers every area's
// bindings (one file per area in this folder).
#include "casters.h"

namespace ember::python {

void register_exceptions() {
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error)
        std::rethrow_exception(error);
    } catch (const ember::IndexError &e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const ember::TypeError &e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const ember::Error &e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

} // namespace ember::python

PYBIND11_MODULE(_C, m) {
  using namespace ember::python;
  m.doc() = "ember's C++ core: tensors, ops, autograd, nn functional ops and fused optimizers";
  register_exceptions();
  bind_dtype(m);
  bind_tensor(m);
  bind_creation(m);
  bind_autograd(m);
  bind_nn(m);
  bind_optim(m);
  bind_data(m);
  bind_io(m);
  accept_out(m);
}
