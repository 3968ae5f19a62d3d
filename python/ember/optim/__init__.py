"""ember.optim: torch.optim's optimizers (updates run in C++ fused kernels) and lr_scheduler."""
from .optimizer import Optimizer  # noqa: F401
from .optimizers import SGD, Adam, AdamW, RMSprop, Adagrad  # noqa: F401
from . import lr_scheduler  # noqa: F401
