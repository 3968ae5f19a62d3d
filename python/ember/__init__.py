"""ember: a deep learning framework with PyTorch's API; every computation runs in C++ (ember._C)."""
import math as _math
import os as _os

# libgomp reads how idle threads wait once, when it loads with _C. Its default spins for long
# and collapses throughput on a busy machine; OMP_WAIT_POLICY=PASSIVE sleeps at once but makes
# every parallel region pay a wake-up (~50 us here). A short spin before sleeping avoids both,
# unless the user chose a policy.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["GOMP_SPINCOUNT"] = "10000"

from ._device import device  # noqa: E402
from ._size import Size  # noqa: E402
from . import _C  # noqa: E402
from ._C import *  # noqa: E402,F401,F403
from ._C import Tensor, dtype, Generator  # noqa: E402,F401
from ._tensor import tensor, as_tensor, is_tensor, numel, clone, concat, clip, absolute  # noqa: E402,F401
from ._dtypes import *  # noqa: E402,F401,F403
from .autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode  # noqa: E402,F401
from . import autograd, cuda, nn, optim, utils, datasets  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401

# math's constants: this module's float and int are dtypes (ember.float), as in torch.
inf = _math.inf
nan = _math.nan

__version__ = "0.1.0"
