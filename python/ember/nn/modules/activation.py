"""Activation modules, as torch's: each calls one functional op."""
from ... import _C
from .. import functional as F
from .module import Module


class _Pointwise(Module):
    """An activation with no options: forward is one function of the input."""

    _function = None

    def forward(self, input):
        return type(self)._function(input)


class ReLU(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(_Pointwise):
    _function = staticmethod(_C.sigmoid)


class Tanh(_Pointwise):
    _function = staticmethod(_C.tanh)


class SiLU(_Pointwise):
    _function = staticmethod(F.silu)


class Mish(_Pointwise):
    _function = staticmethod(F.mish)


class ReLU6(_Pointwise):
    _function = staticmethod(F.relu6)


class SELU(_Pointwise):
    _function = staticmethod(F.selu)


class Softsign(_Pointwise):
    _function = staticmethod(F.softsign)


class Hardsigmoid(_Pointwise):
    _function = staticmethod(F.hardsigmoid)


class Hardswish(_Pointwise):
    _function = staticmethod(F.hardswish)


class LogSigmoid(_Pointwise):
    _function = staticmethod(F.logsigmoid)


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate='{self.approximate}'"


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class _AlongDim(Module):
    _function = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self)._function(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    _function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    _function = staticmethod(F.log_softmax)


class Softmin(_AlongDim):
    _function = staticmethod(F.softmin)


class GLU(Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
