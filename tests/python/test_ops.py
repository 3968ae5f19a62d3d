"""Every op against PyTorch 1.13, forward and backward, from one table in the spirit of OpInfo /
tinygrad's helper_test_op. Each row is (name, fn, shapes, options): fn(lib, *tensors) is called
with lib = torch and lib = ember on the same random inputs; outputs and input gradients must match.
Each row also runs on non-contiguous (transposed) inputs, and the differentiable ones on float64
through ember.autograd.gradcheck."""
import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_close

# Options: positive (inputs in (0.5, 2)), unit (inputs in (-0.9, 0.9)), grad (differentiable),
# dtypes (besides float32), int (integer inputs in [-5, 5)), atol.
OPS = [
    # elementwise unary
    ("neg", lambda L, a: L.neg(a), [(3, 4)], {}),
    ("abs", lambda L, a: a.abs(), [(3, 4)], {}),
    ("sqrt", lambda L, a: L.sqrt(a), [(3, 4)], {"positive": True}),
    ("rsqrt", lambda L, a: a.rsqrt(), [(3, 4)], {"positive": True}),
    ("square", lambda L, a: L.square(a), [(3, 4)], {}),
    ("reciprocal", lambda L, a: a.reciprocal(), [(3, 4)], {"positive": True}),
    ("exp", lambda L, a: L.exp(a), [(3, 4)], {}),
    ("exp2", lambda L, a: L.exp2(a), [(3, 4)], {}),
    ("expm1", lambda L, a: L.expm1(a), [(3, 4)], {}),
    ("log", lambda L, a: L.log(a), [(3, 4)], {"positive": True}),
    ("log2", lambda L, a: L.log2(a), [(3, 4)], {"positive": True}),
    ("log10", lambda L, a: a.log10(), [(3, 4)], {"positive": True}),
    ("log1p", lambda L, a: L.log1p(a), [(3, 4)], {"positive": True}),
    ("sin", lambda L, a: L.sin(a), [(3, 4)], {}),
    ("cos", lambda L, a: a.cos(), [(3, 4)], {}),
    ("tan", lambda L, a: L.tan(a), [(3, 4)], {"unit": True}),
    ("asin", lambda L, a: L.asin(a), [(3, 4)], {"unit": True}),
    ("acos", lambda L, a: L.acos(a), [(3, 4)], {"unit": True}),
    ("atan", lambda L, a: L.atan(a), [(3, 4)], {}),
    ("sinh", lambda L, a: L.sinh(a), [(3, 4)], {}),
    ("cosh", lambda L, a: L.cosh(a), [(3, 4)], {}),
    ("tanh", lambda L, a: L.tanh(a), [(3, 4)], {}),
    ("sigmoid", lambda L, a: L.sigmoid(a), [(3, 4)], {}),
    ("relu", lambda L, a: L.relu(a), [(3, 4)], {}),
    ("erf", lambda L, a: L.erf(a), [(3, 4)], {}),
    ("floor", lambda L, a: L.floor(a * 3), [(3, 4)], {"grad": False}),
    ("ceil", lambda L, a: L.ceil(a * 3), [(3, 4)], {"grad": False}),
    ("round", lambda L, a: L.round(a * 3), [(3, 4)], {"grad": False}),
    ("trunc", lambda L, a: L.trunc(a * 3), [(3, 4)], {"grad": False}),
    ("frac", lambda L, a: L.frac(a * 3), [(3, 4)], {}),
    ("sign", lambda L, a: L.sign(a), [(3, 4)], {"grad": False}),
    ("unary_minus", lambda L, a: -a, [(3, 4)], {}),
    ("abs_operator", lambda L, a: abs(a), [(3, 4)], {}),
    # elementwise binary, with broadcasting and Python scalars on either side
    ("add", lambda L, a, b: a + b, [(3, 4), (3, 4)], {"dtypes": ["float64", "int64"]}),
    ("add_broadcast", lambda L, a, b: a + b, [(3, 1, 4), (5, 1)], {}),
    ("add_alpha", lambda L, a, b: L.add(a, b, alpha=2), [(3, 4), (4,)], {}),
    ("radd", lambda L, a: 2 + a, [(3, 4)], {}),
    ("sub", lambda L, a, b: a - b, [(2, 3), (2, 1)], {"dtypes": ["int64"]}),
    ("rsub", lambda L, a: 1.5 - a, [(3, 4)], {}),
    ("sub_alpha", lambda L, a, b: a.sub(b, alpha=0.5), [(3, 4), (3, 4)], {}),
    ("mul", lambda L, a, b: a * b, [(4, 1), (1, 5)], {"dtypes": ["float64", "int64"]}),
    ("mul_scalar", lambda L, a: a * 3, [(3, 4)], {"dtypes": ["int64"]}),
    ("div", lambda L, a, b: a / b, [(3, 4), (3, 4)], {"positive": True}),
    ("div_int", lambda L, a, b: a / b, [(3, 4), (3, 4)], {"positive": True, "dtypes": ["int64"], "grad": False}),
    ("rdiv", lambda L, a: 2 / a, [(3, 4)], {"positive": True}),
    ("div_floor", lambda L, a, b: L.div(a, b, rounding_mode="floor"), [(3, 4), (3, 4)], {"positive": True, "grad": False}),
    ("floordiv", lambda L, a: a // 0.3, [(3, 4)], {"grad": False}),
    ("remainder", lambda L, a: a % 0.7, [(3, 4)], {}),
    ("fmod", lambda L, a, b: L.fmod(a, b), [(3, 4), (3, 4)], {"positive": True, "grad": False}),
    ("pow", lambda L, a, b: a ** b, [(3, 4), (3, 4)], {"positive": True}),
    ("pow_scalar", lambda L, a: a ** 2, [(3, 4)], {}),
    ("rpow", lambda L, a: 2 ** a, [(3, 4)], {}),
    ("atan2", lambda L, a, b: L.atan2(a, b), [(3, 4), (3, 4)], {"positive": True}),
    ("maximum", lambda L, a, b: L.maximum(a, b), [(3, 4), (4,)], {}),
    ("minimum", lambda L, a, b: L.minimum(a, b), [(3, 4), (3, 4)], {}),
    ("clamp", lambda L, a: a.clamp(-0.5, 0.5), [(3, 4)], {}),
    ("clamp_min", lambda L, a: L.clamp(a, min=0.1), [(3, 4)], {}),
    ("lerp", lambda L, a, b: L.lerp(a, b, 0.3), [(3, 4), (3, 4)], {}),
    ("where", lambda L, a, b: L.where(a > 0, a, b), [(3, 4), (3, 4)], {}),
    ("where_scalar", lambda L, a: L.where(a > 0, a, 0.0), [(3, 4)], {}),
    ("masked_fill", lambda L, a: a.masked_fill(a < 0, 2.0), [(3, 4)], {}),
    ("eq", lambda L, a, b: a == b, [(3, 4), (3, 4)], {"grad": False, "int": True}),
    ("ne", lambda L, a: a != 1, [(3, 4)], {"grad": False, "int": True}),
    ("lt", lambda L, a, b: a < b, [(3, 4), (4,)], {"grad": False}),
    ("le", lambda L, a: a <= 0, [(3, 4)], {"grad": False}),
    ("gt", lambda L, a, b: L.gt(a, b), [(3, 4), (3, 4)], {"grad": False}),
    ("ge", lambda L, a: a.ge(0.1), [(3, 4)], {"grad": False}),
    ("logical_and", lambda L, a, b: (a > 0) & (b > 0), [(3, 4), (3, 4)], {"grad": False}),
    ("logical_or", lambda L, a, b: (a > 0) | (b > 0), [(3, 4), (3, 4)], {"grad": False}),
    ("logical_not", lambda L, a: ~(a > 0), [(3, 4)], {"grad": False}),
    ("isnan", lambda L, a: L.isnan(a.log()), [(3, 4)], {"grad": False}),
    # reductions
    ("sum", lambda L, a: a.sum(), [(3, 4)], {"dtypes": ["float64", "int64"]}),
    ("sum_dim", lambda L, a: a.sum(1), [(3, 4, 5)], {}),
    ("sum_dims_keepdim", lambda L, a: L.sum(a, dim=(0, 2), keepdim=True), [(3, 4, 5)], {}),
    ("sum_dtype", lambda L, a: a.sum(dtype=L.float64), [(3, 4)], {"grad": False}),
    ("mean", lambda L, a: a.mean(), [(3, 4)], {}),
    ("mean_dim", lambda L, a: a.mean(-1, keepdim=True), [(3, 4)], {}),
    ("prod", lambda L, a: a.prod(1), [(3, 4)], {}),
    ("max", lambda L, a: a.max(), [(3, 4)], {}),
    ("max_dim", lambda L, a: a.max(1)[0], [(3, 4)], {}),
    ("max_dim_indices", lambda L, a: a.max(dim=1, keepdim=True).indices, [(3, 4)], {"grad": False}),
    ("min_dim", lambda L, a: L.min(a, 0).values, [(3, 4)], {}),
    ("max_binary", lambda L, a, b: L.max(a, b), [(3, 4), (3, 4)], {}),
    ("amax", lambda L, a: a.amax(dim=(0, 1)), [(3, 4, 2)], {}),
    ("amin", lambda L, a: L.amin(a, 1), [(3, 4)], {}),
    ("argmax", lambda L, a: a.argmax(), [(3, 4)], {"grad": False}),
    ("argmin_dim", lambda L, a: a.argmin(dim=1, keepdim=True), [(3, 4)], {"grad": False}),
    ("var", lambda L, a: a.var(), [(3, 4)], {}),
    ("var_dim_unbiased", lambda L, a: a.var(1, unbiased=False), [(3, 4)], {}),
    ("std", lambda L, a: L.std(a, dim=0, keepdim=True), [(3, 4)], {}),
    ("logsumexp", lambda L, a: a.logsumexp(1), [(3, 4)], {}),
    ("norm", lambda L, a: a.norm(), [(3, 4)], {}),
    ("norm_p1_dim", lambda L, a: a.norm(1, dim=1), [(3, 4)], {}),
    ("all", lambda L, a: (a > -1).all(), [(3, 4)], {"grad": False}),
    ("any_dim", lambda L, a: (a > 1).any(1), [(3, 4)], {"grad": False}),
    ("cumsum", lambda L, a: a.cumsum(1), [(3, 4)], {}),
    ("cumprod", lambda L, a: L.cumprod(a, dim=0), [(3, 4)], {}),
    # linear algebra
    ("matmul", lambda L, a, b: a @ b, [(3, 4), (4, 5)], {"dtypes": ["float64"]}),
    ("matmul_batched", lambda L, a, b: L.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)], {}),
    ("matmul_vector", lambda L, a, b: a @ b, [(3, 4), (4,)], {}),
    ("mm", lambda L, a, b: L.mm(a, b), [(3, 4), (4, 2)], {}),
    ("bmm", lambda L, a, b: a.bmm(b), [(2, 3, 4), (2, 4, 2)], {}),
    ("mv", lambda L, a, b: L.mv(a, b), [(3, 4), (4,)], {}),
    ("dot", lambda L, a, b: L.dot(a, b), [(4,), (4,)], {}),
    ("outer", lambda L, a, b: L.outer(a, b), [(3,), (4,)], {}),
    ("addmm", lambda L, a, b, c: L.addmm(a, b, c, beta=0.5, alpha=2), [(3, 2), (3, 4), (4, 2)], {}),
    # shapes and views
    # view needs contiguous input, as in torch.
    ("view", lambda L, a: a.view(4, 3) * 1, [(3, 4)], {"contiguous_only": True}),
    ("reshape", lambda L, a: a.reshape(-1, 2), [(3, 4)], {}),
    ("reshape_tuple", lambda L, a: L.reshape(a, (2, 6)), [(3, 4)], {}),
    ("permute", lambda L, a: a.permute(2, 0, 1), [(2, 3, 4)], {}),
    ("transpose", lambda L, a: a.transpose(0, 1), [(3, 4)], {}),
    ("T", lambda L, a: a.T, [(3, 4)], {}),
    ("mT", lambda L, a: a.mT, [(2, 3, 4)], {}),
    ("t", lambda L, a: L.t(a), [(3, 4)], {}),
    ("expand", lambda L, a: a.expand(2, 3, 4), [(3, 1)], {}),
    ("expand_as", lambda L, a, b: a.expand_as(b), [(1, 4), (3, 4)], {}),
    ("squeeze", lambda L, a: a.squeeze(), [(3, 1, 4)], {}),
    ("squeeze_dim", lambda L, a: a.squeeze(1), [(3, 1, 4)], {}),
    ("unsqueeze", lambda L, a: L.unsqueeze(a, -1), [(3, 4)], {}),
    ("flatten", lambda L, a: a.flatten(1), [(2, 3, 4)], {}),
    ("unflatten", lambda L, a: a.unflatten(1, (2, 2)), [(3, 4)], {}),
    ("narrow", lambda L, a: a.narrow(1, 1, 2), [(3, 4)], {}),
    ("select", lambda L, a: a.select(1, -1), [(3, 4)], {}),
    ("movedim", lambda L, a: L.movedim(a, 0, 2), [(2, 3, 4)], {}),
    ("diagonal", lambda L, a: a.diagonal(), [(3, 4)], {}),
    ("unfold", lambda L, a: a.unfold(1, 2, 1), [(3, 4)], {}),
    ("repeat", lambda L, a: a.repeat(2, 1, 3), [(3, 4)], {}),
    ("flip", lambda L, a: a.flip(0, 1), [(3, 4)], {}),
    ("roll", lambda L, a: L.roll(a, 1, 1), [(3, 4)], {}),
    ("tril", lambda L, a: a.tril(), [(3, 4)], {}),
    ("triu", lambda L, a: L.triu(a, 1), [(3, 4)], {}),
    ("cat", lambda L, a, b: L.cat([a, b], dim=1), [(3, 4), (3, 2)], {}),
    ("stack", lambda L, a, b: L.stack((a, b), 1), [(3, 4), (3, 4)], {}),
    ("split", lambda L, a: a.split(2, dim=1)[1], [(3, 4)], {}),
    ("split_sizes", lambda L, a: L.split(a, [1, 3], 1)[1], [(3, 4)], {}),
    ("chunk", lambda L, a: a.chunk(2)[0], [(4, 3)], {}),
    ("unbind", lambda L, a: a.unbind(1)[2], [(3, 4)], {}),
    ("broadcast_to", lambda L, a: L.broadcast_to(a, (2, 3, 4)), [(3, 1)], {}),
    # indexing ops
    ("gather", lambda L, a: a.gather(1, L.tensor([[0, 0], [1, 0], [3, 2]])), [(3, 4)], {}),
    ("index_select", lambda L, a: L.index_select(a, 1, L.tensor([3, 0, 3])), [(3, 4)], {}),
    # torch 1.13's masked_select backward scatters in memory order on non-contiguous inputs (a torch
    # bug); ember's gradient is checked by gradcheck there instead.
    ("masked_select", lambda L, a: a.masked_select(a > 0), [(3, 4)], {"contiguous_only": True}),
    ("scatter", lambda L, a, b: a.scatter(0, L.tensor([[2, 1, 0, 2]]), b), [(3, 4), (1, 4)], {}),
    ("scatter_add", lambda L, a, b: L.scatter_add(a, 1, L.tensor([[0, 0], [1, 1], [2, 3]]), b), [(3, 4), (3, 2)], {}),
    ("index_add", lambda L, a, b: a.index_add(0, L.tensor([2, 0]), b, alpha=2), [(3, 4), (2, 4)], {}),
    ("sort", lambda L, a: a.sort(1).values, [(3, 4)], {}),
    ("sort_desc_indices", lambda L, a: a.sort(dim=0, descending=True).indices, [(3, 4)], {"grad": False}),
    ("argsort", lambda L, a: a.argsort(1), [(3, 4)], {"grad": False}),
    ("topk", lambda L, a: a.topk(2).values, [(3, 4)], {}),
    ("nonzero", lambda L, a: (a > 0).nonzero(), [(3, 4)], {"grad": False}),
    # nn functional
    ("softmax", lambda L, a: a.softmax(1), [(3, 4)], {}),
    ("log_softmax", lambda L, a: a.log_softmax(-1), [(3, 4)], {}),
    ("F.gelu", lambda L, a: L.nn.functional.gelu(a), [(3, 4)], {}),
    ("F.silu", lambda L, a: L.nn.functional.silu(a), [(3, 4)], {}),
    ("F.leaky_relu", lambda L, a: L.nn.functional.leaky_relu(a, 0.2), [(3, 4)], {}),
    ("F.elu", lambda L, a: L.nn.functional.elu(a), [(3, 4)], {}),
    ("F.softplus", lambda L, a: L.nn.functional.softplus(a), [(3, 4)], {}),
    ("F.linear", lambda L, a, w, b: L.nn.functional.linear(a, w, b), [(2, 5), (3, 5), (3,)], {}),
    ("F.conv2d", lambda L, a, w, b: L.nn.functional.conv2d(a, w, b, stride=1, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)], {}),
    ("F.conv2d_stride", lambda L, a, w: L.nn.functional.conv2d(a, w, None, 2), [(1, 2, 6, 6), (3, 2, 2, 2)], {}),
    ("F.max_pool2d", lambda L, a: L.nn.functional.max_pool2d(a, 2), [(2, 3, 4, 4)], {}),
    ("F.avg_pool2d", lambda L, a: L.nn.functional.avg_pool2d(a, 2, stride=1), [(2, 3, 4, 4)], {}),
    ("F.layer_norm", lambda L, a, w, b: L.nn.functional.layer_norm(a, (4,), w, b), [(3, 4), (4,), (4,)], {}),
    ("F.mse_loss", lambda L, a, b: L.nn.functional.mse_loss(a, b), [(3, 4), (3, 4)], {}),
    ("F.l1_loss_sum", lambda L, a, b: L.nn.functional.l1_loss(a, b, reduction="sum"), [(3, 4), (3, 4)], {}),
    ("F.cross_entropy", lambda L, a: L.nn.functional.cross_entropy(a, L.tensor([1, 0, 3])), [(3, 4)], {}),
    ("F.nll_loss", lambda L, a: L.nn.functional.nll_loss(a.log_softmax(1), L.tensor([1, 0, 3])), [(3, 4)], {}),
    ("F.bce_logits", lambda L, a, b: L.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid()), [(3, 4), (3, 4)], {}),
    ("F.pad", lambda L, a: L.nn.functional.pad(a, (1, 2)), [(3, 4)], {}),
]

OPTIONS = {"positive": False, "unit": False, "grad": True, "dtypes": [], "int": False, "atol": 1e-5,
           "contiguous_only": False}


def make_inputs(shapes, options, dtype, seed, transposed):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        if options["int"] or dtype == "int64":
            array = rng.integers(-5, 5, size=shape) if not options["positive"] else rng.integers(1, 6, size=shape)
        elif options["positive"]:
            array = rng.uniform(0.5, 2.0, size=shape)
        elif options["unit"]:
            array = rng.uniform(-0.9, 0.9, size=shape)
        else:
            array = rng.standard_normal(size=shape)
        arrays.append(array.astype(dtype if not options["int"] else "int64"))
    torch_inputs = [torch.from_numpy(a.copy()) for a in arrays]
    ember_inputs = [ember.tensor(a) for a in arrays]
    if transposed:
        # The same values held transposed in memory: non-contiguous inputs for the kernels.
        def noncontiguous(lib, t):
            if t.dim() < 2:
                return t
            return t.transpose(-1, -2).contiguous().transpose(-1, -2)
        torch_inputs = [noncontiguous(torch, t) for t in torch_inputs]
        ember_inputs = [noncontiguous(ember, t) for t in ember_inputs]
    return torch_inputs, ember_inputs


def run_both(fn, shapes, options, dtype, transposed):
    torch_inputs, ember_inputs = make_inputs(shapes, options, dtype, 0, transposed)
    differentiable = options["grad"] and dtype.startswith("float") and not options["int"]
    if differentiable:
        for t in torch_inputs + ember_inputs:
            t.requires_grad_(True)
    expected = fn(torch, *torch_inputs)
    actual = fn(ember, *ember_inputs)
    assert_close(actual, expected, atol=options["atol"])
    if differentiable:
        weights = np.random.default_rng(1).standard_normal(size=tuple(expected.shape)).astype(dtype)
        (expected * torch.from_numpy(weights)).sum().backward()
        (actual * ember.tensor(weights)).sum().backward()
        for t_in, e_in in zip(torch_inputs, ember_inputs):
            if t_in.grad is None:
                assert e_in.grad is None
            else:
                assert_close(e_in.grad, t_in.grad, atol=options["atol"] * 10)


CASES = [pytest.param(fn, shapes, {**OPTIONS, **options}, id=name) for name, fn, shapes, options in OPS]


@pytest.mark.parametrize("fn,shapes,options", CASES)
def test_forward_backward_float32(fn, shapes, options):
    run_both(fn, shapes, options, "float32", transposed=False)


@pytest.mark.parametrize("fn,shapes,options", CASES)
def test_noncontiguous_inputs(fn, shapes, options):
    if options["contiguous_only"]:
        pytest.skip("contiguous inputs only (see the row's comment)")
    run_both(fn, shapes, options, "float32", transposed=True)


@pytest.mark.parametrize("fn,shapes,options", [c for c in CASES if c.values[2]["dtypes"]])
def test_other_dtypes(fn, shapes, options):
    for dtype in options["dtypes"]:
        run_both(fn, shapes, options, dtype, transposed=False)


@pytest.mark.parametrize("fn,shapes,options", [c for c in CASES if c.values[2]["grad"] and not c.values[2]["int"]])
def test_gradcheck_float64(fn, shapes, options):
    _, inputs = make_inputs(shapes, options, "float64", 2, transposed=not options["contiguous_only"])
    for t in inputs:
        t.requires_grad_(True)
    assert ember.autograd.gradcheck(lambda *xs: fn(ember, *xs), inputs, atol=1e-4)


@pytest.mark.parametrize("call", [
    lambda L, a, b, out: L.add(a, b, out=out),
    lambda L, a, b, out: L.mul(a, 2, out=out),
    lambda L, a, b, out: L.matmul(a, b.T, out=out),
    lambda L, a, b, out: L.sum(a, 0, out=out),
    lambda L, a, b, out: L.exp(a, out=out),
    lambda L, a, b, out: L.cat([a, b], out=out),
    lambda L, a, b, out: L.where(a > 0, a, b, out=out),
    lambda L, a, b, out: L.clamp(a, min=0, out=out),
], ids=["add", "mul", "matmul", "sum", "exp", "cat", "where", "clamp"])
@pytest.mark.parametrize("out_shape", [(0,), (2, 3), (7,)], ids=["empty", "same_or_other", "wrong"])
def test_out_keyword_matches_torch(call, out_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)
    results = {}
    for L in (ember, torch):
        out = L.zeros(*out_shape)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            returned = call(L, L.tensor(a), L.tensor(b), out)
        assert returned is out
        results[L] = (out, [str(w.message) for w in caught])
    assert_close(results[ember][0], results[torch][0])
    assert len(results[ember][1]) == len(results[torch][1])


def test_out_keyword_tuples_and_errors():
    x = ember.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    returned = ember.max(x, 1, out=(values, indices))
    assert returned[0] is values and returned[1] is indices
    assert values.tolist() == [5.0, 6.0] and indices.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        ember.add(x, x, out=ember.empty(0, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ember.add(x.clone().requires_grad_(), x, out=ember.empty(0))
    with ember.no_grad():
        assert ember.add(x.clone().requires_grad_(), x, out=ember.empty(0)).shape == (2, 3)
    with pytest.raises(TypeError):
        ember.add(x, x, out=3)
    assert ember.add(x, 1, out=None).shape == (2, 3)


def test_resize_keeps_identity():
    e, t = ember.arange(6.0), torch.arange(6.0)
    for x in (e, t):
        assert x.resize_(2, 3) is x
    assert_close(e, t)
    assert e.resize_(0).shape == (0,)
