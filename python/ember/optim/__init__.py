"""ember.optim: torch.optim's optimizers (updates run in C++ fused kernels) and lr_scheduler."""
from .optimizer import Optimizer  # noqa: F401
from .optimizers import (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam,  # noqa: F401
                         LBFGS)
from . import lr_scheduler  # noqa: F401
