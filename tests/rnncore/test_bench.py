"""The benchmark runs and reports without PyTorch (speed itself is measured, never asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

from rnncore.bench import summarise

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_without_pytorch():
    done = subprocess.run(
        [sys.executable, "-m", "rnncore.bench", "--no-torch", "--rounds", "2", "--seconds", "0.01"],
        capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "PyTorch was not found" in done.stdout
    assert "load average (1, 5, 15 min):" in done.stdout
    assert "2 alternating rounds" in done.stdout
    for cell in ("RNN", "LSTM", "GRU"):
        assert done.stdout.count(f" {cell} ") == 2


def test_summarise_gives_the_median_of_all_calls_and_the_round_spread():
    median, lowest, highest = summarise([[0.001, 0.002, 0.009], [0.003, 0.004]])
    assert median == pytest.approx(3.0)             # ms: median of all five calls
    assert (lowest, highest) == pytest.approx((2.0, 3.5))   # per-round medians


# ---- the speed machinery changes no result ---------------------------------------------------
# Layers reuse scratch buffers between calls (rnncore.bptt.layout.Workspace): whatever they
# return must be fresh, and a second call must give what a fresh layer gives.

@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch", [1, 3])
def test_reused_buffers_never_leak_into_results(name, batch):
    import numpy as np

    import rnncore

    rng = np.random.default_rng(0)
    layer = getattr(rnncore, name)(5, 4, num_layers=2, bidirectional=True, seed=0)
    x1, x2 = (rng.standard_normal((6, batch, 5), dtype=np.float32) for _ in range(2))
    d_out = rng.standard_normal((6, batch, 8), dtype=np.float32)
    first = (layer.forward(x1), layer.backward(d_out))
    kept = [np.copy(a) for a in _arrays(first)]
    layer.forward(x2)
    layer.backward(2 * d_out)
    again = (layer.forward(x1), layer.backward(d_out))
    for before, after, now in zip(kept, _arrays(first), _arrays(again)):
        np.testing.assert_array_equal(after, before)     # earlier results were not overwritten
        np.testing.assert_array_equal(now, before)       # and the same call gives the same


def _arrays(results):
    import numpy as np

    if isinstance(results, np.ndarray):
        return [results]
    if isinstance(results, dict):
        return [a for key in sorted(results) for a in _arrays(results[key])]
    return [a for item in results for a in _arrays(item)]
