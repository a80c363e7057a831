"""The layers: gradient checks through time (every cell, depth, direction, the initial state),
agreement with the step functions, float32 against float64, parameters and state dicts."""

import numpy as np
import pytest
from tests.rnncore.gradcheck_helpers import assert_gradient

from rnncore import GRU, LSTM, RNN
from rnncore.cells import gru_step_forward, lstm_step_forward, rnn_step_forward

T, B, I, H = 3, 2, 3, 3

CELLS = {
    "rnn-tanh": lambda **kw: RNN(I, H, nonlinearity="tanh", **kw),
    "rnn-relu": lambda **kw: RNN(I, H, nonlinearity="relu", **kw),
    "lstm": lambda **kw: LSTM(I, H, **kw),
    "gru": lambda **kw: GRU(I, H, **kw),
    "gru-reset-before": lambda **kw: GRU(I, H, reset_after=False, **kw),
}


def as_parts(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", list(CELLS))
def test_layer_gradients(cell, num_layers, bidirectional):
    layer = CELLS[cell](num_layers=num_layers, bidirectional=bidirectional, dtype=np.float64,
                        seed=4)
    for value in layer.parameters().values():    # larger weights make the check sharper
        value *= 2.0
    rng = np.random.default_rng(5)
    D = 2 if bidirectional else 1
    x = rng.normal(size=(T, B, I))
    state_parts = [rng.normal(size=(num_layers * D, B, H)) for _ in as_parts(layer.initial_state(B))]
    state = tuple(state_parts) if isinstance(layer, LSTM) else state_parts[0]
    d_out = rng.normal(size=(T, B, D * H))
    d_final_parts = [rng.normal(size=(num_layers * D, B, H)) for _ in state_parts]
    d_final = tuple(d_final_parts) if isinstance(layer, LSTM) else d_final_parts[0]

    def loss():
        out, final = layer.forward(x, state)
        return np.sum(out * d_out) + sum(np.sum(f * d) for f, d in zip(as_parts(final), d_final_parts))

    layer.forward(x, state)
    dx, d_state, grads = layer.backward(d_out, d_final)
    assert list(grads) == list(layer.parameters())
    assert_gradient("x", dx, loss, x)
    for k, (part, d_part) in enumerate(zip(state_parts, as_parts(d_state))):
        assert_gradient(f"initial state part {k}", d_part, loss, part)
    for name, value in layer.parameters().items():
        assert_gradient(name, grads[name], loss, value)


@pytest.mark.parametrize("cell", ["rnn-tanh", "lstm", "gru"])
def test_gradients_from_final_state_only(cell):
    """Many-to-one through the state: d_outputs=None."""
    layer = CELLS[cell](num_layers=2, dtype=np.float64, seed=6)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(T, B, I))
    d_final_parts = [rng.normal(size=(2, B, H)) for _ in as_parts(layer.initial_state(B))]
    d_final = tuple(d_final_parts) if isinstance(layer, LSTM) else d_final_parts[0]

    def loss():
        _, final = layer.forward(x)
        return sum(np.sum(f * d) for f, d in zip(as_parts(final), d_final_parts))

    layer.forward(x)
    dx, _, grads = layer.backward(None, d_final)
    assert_gradient("x", dx, loss, x)
    for name, value in layer.parameters().items():
        assert_gradient(name, grads[name], loss, value)


def test_backward_with_no_upstream_gradient_is_zero():
    layer = LSTM(I, H, seed=0)
    layer.forward(np.ones((T, B, I), np.float32))
    dx, (dh0, dc0), grads = layer.backward()
    assert not dx.any() and not dh0.any() and not dc0.any()
    assert not any(g.any() for g in grads.values())


@pytest.mark.parametrize("cell", list(CELLS))
def test_layer_matches_step_functions(cell):
    """The fast sequence kernels compute exactly what looping the step functions computes."""
    layer = CELLS[cell](dtype=np.float64, seed=8)
    rng = np.random.default_rng(9)
    x = rng.normal(size=(5, B, I))
    h, c = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    out, _ = layer.forward(x, (h[None], c[None]) if isinstance(layer, LSTM) else h[None])
    p = {name[:-3]: value for name, value in layer.parameters().items()}   # drop "_l0"
    for t in range(5):
        if isinstance(layer, LSTM):
            h, c, _ = lstm_step_forward(x[t], h, c, **p)
        elif isinstance(layer, GRU):
            h, _ = gru_step_forward(x[t], h, **p, reset_after=layer.reset_after)
        else:
            h, _ = rnn_step_forward(x[t], h, **p, nonlinearity=layer.nonlinearity)
        np.testing.assert_allclose(out[t], h, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cell", list(CELLS))
def test_float32_agrees_with_float64(cell):
    wide = CELLS[cell](num_layers=2, bidirectional=True, dtype=np.float64, seed=10)
    narrow = CELLS[cell](num_layers=2, bidirectional=True, dtype=np.float32, seed=11)
    narrow.load_state_dict(wide.state_dict())
    x = np.random.default_rng(12).normal(size=(20, 4, I))
    d_out = np.random.default_rng(13).normal(size=(20, 4, 2 * H))
    out64, _ = wide.forward(x)
    out32, _ = narrow.forward(x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=0, atol=1e-5)
    dx64, _, g64 = wide.backward(d_out)
    dx32, _, g32 = narrow.backward(d_out.astype(np.float32))
    assert dx32.dtype == np.float32 and all(g.dtype == np.float32 for g in g32.values())
    np.testing.assert_allclose(dx32, dx64, rtol=0, atol=1e-4)
    for name in g64:
        np.testing.assert_allclose(g32[name], g64[name], rtol=1e-4, atol=1e-4, err_msg=name)


def test_reverse_direction_reads_time_backwards():
    """A bidirectional layer's reverse half at step t has seen x_t..x_T: changing x_0 leaves
    the reverse output at the last step alone but moves the forward one."""
    layer = GRU(I, H, bidirectional=True, dtype=np.float64, seed=14)
    x = np.random.default_rng(15).normal(size=(T, B, I))
    out, _ = layer.forward(x)
    x[0] += 1.0
    moved, _ = layer.forward(x)
    np.testing.assert_array_equal(out[-1, :, H:], moved[-1, :, H:])
    assert not np.allclose(out[-1, :, :H], moved[-1, :, :H])


def test_pytorch_names_and_shapes():
    layer = LSTM(5, 7, num_layers=2, bidirectional=True, seed=0)
    shapes = {name: value.shape for name, value in layer.parameters().items()}
    assert shapes == {
        "weight_ih_l0": (28, 5), "weight_hh_l0": (28, 7), "bias_ih_l0": (28,), "bias_hh_l0": (28,),
        "weight_ih_l0_reverse": (28, 5), "weight_hh_l0_reverse": (28, 7),
        "bias_ih_l0_reverse": (28,), "bias_hh_l0_reverse": (28,),
        "weight_ih_l1": (28, 14), "weight_hh_l1": (28, 7), "bias_ih_l1": (28,), "bias_hh_l1": (28,),
        "weight_ih_l1_reverse": (28, 14), "weight_hh_l1_reverse": (28, 7),
        "bias_ih_l1_reverse": (28,), "bias_hh_l1_reverse": (28,),
    }
    assert GRU(5, 7, seed=0).parameters()["weight_hh_l0"].shape == (21, 7)
    assert RNN(5, 7, seed=0).parameters()["weight_ih_l0"].shape == (7, 5)


def test_initialisation_is_reproducible_and_bounded():
    a, b = GRU(4, 16, seed=3), GRU(4, 16, seed=3)
    for name, value in a.parameters().items():
        np.testing.assert_array_equal(value, b.parameters()[name])
        assert np.abs(value).max() <= 1 / 4           # 1/sqrt(hidden_size)
        assert value.dtype == np.float32
    c = GRU(4, 16, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(c.parameters()["weight_ih_l0"], a.parameters()["weight_ih_l0"])
    assert not np.array_equal(GRU(4, 16, seed=4).parameters()["weight_ih_l0"],
                              a.parameters()["weight_ih_l0"])


def test_state_dict_round_trip():
    source = LSTM(I, H, num_layers=2, bidirectional=True, seed=1)
    target = LSTM(I, H, num_layers=2, bidirectional=True, seed=2)
    live = target.parameters()
    target.load_state_dict(source.state_dict())
    for name, value in source.state_dict().items():
        np.testing.assert_array_equal(target.parameters()[name], value)
        assert target.parameters()[name] is live[name]       # loaded in place
    x = np.random.default_rng(3).normal(size=(T, B, I)).astype(np.float32)
    np.testing.assert_array_equal(source.forward(x)[0], target.forward(x)[0])


def test_state_dict_is_a_snapshot_and_parameters_are_live():
    layer = RNN(I, H, seed=1)
    snapshot = layer.state_dict()
    layer.parameters()["weight_hh_l0"][...] = 0.0               # an optimiser's in-place update
    assert not layer.parameters()["weight_hh_l0"].any()
    assert snapshot["weight_hh_l0"].any()


def test_state_dict_loads_float64_into_float32():
    source = GRU(I, H, dtype=np.float64, seed=1)
    target = GRU(I, H, seed=2)
    target.load_state_dict(source.state_dict())
    assert target.parameters()["weight_ih_l0"].dtype == np.float32
    np.testing.assert_allclose(target.parameters()["weight_ih_l0"],
                               source.parameters()["weight_ih_l0"], rtol=1e-7)


def test_final_state_continues_the_sequence():
    """Running two halves with the state carried over equals running the whole (TBPTT)."""
    layer = LSTM(I, H, num_layers=2, dtype=np.float64, seed=5)
    x = np.random.default_rng(6).normal(size=(6, B, I))
    whole, (h, c) = layer.forward(x)
    first, state = layer.forward(x[:3])
    second, (h2, c2) = layer.forward(x[3:], state)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=1e-14)
    np.testing.assert_allclose(h2, h, rtol=1e-14)
    np.testing.assert_allclose(c2, c, rtol=1e-14)


def test_outputs_do_not_alias_between_calls():
    layer = RNN(I, H, seed=0)
    x = np.ones((T, B, I), np.float32)
    out1, h1 = layer.forward(x)
    kept = out1.copy(), h1.copy()
    layer.forward(2 * x)
    np.testing.assert_array_equal(out1, kept[0])
    np.testing.assert_array_equal(h1, kept[1])


def test_repr_and_config():
    layer = GRU(3, 5, num_layers=2, reset_after=False, seed=0)
    assert layer.config() == {"input_size": 3, "hidden_size": 5, "num_layers": 2,
                              "bidirectional": False, "dtype": "float32", "reset_after": False}
    assert GRU(**layer.config()).config() == layer.config()
    assert repr(layer).startswith("GRU(input_size=3")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_layers_reject_weights_made_non_finite_in_place(cell, bad):
    # The layers call the kernels with check=False; a parameter an optimiser has turned
    # non-finite must still be refused, by its kernel name, in any layer and direction.
    x = np.ones((T, B, I), np.float32)
    for name in ["weight_ih_l0", "weight_hh_l1_reverse", "bias_ih_l1", "bias_hh_l0_reverse"]:
        layer = CELLS[cell](num_layers=2, bidirectional=True, seed=0)
        layer.forward(x)
        layer.parameters()[name].flat[1] = bad
        kernel_name = name.split("_l")[0]
        with pytest.raises(ValueError, match=rf"^{kernel_name} must contain only finite"):
            layer.forward(x)
