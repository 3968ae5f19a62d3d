"""clip_grad_norm_ and clip_grad_value_, as torch.nn.utils."""
import math

from ... import _C
from ...autograd.grad_mode import no_grad


def _grads(parameters):
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients in place so that their joint norm is at most max_norm; returns the norm."""
    grads = _grads(parameters)
    if not grads:
        return _C.scalar_tensor(0.0)
    with no_grad():
        norm_type = float(norm_type)
        if math.isinf(norm_type):
            norms = [g.abs().amax() for g in grads]
            total = norms[0] if len(norms) == 1 else _C.stack(norms).amax()
        else:
            total = _C.stack([g.norm(norm_type) for g in grads]).norm(norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                               "non-finite, so it cannot be clipped.")
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(scale.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value):
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
