"""ember.datasets: MNIST and FashionMNIST (read by the C++ IDX reader) and the transforms that
go with them, with torchvision's names."""
from .mnist import MNIST, FashionMNIST  # noqa: F401
from . import transforms  # noqa: F401
