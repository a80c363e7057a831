"""Benchmark: forward + backward through time of RNN, LSTM and GRU, against torch.nn if present.

    python -m rnncore.bench [--rounds 7] [--threads 2] [--torch-python PATH] [--seconds 0.25]

Times one forward and one full backward (gradients of all parameters, the input and the initial
state) in float32 at a teaching size (batch 16, 30 steps, input 8, hidden 32) and a larger one
(batch 32, 50 steps, input 64, hidden 128), and prints the median per cell and, where PyTorch is
available, PyTorch's median on the CPU with the same number of threads and the ratio.

Each library runs in its own worker process (their thread pools would fight over the cores in
one), and the workers alternate for several rounds (A B, B A, A B, ...), so drift in the
machine's speed hits both. Every call is timed; the figure is the median over all rounds' calls,
and the spread of the per-round medians is shown beside it, so an unsteady machine is visible.
The load average is printed at the start and the end: another process busy on one of the two
cores stalls every two-thread matrix product (a worker thread waits for its time slice), which
can make either library several times slower. The load average decays over minutes (it still
counts a run that just ended), so the check is the CPUs' busy share in the second before the
start: above BUSY_SHARE the run is flagged as not worth comparing.
PyTorch is looked for in --torch-python, else $RNNCORE_BENCH_TORCH, else the git-ignored
`.bench-torch` interpreter beside the rnncore package, else this interpreter; without it the
benchmark prints rnncore's figures alone. Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in the
command that runs this (`make bench` does): they slow a current OpenBLAS, and the benchmark does
not change the environment it was given beyond the thread counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = {   # name: (batch, steps, input, hidden)
    "teaching": (16, 30, 8, 32),
    "larger": (32, 50, 64, 128),
}
CELLS = ("RNN", "LSTM", "GRU")
TARGETS = {  # largest acceptable rnncore / torch time ratio
    ("teaching", "RNN"): 1.0, ("teaching", "LSTM"): 1.0, ("teaching", "GRU"): 1.0,
    ("larger", "RNN"): 1.0, ("larger", "LSTM"): 2.0, ("larger", "GRU"): 1.0,
}
REPO_ROOT = Path(__file__).resolve().parent.parent


# ---- workers: time one library, print one JSON line per (size, cell) ------------------------

MIN_CALLS = 10       # per cell, size and round, however long a call takes
BUSY_SHARE = 0.15    # CPU busy share (all cores) just before the run above which it is flagged


def _time_calls(run, seconds):
    """Call run() for about `seconds` after a warm-up; return each call's time in seconds."""
    for _ in range(3):   # first calls allocate buffers and warm caches
        run()
    warm_until = time.perf_counter() + min(0.1, seconds / 4)
    while time.perf_counter() < warm_until:
        run()
    times = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop or len(times) < MIN_CALLS:
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def _numpy_worker(seconds):
    import numpy as np

    import rnncore

    for size, (batch, steps, inputs, hidden) in SIZES.items():
        for cell in CELLS:
            rng = np.random.default_rng(0)
            layer = getattr(rnncore, cell)(inputs, hidden, dtype=np.float32, seed=0)
            x = rng.standard_normal((steps, batch, inputs), dtype=np.float32)
            state = layer.initial_state(batch)
            d_out = rng.standard_normal((steps, batch, hidden), dtype=np.float32)

            def run():
                layer.forward(x, state)
                layer.backward(d_out)

            yield size, cell, _time_calls(run, seconds)


def _torch_worker(seconds, threads):
    import torch

    torch.set_num_threads(threads)
    for size, (batch, steps, inputs, hidden) in SIZES.items():
        for cell in CELLS:
            torch.manual_seed(0)
            layer = getattr(torch.nn, cell)(inputs, hidden)
            x = torch.randn(steps, batch, inputs, requires_grad=True)
            h0 = torch.zeros(1, batch, hidden, requires_grad=True)
            state = (h0, torch.zeros(1, batch, hidden, requires_grad=True)) if cell == "LSTM" else h0
            d_out = torch.randn(steps, batch, hidden)

            def run():
                layer.zero_grad(set_to_none=True)
                x.grad = None
                out, _ = layer(x, state)
                out.backward(d_out)

            yield size, cell, _time_calls(run, seconds)


def _worker(library, seconds, threads):
    results = _numpy_worker(seconds) if library == "numpy" else _torch_worker(seconds, threads)
    for size, cell, times in results:
        print(json.dumps({"size": size, "cell": cell, "times": times}), flush=True)


# ---- the driver ----------------------------------------------------------------------------

def _load_average():
    """The 1-, 5- and 15-minute load averages, or None where the OS does not report them."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def _busy_fraction(seconds=1.0):
    """Share of all CPUs' time spent busy over `seconds` (Linux /proc/stat), or None.

    Unlike the load average, which decays over minutes (and so still counts a benchmark that has
    just finished), this says whether something is running right now.
    """
    def sample():
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle + iowait
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def _format_load(load):
    return "unknown" if load is None else " ".join(f"{value:.2f}" for value in load)


def summarise(samples):
    """Per-round call times [[s, ...], ...] -> (median of all calls, lowest and highest
    per-round median), all in ms."""
    every = [t for round_times in samples for t in round_times]
    per_round = [statistics.median(round_times) for round_times in samples]
    return (statistics.median(every) * 1e3, min(per_round) * 1e3, max(per_round) * 1e3)


def _find_torch_python(explicit):
    candidates = [explicit, os.environ.get("RNNCORE_BENCH_TORCH"),
                  str(REPO_ROOT / ".bench-torch" / "bin" / "python"), sys.executable]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        probe = subprocess.run([candidate, "-c", "import torch; print(torch.__version__)"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            return candidate, probe.stdout.strip()
    return None, None


def _run_worker(python, library, seconds, threads):
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [python, "-m", "rnncore.bench", "--worker", library, "--seconds", str(seconds),
         "--threads", str(threads)],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternations of the workers")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=0.25,
                        help="timing per cell, size and round")
    parser.add_argument("--torch-python", help="an interpreter with torch installed")
    parser.add_argument("--no-torch", action="store_true", help="time rnncore alone")
    parser.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.seconds, args.threads)
        return 0

    import numpy as np

    load_start = _load_average()
    busy_start = _busy_fraction()
    torch_python, torch_version = (None, None) if args.no_torch else _find_torch_python(
        args.torch_python)
    libraries = ["numpy"] + (["torch"] if torch_python else [])
    samples = {}         # (library, size, cell) -> one list of call times per round
    for round_number in range(args.rounds):
        order = libraries if round_number % 2 == 0 else libraries[::-1]
        for library in order:
            python = sys.executable if library == "numpy" else torch_python
            for result in _run_worker(python, library, args.seconds, args.threads):
                key = (library, result["size"], result["cell"])
                samples.setdefault(key, []).append(result["times"])
    load_end = _load_average()

    print(f"rnncore benchmark: forward + backward through time, float32, {args.threads} threads; "
          f"{args.rounds} alternating rounds of one process per library, median of all calls "
          f"[lowest-highest round median]")
    print(f"load average (1, 5, 15 min): {_format_load(load_start)} at the start, "
          f"{_format_load(load_end)} at the end (which counts this benchmark's own workers); "
          + ("CPU busy share unknown" if busy_start is None else
             f"CPUs {busy_start:.0%} busy in the second before the start"))
    if busy_start is not None and busy_start > BUSY_SHARE:
        print(f"warning: the machine was busy (more than {BUSY_SHARE:.0%} of the CPUs' time just "
              f"before the start); other processes stall two-thread products, so these figures "
              f"are not trustworthy. Re-run when it is quiet.")
    openblas = [name for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ]
    print(f"numpy {np.__version__}; "
          + (f"torch {torch_version} ({torch_python})" if torch_python else
             "PyTorch was not found (make .bench-torch, see rnncore/README.md): numpy figures only")
          + (f"; note: {' and '.join(openblas)} set, which slows OpenBLAS" if openblas else ""))
    header = f"{'size':<30} {'cell':<5} {'rnncore ms':>22}"
    if torch_python:
        header += f" {'torch ms':>22} {'ratio':>6}  target"
    print(header)
    for size, (batch, steps, inputs, hidden) in SIZES.items():
        label = f"{size} N={batch} T={steps} D={inputs} H={hidden}"
        for cell in CELLS:
            ours, low, high = summarise(samples[("numpy", size, cell)])
            line = f"{label:<30} {cell:<5} {ours:>7.3f} [{low:.3f}-{high:.3f}]".ljust(59)
            if torch_python:
                theirs, low, high = summarise(samples[("torch", size, cell)])
                ratio = ours / theirs
                target = TARGETS[(size, cell)]
                verdict = "met" if ratio <= target else "missed"
                line += (f" {theirs:>7.3f} [{low:.3f}-{high:.3f}]".ljust(23)
                         + f" {ratio:>6.2f}  <= {target:g} {verdict}")
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
