"""parameters_to_vector and vector_to_parameters, as torch.nn.utils."""
from ... import _C
from ...autograd.grad_mode import no_grad


def parameters_to_vector(parameters):
    return _C.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].view_as(p))
            offset += n
