"""ember.autograd: backward, grad, grad mode, custom Functions, anomaly detection, gradcheck."""
from .. import _C
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: F401
from .function import Function  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from . import functional  # noqa: F401


def _as_list(tensors):
    if tensors is None:
        return []
    if isinstance(tensors, _C.Tensor):
        return [tensors]
    return list(tensors)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates the gradients of tensors into the .grad of the leaves (torch.autograd.backward)."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    _C._backward(tensors, grads, retain_graph, create_graph, _as_list(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False):
    """The gradients of outputs with respect to inputs, as a tuple (torch.autograd.grad)."""
    outputs = _as_list(outputs)
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    return _C._grad(outputs, _as_list(inputs), grads, retain_graph, create_graph, allow_unused)
