// ember._C autograd: grad mode, backward/grad, anomaly mode, gradcheck, and the node behind
// ember.autograd.Function subclasses written in Python (forward and backward are Python
// functions; saved tensors live in C++ so that saving an output makes no reference cycle).
#include <pybind11/functional.h>

#include "casters.h"

namespace ember::python {

namespace {

// ctx of a Python Function: save_for_backward, saved_tensors, needs_input_grad,
// mark_non_differentiable, plus any attribute the user sets.
struct FunctionCtx {
  autograd::AutogradContext context;
};

class PyFunctionNode : public autograd::Node {
public:
  PyFunctionNode(py::object backward, py::object ctx, std::string name)
      : backward_(std::move(backward)), ctx_(std::move(ctx)), name_(std::move(name)) {}
  ~PyFunctionNode() override {
    py::gil_scoped_acquire gil;
    backward_ = py::object();
    ctx_ = py::object();
  }

  TensorList apply(TensorList &&grad_outputs) override {
    py::gil_scoped_acquire gil;
    EMBER_CHECK(ctx_, name_,
                ": trying to backward through the graph a second time (or directly "
                "access saved tensors after they have already been freed)");
    py::tuple args(grad_outputs.size() + 1);
    args[0] = ctx_;
    for (size_t i = 0; i < grad_outputs.size(); ++i)
      args[i + 1] = grad_outputs[i].defined() ? py::cast(grad_outputs[i]) : py::none();
    py::object result = backward_(*args);
    TensorList grads;
    if (!PyTuple_Check(result.ptr()))
      result = py::make_tuple(result);
    for (py::handle g : result)
      grads.push_back(g.is_none() ? Tensor() : g.cast<Tensor>());
    EMBER_CHECK(grads.size() >= next_edges.size(), name_, ": backward returned ", grads.size(),
                " gradients but forward had ", next_edges.size(), " tensor inputs");
    grads.resize(next_edges.size());
    return grads;
  }
  std::string name() const override { return name_; }
  void release_variables() override {
    py::gil_scoped_acquire gil;
    autograd::CustomFunctionAccess::release(ctx_.cast<FunctionCtx &>().context);
  }

private:
  py::object backward_;
  py::object ctx_;
  std::string name_;
};

// Runs cls.forward(ctx, *args) without recording and records one PyFunctionNode.
py::object apply_function(py::object cls, py::args args) {
  TensorList inputs;
  std::vector<bool> needs_input_grad;
  for (py::handle arg : args)
    if (const Tensor *t = as_tensor(arg)) {
      inputs.push_back(*t);
      needs_input_grad.push_back(t->requires_grad());
    }
  py::object ctx_object = py::cast(FunctionCtx{});
  auto &ctx = ctx_object.cast<FunctionCtx &>();
  const std::string name = cls.attr("__name__").cast<std::string>() + "Backward";
  auto node = std::make_shared<PyFunctionNode>(cls.attr("backward"), ctx_object, name);
  autograd::CustomFunctionAccess::prepare(ctx.context, node, needs_input_grad);
  py::list flags;
  for (py::handle arg : args) {
    const Tensor *t = as_tensor(arg);
    flags.append(t != nullptr && t->requires_grad());
  }
  ctx_object.attr("needs_input_grad") = py::tuple(flags);
  const bool recording = autograd::needs_grad(inputs);

  py::object result;
  {
    NoGradGuard no_grad;
    py::tuple forward_args(args.size() + 1);
    forward_args[0] = ctx_object;
    for (size_t i = 0; i < args.size(); ++i)
      forward_args[i + 1] = args[i];
    result = cls.attr("forward")(*forward_args);
  }
  const bool is_tuple = PyTuple_Check(result.ptr());
  py::tuple results = is_tuple ? py::reinterpret_borrow<py::tuple>(result) : py::make_tuple(result);
  TensorList outputs;
  for (py::handle r : results)
    if (const Tensor *t = as_tensor(r))
      outputs.push_back(*t);
  if (recording) {
    // Outputs that alias an input would become their own ancestors: give them fresh handles.
    for (Tensor &output : outputs)
      for (const Tensor &input : inputs)
        if (output.is_same(input))
          output = output.view(output.sizes());
    autograd::connect(*node, node, inputs, outputs);
    const auto &excluded = autograd::CustomFunctionAccess::non_differentiable(ctx.context);
    for (Tensor &output : outputs)
      if (std::find(excluded.begin(), excluded.end(), output.impl()) != excluded.end())
        output.detach_();
  }
  autograd::CustomFunctionAccess::save(ctx.context, outputs);
  py::tuple wrapped(results.size());
  size_t next_output = 0;
  for (size_t i = 0; i < results.size(); ++i)
    wrapped[i] = as_tensor(results[i]) ? py::cast(outputs[next_output++]) : results[i];
  return is_tuple ? py::object(wrapped) : wrapped[0];
}

// A Python callable as the TensorList -> TensorList function gradcheck wants.
std::function<TensorList(const TensorList &)> as_tensor_function(py::function fn) {
  return [fn](const TensorList &inputs) {
    py::gil_scoped_acquire gil;
    py::object result = fn(*py::cast(inputs));
    if (as_tensor(result))
      return TensorList{result.cast<Tensor>()};
    return result.cast<TensorList>();
  };
}

} // namespace

void bind_autograd(py::module_ &m) {
  m.def("is_grad_enabled", &autograd::is_grad_enabled);
  m.def("_set_grad_enabled", &autograd::set_grad_enabled, py::arg("mode"));
  m.def("is_anomaly_enabled", &autograd::is_anomaly_enabled);
  m.def("_set_detect_anomaly", &autograd::set_detect_anomaly, py::arg("mode"));
  m.def(
      "_backward",
      [](const TensorList &tensors, const std::vector<std::optional<Tensor>> &grad_tensors,
         std::optional<bool> retain_graph, bool create_graph, const TensorList &inputs) {
        TensorList grads;
        for (const auto &g : grad_tensors)
          grads.push_back(g.value_or(Tensor()));
        py::gil_scoped_release release;
        autograd::backward(tensors, grads, retain_graph, create_graph, inputs);
      },
      py::arg("tensors"), py::arg("grad_tensors"), py::arg("retain_graph"), py::arg("create_graph"),
      py::arg("inputs"));
  m.def(
      "_grad",
      [](const TensorList &outputs, const TensorList &inputs,
         const std::vector<std::optional<Tensor>> &grad_outputs, std::optional<bool> retain_graph,
         bool create_graph, bool allow_unused) {
        TensorList grads;
        for (const auto &g : grad_outputs)
          grads.push_back(g.value_or(Tensor()));
        py::tuple out(inputs.size());
        TensorList result = [&] {
          py::gil_scoped_release release;
          return autograd::grad(outputs, inputs, grads, retain_graph, create_graph, allow_unused);
        }();
        for (size_t i = 0; i < result.size(); ++i)
          out[i] = result[i].defined() ? py::cast(result[i]) : py::none();
        return out;
      },
      py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs"), py::arg("retain_graph"),
      py::arg("create_graph"), py::arg("allow_unused"));
  for (bool second : {false, true})
    m.def(
        second ? "_gradgradcheck" : "_gradcheck",
        [second](py::function fn, const TensorList &inputs, double eps, double atol, double rtol) {
          autograd::GradcheckOptions options{eps, atol, rtol};
          auto f = as_tensor_function(std::move(fn));
          return second ? autograd::gradgradcheck(f, inputs, options)
                        : autograd::gradcheck(f, inputs, options);
        },
        py::arg("fn"), py::arg("inputs"), py::arg("eps"), py::arg("atol"), py::arg("rtol"));

  py::class_<FunctionCtx>(m, "FunctionCtx", py::dynamic_attr())
      .def("save_for_backward",
           [](FunctionCtx &ctx, py::args tensors) {
             TensorList saved;
             for (py::handle t : tensors)
               saved.push_back(t.is_none() ? Tensor() : t.cast<Tensor>());
             ctx.context.save_for_backward(std::move(saved));
           })
      .def_property_readonly("saved_tensors",
                             [](const FunctionCtx &ctx) {
                               TensorList saved = ctx.context.get_saved_variables();
                               py::tuple result(saved.size());
                               for (size_t i = 0; i < saved.size(); ++i)
                                 result[i] = saved[i].defined() ? py::cast(saved[i]) : py::none();
                               return result;
                             })
      .def("mark_non_differentiable", [](FunctionCtx &ctx, py::args tensors) {
        ctx.context.mark_non_differentiable(tensors.cast<TensorList>());
      });
  m.def("_function_apply", &apply_function);
}

} // namespace ember::python
