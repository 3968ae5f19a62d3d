"""ember.nn.functional: torch.nn.functional's signatures over the C++ ops in ember._C._nn."""
from .. import _C
from .._C import _nn

linear = _nn.linear
bilinear = _nn.bilinear
conv1d = _nn.conv1d
conv2d = _nn.conv2d
conv3d = _nn.conv3d
conv_transpose2d = _nn.conv_transpose2d
avg_pool2d = _nn.avg_pool2d
adaptive_avg_pool2d = _nn.adaptive_avg_pool2d
adaptive_max_pool2d = _nn.adaptive_max_pool2d
pixel_shuffle = _nn.pixel_shuffle
pixel_unshuffle = _nn.pixel_unshuffle
layer_norm = _nn.layer_norm
group_norm = _nn.group_norm
one_hot = _nn.one_hot
scaled_dot_product_attention = _nn.scaled_dot_product_attention
relu6 = _nn.relu6
selu = _nn.selu
silu = _nn.silu
mish = _nn.mish
softplus = _nn.softplus
softsign = _nn.softsign
hardsigmoid = _nn.hardsigmoid
hardswish = _nn.hardswish
logsigmoid = _nn.logsigmoid
glu = _nn.glu
gelu = _nn.gelu
sigmoid = _C.sigmoid
tanh = _C.tanh


def _inplace(input, result, inplace):
    return input.copy_(result) if inplace else result


def relu(input, inplace=False):
    return input.relu_() if inplace else _C.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _inplace(input, _nn.leaky_relu(input, negative_slope), inplace)


def elu(input, alpha=1.0, inplace=False):
    return _inplace(input, _nn.elu(input, alpha), inplace)


def celu(input, alpha=1.0, inplace=False):
    return _inplace(input, _nn.celu(input, alpha), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _inplace(input, _nn.hardtanh(input, min_val, max_val), inplace)


def _softmax_dim(input):
    return 0 if input.dim() in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _nn.softmax(input, _softmax_dim(input) if dim is None else dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _nn.log_softmax(input, _softmax_dim(input) if dim is None else dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _nn.softmin(input, _softmax_dim(input) if dim is None else dim, dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _inplace(input, _nn.dropout(input, p, training), inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _inplace(input, _nn.dropout2d(input, p, training), inplace)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    return _nn.embedding(input, weight, padding_idx, max_norm, norm_type)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    return _nn.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _nn.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if scale_factor is not None and not isinstance(scale_factor, (tuple, list)):
        scale_factor = [float(scale_factor)] * (input.dim() - 2)
    return _nn.interpolate(input, size, scale_factor, mode, align_corners)


def pad(input, pad, mode="constant", value=None):
    if mode != "constant":
        raise NotImplementedError(f"pad: mode '{mode}' is not supported yet, only 'constant'")
    return _nn.pad(input, pad, 0 if value is None else value)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def _reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.mse_loss(input, target, _reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.l1_loss(input, target, _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    return _nn.smooth_l1_loss(input, target, _reduction(size_average, reduce, reduction), beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    return _nn.huber_loss(input, target, reduction, delta)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    return _nn.cross_entropy(input, target, weight, ignore_index, _reduction(size_average, reduce, reduction),
                             label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _nn.nll_loss(input, target, weight, ignore_index, _reduction(size_average, reduce, reduction))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    return _nn.binary_cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    return _nn.binary_cross_entropy_with_logits(input, target, weight, _reduction(size_average, reduce, reduction),
                                                pos_weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    return _nn.kl_div(input, target, _reduction(size_average, reduce, reduction), log_target)


def _multi_head_attention(query, key, value, num_heads, batch_first, in_proj_weight, in_proj_bias, bias_k, bias_v,
                          add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask,
                          need_weights, attn_mask, q_proj_weight, k_proj_weight, v_proj_weight,
                          average_attn_weights):
    """The C++ op is batch first: [L, N, E] inputs are transposed there and back. query, key and
    value stay one tensor when they were one, so self-attention projects with one product."""
    transpose = query.dim() == 3 and not batch_first
    q = query.transpose(0, 1) if transpose else query
    k = q if key is query else (key.transpose(0, 1) if transpose else key)
    v = k if value is key else (value.transpose(0, 1) if transpose else value)
    output, weights = _nn.multi_head_attention(
        q, k, v, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
        out_proj_bias, training=training, key_padding_mask=key_padding_mask, need_weights=need_weights,
        attn_mask=attn_mask, q_proj_weight=q_proj_weight, k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight,
        average_attn_weights=average_attn_weights)
    return (output.transpose(0, 1) if transpose else output), weights


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True):
    if query.shape[-1] != embed_dim_to_check:
        raise RuntimeError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {query.shape[-1]}")
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k and static_v are not supported by ember")
    if use_separate_proj_weight:
        in_proj_weight = None
    return _multi_head_attention(query, key, value, num_heads, False, in_proj_weight, in_proj_bias, bias_k, bias_v,
                                 add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
                                 key_padding_mask, need_weights, attn_mask, q_proj_weight, k_proj_weight,
                                 v_proj_weight, average_attn_weights)
