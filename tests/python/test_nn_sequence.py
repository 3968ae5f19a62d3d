"""ember.nn's recurrent, attention and transformer layers against torch.nn's with copied weights:
parameter names, outputs, final states and the gradients of inputs and every parameter."""
import pytest
import torch

import ember
import ember.nn as nn
from conftest import assert_close, to_ember


def copy_weights(ember_module, torch_module):
    torch_state = torch_module.state_dict()
    assert list(ember_module.state_dict()) == list(torch_state)
    ember_module.load_state_dict({name: to_ember(value) for name, value in torch_state.items()})


def compare(ember_module, torch_module, inputs, atol=1e-5):
    """Runs both modules on the same inputs (a list of tensors, nested tuples or None) and
    compares outputs, then the gradients of a weighted sum of every output."""
    copy_weights(ember_module, torch_module)
    torch_inputs = [None if x is None else tuple(t.clone().requires_grad_() for t in x) if isinstance(x, tuple)
                    else x.clone().requires_grad_() if x.is_floating_point() else x for x in inputs]
    ember_inputs = [None if x is None else tuple(to_ember(t).requires_grad_() for t in x) if isinstance(x, tuple)
                    else to_ember(x).requires_grad_() if x.is_floating_point() else to_ember(x) for x in torch_inputs]
    flat = lambda out: [t for o in (out if isinstance(out, tuple) else (out,))  # noqa: E731
                        for t in (o if isinstance(o, tuple) else (o,)) if t is not None]
    torch_out, ember_out = flat(torch_module(*torch_inputs)), flat(ember_module(*ember_inputs))
    assert len(torch_out) == len(ember_out)
    torch_loss, ember_loss = 0, 0
    for i, (t, e) in enumerate(zip(torch_out, ember_out)):
        assert_close(e, t.detach(), atol=atol)
        weights = torch.linspace(-1, 1, t.numel(), dtype=t.dtype).reshape(t.shape) * (i + 1)
        torch_loss = torch_loss + (t * weights).sum()
        ember_loss = ember_loss + (e * to_ember(weights)).sum()
    torch_loss.backward()
    ember_loss.backward()
    for (name, p), (_, q) in zip(ember_module.named_parameters(), torch_module.named_parameters()):
        assert_close(p.grad, q.grad, atol=atol)
    pairs = [(e, t) for e_in, t_in in zip(ember_inputs, torch_inputs) if e_in is not None
             for e, t in zip(e_in if isinstance(e_in, tuple) else (e_in,), t_in if isinstance(t_in, tuple) else (t_in,))
             if t.is_floating_point()]
    for e, t in pairs:
        assert_close(e.grad, t.grad, atol=atol)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias", [
    (1, False, False, True), (2, True, True, True), (2, False, False, False)])
def test_recurrent_layers_match_torch(cls, layers, bidirectional, batch_first, bias):
    torch.manual_seed(0)
    kwargs = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    ours, theirs = getattr(nn, cls)(3, 4, **kwargs), getattr(torch.nn, cls)(3, 4, **kwargs)
    x = torch.randn(2, 5, 3) if batch_first else torch.randn(5, 2, 3)
    state_shape = (layers * (2 if bidirectional else 1), 2, 4)
    hx = (torch.randn(state_shape), torch.randn(state_shape)) if cls == "LSTM" else torch.randn(state_shape)
    compare(ours, theirs, [x, hx])
    compare(ours, theirs, [x])
    assert repr(ours) == repr(theirs)


def test_rnn_relu_unbatched_float64_and_errors():
    torch.manual_seed(1)
    ours = nn.RNN(3, 5, nonlinearity="relu", dtype=ember.float64)
    theirs = torch.nn.RNN(3, 5, nonlinearity="relu", dtype=torch.float64)
    compare(ours, theirs, [torch.randn(4, 3, dtype=torch.float64), torch.randn(1, 5, dtype=torch.float64)], atol=1e-10)
    with pytest.raises(RuntimeError, match="RNN: expected input_size 3"):
        ours(ember.zeros(4, 2, 7, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="expected hx of shape"):
        ours(ember.zeros(4, 2, 3, dtype=ember.float64), ember.zeros(2, 2, 5, dtype=ember.float64))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 5, nonlinearity="sigmoid")


def test_recurrent_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(6, 2, 3)
    lstm.eval()
    assert ember.equal(lstm(x)[0], lstm(x)[0])
    lstm.train()
    ember.manual_seed(0)
    first = lstm(x)[0]
    ember.manual_seed(0)
    assert ember.equal(first, lstm(x)[0])
    assert not ember.equal(first, lstm.eval()(x)[0])


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(cls, batched):
    torch.manual_seed(2)
    ours, theirs = getattr(nn, cls)(3, 4), getattr(torch.nn, cls)(3, 4)
    x = torch.randn(2, 3) if batched else torch.randn(3)
    state = torch.randn(2, 4) if batched else torch.randn(4)
    hx = (state, torch.randn(state.shape)) if cls == "LSTMCell" else state
    compare(ours, theirs, [x, hx])
    compare(ours, theirs, [x])
    assert repr(ours) == repr(theirs)
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        repr(torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu"))


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_self_and_cross_with_masks(batch_first):
    torch.manual_seed(3)
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    q = torch.randn(2, 4, 8) if batch_first else torch.randn(4, 2, 8)
    kv = torch.randn(2, 3, 8) if batch_first else torch.randn(3, 2, 8)
    padding = torch.tensor([[False, False, True], [False, False, False]])
    mask = torch.tensor([[0.0, -1.0, 0.5]] * 4)

    copy_weights(ours, theirs)
    out_t, weights_t = theirs(q, kv, kv, key_padding_mask=padding, attn_mask=mask)
    out_e, weights_e = ours(to_ember(q), to_ember(kv), to_ember(kv), key_padding_mask=to_ember(padding),
                            attn_mask=to_ember(mask))
    assert_close(out_e, out_t.detach())
    assert_close(weights_e, weights_t.detach())
    # Self-attention, gradients through the input and every parameter.
    compare(_SelfAttention(ours), _TorchSelfAttention(theirs), [q])


class _SelfAttention(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, x):
        return self.attention(x, x, x)


class _TorchSelfAttention(torch.nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, x):
        return self.attention(x, x, x)


def test_multihead_attention_kdim_vdim_bias_kv_zero_attn():
    torch.manual_seed(4)
    args = dict(kdim=5, vdim=6, add_bias_kv=True, add_zero_attn=True)
    ours, theirs = nn.MultiheadAttention(8, 4, **args), torch.nn.MultiheadAttention(8, 4, **args)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    compare(ours, theirs, [torch.randn(3, 2, 8), torch.randn(4, 2, 5), torch.randn(4, 2, 6)])


@pytest.mark.parametrize("norm_first,activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_and_decoder_layers(norm_first, activation):
    torch.manual_seed(5)
    args = dict(dim_feedforward=16, dropout=0.0, activation=activation, norm_first=norm_first, batch_first=True)
    src, tgt = torch.randn(2, 5, 8), torch.randn(2, 3, 8)
    compare(nn.TransformerEncoderLayer(8, 2, **args), torch.nn.TransformerEncoderLayer(8, 2, **args), [src])
    compare(nn.TransformerDecoderLayer(8, 2, **args), torch.nn.TransformerDecoderLayer(8, 2, **args), [tgt, src])


def test_transformer_stacks_and_full_transformer():
    torch.manual_seed(6)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, nn.LayerNorm(8))
    torch_encoder = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                                torch.nn.LayerNorm(8), enable_nested_tensor=False)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5)
    assert_close(nn.Transformer.generate_square_subsequent_mask(5), causal)
    compare(encoder, torch_encoder, [torch.randn(5, 2, 8), causal])
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2)
    torch_decoder = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2)
    compare(decoder, torch_decoder, [torch.randn(3, 2, 8), torch.randn(5, 2, 8)])
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0)
    torch_model = torch.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0)
    compare(model, torch_model, [torch.randn(5, 2, 8), torch.randn(3, 2, 8)])
    assert repr(encoder) == repr(torch_encoder)


def test_functional_multi_head_attention_forward_matches_torch():
    torch.manual_seed(7)
    attention = torch.nn.MultiheadAttention(8, 2)
    q, kv = torch.randn(4, 2, 8), torch.randn(3, 2, 8)
    expected, expected_weights = torch.nn.functional.multi_head_attention_forward(
        q, kv, kv, 8, 2, attention.in_proj_weight, attention.in_proj_bias, None, None, False, 0.0,
        attention.out_proj.weight, attention.out_proj.bias, need_weights=True, average_attn_weights=False)
    output, weights = nn.functional.multi_head_attention_forward(
        to_ember(q), to_ember(kv), to_ember(kv), 8, 2, to_ember(attention.in_proj_weight),
        to_ember(attention.in_proj_bias), None, None, False, 0.0, to_ember(attention.out_proj.weight),
        to_ember(attention.out_proj.bias), need_weights=True, average_attn_weights=False)
    assert_close(output, expected.detach())
    assert_close(weights, expected_weights.detach())
    with pytest.raises(RuntimeError, match="embedding dimension of 6"):
        nn.functional.multi_head_attention_forward(to_ember(q), to_ember(kv), to_ember(kv), 6, 2, None, None, None,
                                                   None, False, 0.0, to_ember(attention.out_proj.weight), None)
