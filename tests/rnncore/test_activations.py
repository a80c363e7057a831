"""Activations and their derivatives, against their definitions and central differences."""

import math

import numpy as np
import pytest
from tests.rnncore.gradcheck_helpers import numerical_gradient, relative_error

from rnncore.activations import (relu, relu_derivative, sigmoid, sigmoid_derivative, softmax,
                                 softmax_backward, tanh, tanh_derivative)


def test_values():
    x = np.array([-30.0, -1.0, 0.0, 0.5, 30.0])
    np.testing.assert_allclose(sigmoid(x), [1 / (1 + math.exp(-v)) for v in x], rtol=1e-15)
    np.testing.assert_array_equal(tanh(x), np.tanh(x))
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0.5, 30])
    s = softmax(np.array([[1.0, 2.0, 3.0]]))
    e = [math.exp(v) for v in (1.0, 2.0, 3.0)]
    np.testing.assert_allclose(s[0], [v / sum(e) for v in e], rtol=1e-15)


def test_sigmoid_and_softmax_do_not_overflow():
    assert np.all(np.isfinite(sigmoid(np.array([-1000.0, 1000.0]))))
    s = softmax(np.array([1000.0, 1000.0]))
    np.testing.assert_allclose(s, [0.5, 0.5])


@pytest.mark.parametrize("function, derivative", [
    (sigmoid, sigmoid_derivative), (tanh, tanh_derivative), (relu, relu_derivative)])
def test_derivatives(function, derivative):
    x = np.array([-2.0, -0.3, 0.4, 1.7])
    numeric = np.array([numerical_gradient(lambda: float(function(v)[0]), v)[0]
                        for v in (np.array([value]) for value in x)])
    assert relative_error(derivative(function(x)), numeric) < 1e-8


def test_softmax_backward():
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    analytic = softmax_backward(dy, softmax(x))
    numeric = numerical_gradient(lambda: np.sum(softmax(x) * dy), x)
    assert relative_error(analytic, numeric) < 1e-6
