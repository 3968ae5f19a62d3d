"""ember.autograd.functional: Jacobians and vector-Jacobian products built on ember.autograd.grad."""
from .. import _C


def vjp(func, inputs, v=None, create_graph=False):
    from . import grad

    single = isinstance(inputs, _C.Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    with _C_enable_grad():
        inputs = tuple(x.detach().requires_grad_() for x in inputs)
        output = func(*inputs)
        grads = grad(output, inputs, v, create_graph=create_graph, allow_unused=True)
    grads = tuple(g if g is not None else _C.zeros_like(x) for g, x in zip(grads, inputs))
    return output.detach(), grads[0] if single else grads


def jacobian(func, inputs, create_graph=False):
    """The Jacobian of a function with one tensor output, one row per output element."""
    from . import grad

    single = isinstance(inputs, _C.Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    with _C_enable_grad():
        inputs = tuple(x.detach().requires_grad_() for x in inputs)
        output = func(*inputs)
        flat = output.reshape(-1)
        rows = []
        for i in range(flat.numel()):
            grads = grad(flat[i], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
            rows.append([g if g is not None else _C.zeros_like(x) for g, x in zip(grads, inputs)])
    jacobians = tuple(_C.stack([row[k] for row in rows]).reshape(tuple(output.shape) + tuple(x.shape))
                      for k, x in enumerate(inputs))
    return jacobians[0] if single else jacobians


def _C_enable_grad():
    from .grad_mode import enable_grad

    return enable_grad()
