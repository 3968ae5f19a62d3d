"""The layers of ember.nn, written in Python over the C++ functional ops, as torch's."""
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .linear import Identity, Linear, Bilinear, Flatten, Unflatten  # noqa: F401
from .conv import Conv1d, Conv2d, Conv3d  # noqa: F401
from .activation import (  # noqa: F401
    ReLU, ReLU6, Sigmoid, Tanh, SiLU, Mish, SELU, GELU, LeakyReLU, ELU, Softplus, Softsign, Hardtanh,
    Hardsigmoid, Hardswish, LogSigmoid, Softmax, LogSoftmax, Softmin, GLU,
)
from .dropout import Dropout, Dropout2d  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm  # noqa: F401
from .pooling import MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d  # noqa: F401
from .sparse import Embedding  # noqa: F401
from .loss import (  # noqa: F401
    MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
)
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (  # noqa: F401
    TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer,
)
