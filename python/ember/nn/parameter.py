"""nn.Parameter: a Tensor that a Module registers as a learnable parameter."""
from .. import _C


class Parameter(_C.Tensor):
    """Shares data's memory, is a leaf and requires grad unless told otherwise (torch's Parameter)."""

    def __init__(self, data=None, requires_grad=True):
        super().__init__(_C.empty(0) if data is None else data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (Parameter, (_C.Tensor(self).detach().clone(), self.requires_grad))


class Buffer:
    """Marks a tensor to be registered as a buffer by Module attribute assignment."""

    def __init__(self, data, persistent=True):
        self.data, self.persistent = data, persistent
