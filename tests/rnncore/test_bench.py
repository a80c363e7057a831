"""The benchmark runs and reports without PyTorch (speed itself is measured, never asserted)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_without_pytorch():
    done = subprocess.run(
        [sys.executable, "-m", "rnncore.bench", "--no-torch", "--rounds", "1", "--seconds", "0.01"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "PyTorch was not found" in done.stdout
    for cell in ("RNN", "LSTM", "GRU"):
        assert done.stdout.count(f" {cell} ") == 2
