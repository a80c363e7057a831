"""Central-difference gradient checking for the rnncore tests (float64 only).

numerical_gradient(f, array) perturbs every entry of `array` in place and returns the
five-point central difference (8 (f(+h) - f(-h)) - (f(+2h) - f(-2h))) / 12h: its error is O(h^4),
so h can be large enough that rounding in f stays far below the tolerance even for gradient
entries near zero. relative_error is CS231n's max |a - n| / max(1e-8, |a| + |n|).
"""

import numpy as np

STEP = 1e-4
TOLERANCE = 1e-6


def numerical_gradient(f, array, step=STEP):
    grad = np.zeros_like(array)
    flat, flat_grad = array.reshape(-1), grad.reshape(-1)
    assert np.shares_memory(flat, array), "array must be contiguous to be perturbed in place"
    for k in range(flat.size):
        old = flat[k]
        values = []
        for offset in (step, -step, 2 * step, -2 * step):
            flat[k] = old + offset
            values.append(f())
        flat[k] = old
        plus, minus, plus2, minus2 = values
        flat_grad[k] = (8 * (plus - minus) - (plus2 - minus2)) / (12 * step)
    return grad


def relative_error(analytic, numeric):
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    assert analytic.shape == numeric.shape, (analytic.shape, numeric.shape)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))))


def assert_gradient(name, analytic, f, array):
    error = relative_error(analytic, numerical_gradient(f, array))
    assert error < TOLERANCE, f"{name}: relative error {error:.2e}"
