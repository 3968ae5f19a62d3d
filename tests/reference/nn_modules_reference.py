#!/usr/bin/python3
"""Reference numbers and reprs for tests/cpp/test_nn_modules_*.cpp, from torch 1.13.

Inputs are ramp(shape): ((7 i) % 11 - 5) / 4 + i / 100 in row-major order (tests/cpp/test_util.h).
Parameters are filled with fill(shape, scale): ramp(shape) * scale, applied by the C++ tests in
state_dict order with the same scales. Prints the values to paste into the tests.

    /usr/bin/python3 tests/reference/nn_modules_reference.py
"""
import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def ramp(*shape, a=7, m=11):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (((i * a) % m - m // 2) * 0.25 + 0.01 * i).reshape(shape)


def fill(module, scale):
    with torch.no_grad():
        for tensor in module.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(ramp(*tensor.shape) * scale)


def show(name, tensor):
    values = ", ".join(f"{v:.10g}" for v in tensor.flatten().tolist())
    print(f"// {name} {list(tensor.shape)}\n{{{values}}}")


def cpp_repr(module):
    return repr(module).replace("True", "true").replace("False", "false")


def padding_modes():
    for mode in ["reflect", "replicate", "circular"]:
        conv = nn.Conv1d(1, 1, 3, padding=2, padding_mode=mode)
        fill(conv, 0.1)
        show(f"Conv1d padding=2 {mode}", conv(ramp(1, 1, 5)))
    conv = nn.Conv2d(1, 1, (3, 2), padding="same", dilation=(1, 2), padding_mode="circular")
    fill(conv, 0.1)
    show("Conv2d same circular dilation (1, 2)", conv(ramp(1, 1, 3, 4)))


def batch_norm_cumulative():
    bn = nn.BatchNorm1d(2, momentum=None)
    bn(ramp(4, 2))
    bn(ramp(4, 2) * 2 + 1)
    show("running_mean", bn.running_mean)
    show("running_var", bn.running_var)
    bn.eval()
    show("eval output", bn(ramp(3, 2)))


def nested_repr():
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 32), nn.Dropout(0.25), nn.GELU("tanh")),
        nn.Linear(32, 10, bias=False), nn.LogSoftmax(dim=1))
    print(cpp_repr(model))


def multihead_attention():
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True)
    print([(k, list(v.shape)) for k, v in mha.state_dict().items()])
    fill(mha, 0.1)
    padding = torch.tensor([[False, False], [False, True]])
    attn_mask = ramp(3, 2) * 0.2
    output, weights = mha(ramp(3, 2, 4) * 0.5, ramp(2, 2, 3) * 0.5, ramp(2, 2, 5) * 0.5,
                          key_padding_mask=padding, attn_mask=attn_mask)
    show("output", output)
    show("weights", weights)


def transformer_encoder():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, activation="gelu",
                                       batch_first=True, norm_first=True)
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4))
    fill(encoder, 0.1)
    encoder.eval()
    padding = torch.tensor([[False, False, False], [False, False, True]])
    show("encoder output", encoder(ramp(2, 3, 4), src_key_padding_mask=padding))


def transformer_decoder():
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6)
    decoder = nn.TransformerDecoder(layer, 2)
    fill(decoder, 0.1)
    decoder.eval()
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(3)
    show("decoder output", decoder(ramp(3, 2, 4), ramp(2, 2, 4) * 0.3, tgt_mask=tgt_mask))


def transformer():
    model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=6, batch_first=True)
    print(" ".join(model.state_dict().keys()))
    fill(model, 0.1)
    model.eval()
    show("transformer output", model(ramp(2, 3, 4), ramp(2, 2, 4) * 0.5))


for section in [padding_modes, batch_norm_cumulative, nested_repr, multihead_attention,
                transformer_encoder, transformer_decoder, transformer]:
    print(f"// ---- {section.__name__}")
    section()
