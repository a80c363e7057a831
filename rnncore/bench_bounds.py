"""The product bounds measured: each demo call and each lab step at its bounds, and a stored run.

    python -m rnncore.bench_bounds [--seconds 0.3] [--intervals 3] [--threads 1]

For every group of rnncore.product_bounds.DEMOS, the engine call that group bounds, with every
size at its max, timed after a warm-up (median and 95th percentile over the calls), against the
budget DEMO_CALL_MS (the fastest call beside them). For every lab task, with each cell, one
training step at the task's lab maximum (lab_max_config: every bounded size at its max,
evaluation as often as offered, Adam), per whole evaluation interval so each step carries its
share of the evaluation (the median and fastest of --intervals), against LAB_STEP_MS; and the
bytes of a finished run at those bounds (finished_run: every
history entry and optimiser moment present) against LAB_RUN_BYTES. Times vary with the machine's
load (compare them to the budgets as ratios); sizes do not, and tests assert them. The timing
runs in a child process with --threads BLAS threads (default 1: one web worker per core, and a
busy second core stalls every two-thread product, which makes two-thread figures swing tenfold
on a shared machine); the CPUs' busy share before the start is printed, as by rnncore.bench.
Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in the command that runs this, as for
``python -m rnncore.bench``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from . import GRU, LSTM, RNN, Linear, gru_step_trace, lstm_step_trace, rnn_step_trace
from .activations import (relu, relu_derivative, sigmoid, sigmoid_derivative, softmax, tanh,
                          tanh_derivative)
from .analysis import hidden_gradient_norms
from .heads import linear_forward
from .losses import ctc_alignments, ctc_loss, cross_entropy, log_softmax, mse_loss
from .product_bounds import (DEMO_CALL_MS, DEMOS, LAB, LAB_RUN_BYTES, LAB_STEP_MS,
                             lab_max_config)
from .trainer import FINISHED, TRAIN_KEYS, Trainer, _expected_eval_steps

CELLS = ("rnn", "lstm", "gru")


# ---- the demo calls at their bounds ------------------------------------------------------------

def _top(group: str) -> dict:
    return {name: bound.max for name, bound in DEMOS[group].items()}


def demo_calls() -> dict[str, callable]:
    """name -> a function making the engine call(s) of one demo request at the group's max."""
    rng = np.random.default_rng(0)
    calls = {}

    h_top = _top("hidden_state")
    D, H, Q, T = (h_top[k] for k in ("input_size", "hidden_size", "output_size", "steps"))
    W_x, W_h = rng.uniform(-1, 1, (H, D)), rng.uniform(-1, 1, (H, H))
    bias, xs = rng.uniform(-1, 1, H), rng.uniform(-1, 1, (T, D))
    head = Linear(H, Q, dtype=np.float64, seed=0)

    def hidden_state():
        h = np.zeros(H)
        for t in range(T):
            trace = rnn_step_trace(W_x, xs[t], W_h, h, bias, step=t + 1)
            h = trace["h"]
            softmax(head.forward(h[None]))
    calls["hidden_state"] = hidden_state

    def gated_weights(group: str, gates: int):
        top = _top(group)
        D, H, T = (top[k] for k in ("input_size", "hidden_size", "steps"))
        return (rng.uniform(-1, 1, (gates * H, D)), rng.uniform(-1, 1, (gates * H, H)),
                rng.uniform(-1, 1, gates * H), rng.uniform(-1, 1, (T, D)), H)

    lstm = gated_weights("lstm_step", 4)
    gru = gated_weights("gru_step", 3)

    def lstm_step():
        W_x, W_h, bias, xs, H = lstm
        h, c = np.zeros(H), np.zeros(H)
        for t, x in enumerate(xs, start=1):
            trace = lstm_step_trace(W_x, x, W_h, h, c, bias, step=t)
            h, c = trace["h"], trace["c"]
    calls["lstm_step"] = lstm_step

    def gru_step():
        W_x, W_h, bias, xs, H = gru
        h = np.zeros(H)
        for t, x in enumerate(xs, start=1):
            h = gru_step_trace(W_x, x, W_h, h, bias, bias, step=t)["h"]
    calls["gru_step"] = gru_step

    f = _top("forward")
    x_forward = rng.standard_normal((f["seq_len"], 1, f["input_size"]))

    def forward():
        RNN(f["input_size"], f["hidden_size"], dtype=np.float64, seed=0).forward(x_forward)
    calls["forward"] = forward

    bi = _top("bidirectional")
    x_bidirectional = rng.standard_normal((bi["seq_len"], 1, bi["input_size"]))

    def bidirectional():
        RNN(bi["input_size"], bi["hidden_size"], num_layers=bi["num_layers"],
            bidirectional=bi["directions"] == 2, dtype=np.float64, seed=0).forward(x_bidirectional)
    calls["bidirectional"] = bidirectional

    ff = _top("feedforward_vs_recurrent")
    fD, fH, fT = ff["input_size"], ff["hidden_size"], ff["seq_len"]
    x_ff = np.zeros((fT, fT, fD))              # one sequence per pattern position, as a batch
    x_ff[np.arange(fT), np.arange(fT)] = rng.uniform(-1, 1, fD)
    W_1, b_1 = rng.uniform(-1, 1, (fH, fT * fD)), np.zeros(fH)

    def feedforward_vs_recurrent():
        tanh(linear_forward(x_ff.transpose(1, 0, 2).reshape(fT, fT * fD), W_1, b_1)[0])
        RNN(fD, fH, dtype=np.float64, seed=0).forward(x_ff)
    calls["feedforward_vs_recurrent"] = feedforward_vs_recurrent

    a = _top("activations")
    grid = np.linspace(-a["x_max"], a["x_max"], a["points"])
    example = rng.standard_normal(a["softmax_size"])
    chain = a["chain_length"]

    def activations():
        for f, df in ((sigmoid, sigmoid_derivative), (tanh, tanh_derivative),
                      (relu, relu_derivative)):
            df(f(grid))
            np.cumprod(np.resize(df(f(grid)), chain))
        softmax(example)
    calls["activations"] = activations

    b = _top("losses")
    scores = rng.standard_normal((b["items"], b["classes"]))
    labels = rng.integers(0, b["classes"], b["items"])

    def losses():
        mse_loss(scores, np.zeros_like(scores))
        cross_entropy(scores, labels)
    calls["losses"] = losses

    b = _top("ctc")
    steps, U, classes = b["n_steps"], b["target_length"], b["classes"]
    target = [1 + k % (classes - 1) for k in range(U)]         # distinct labels: most paths
    log_probs = log_softmax(rng.standard_normal((steps, classes)))
    max_alignments = b["max_alignments"]

    def ctc():
        ctc_loss(log_probs, np.array(target), steps, U, reduction="sum")
        paths = ctc_alignments(target, steps, n_classes=classes, max_alignments=max_alignments)
        np.logaddexp.reduce([log_probs[np.arange(steps), list(p)].sum() for p in paths])
    calls["ctc"] = ctc

    g = _top("gradient_norms")
    x_gradient = rng.standard_normal((g["seq_len"], 1, g["input_size"]))
    for cls in (RNN, LSTM, GRU):
        layer = cls(g["input_size"], g["hidden_size"], dtype=np.float64, seed=0)
        calls[f"gradient_norms {cls.__name__}"] = (
            lambda layer=layer: hidden_gradient_norms(layer, x_gradient))

    c = _top("clipping")
    for task in ("sine", "adding"):
        for cell in CELLS:
            config = {"cell": cell, "hidden_size": c["hidden_size"], "seq_len": c["seq_len"],
                      "batch_size": c["batch_size"], "clip": "norm",
                      "clip_value": DEMOS["clipping"]["clip_value"].default, "lr": c["lr"],
                      "max_steps": c["steps"], "eval_every": c["steps"]}

            def clipping(task=task, config=config):
                Trainer.create(task, config, seed=0).advance(config["max_steps"])
            calls[f"clipping {task} {cell}"] = clipping
    return calls


def time_call(call, seconds: float) -> tuple[float, float, float]:
    """(fastest, median, 95th percentile) of call()'s time in ms, over about `seconds` after a
    warm-up. On a shared machine the fastest call is the best estimate of the call's own cost;
    the median and p95 include what other processes took from it."""
    for _ in range(2):
        call()
    times = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop or len(times) < 5:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[0], statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


# ---- the lab at its bounds ---------------------------------------------------------------------

def lab_step_ms(task: str, cell: str, intervals: int = 2) -> tuple[float, float, float]:
    """(fastest and median ms per step over whole evaluation intervals, timed one interval at a
    time, each including its evaluation; ms of one evaluation) at lab_max_config(task, cell)."""
    config = lab_max_config(task, cell)
    run = Trainer.create(task, config, seed=0)
    every = config["eval_every"]
    run.advance(every)                                  # warm-up: buffers, caches
    per_step = []
    for _ in range(intervals):
        start = time.perf_counter()
        taken = run.advance(every)
        per_step.append((time.perf_counter() - start) * 1e3 / max(taken, 1))
    start = time.perf_counter()
    run.evaluate()
    return min(per_step), statistics.median(per_step), (time.perf_counter() - start) * 1e3


def finished_run(task: str, cell: str = "lstm", seed: int = 0) -> Trainer:
    """A run at lab_max_config(task, cell) as it stands when finished, without training it:
    every history entry (one per step, one per evaluation) and every optimiser moment present,
    filled with seeded noise (which compresses no better than real values). Its to_bytes() is
    the size a finished run at the bounds stores; from_bytes() accepts it."""
    run = Trainer.create(task, lab_max_config(task, cell), seed=seed)
    rng = np.random.default_rng(seed)
    steps = run.config["max_steps"]
    params = run.model.parameters()
    for array in params.values():
        array[...] = rng.standard_normal(array.shape)
    run.optimizer.step(params, {name: rng.standard_normal(a.shape).astype(a.dtype)
                                for name, a in params.items()})
    run.optimizer.step_count = steps
    n_evals = len(_expected_eval_steps(steps, run.config))
    for key in run.history:
        if key in TRAIN_KEYS:
            run.history[key] = np.abs(rng.standard_normal(steps)).tolist()
        elif key == "eval_step":
            run.history[key] = [float(k) for k in _expected_eval_steps(steps, run.config)]
        else:
            run.history[key] = np.abs(rng.standard_normal(n_evals)).tolist()
    run.step, run.status = steps, FINISHED
    return run


def stored_run_bytes(task: str) -> dict[str, int]:
    """cell -> len(finished_run(task, cell).to_bytes())."""
    return {cell: len(finished_run(task, cell).to_bytes()) for cell in CELLS}


# ---- the report --------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="timing per demo call")
    parser.add_argument("--intervals", type=int, default=3,
                        help="evaluation intervals timed per lab task and cell")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the timing")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.worker:
        from .bench import BUSY_SHARE, _busy_fraction
        busy = _busy_fraction()
        env = dict(os.environ)
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.threads)
        print(f"\nproduct bounds, {args.threads} BLAS thread(s); "
              + ("CPU busy share unknown" if busy is None else
                 f"CPUs {busy:.0%} busy in the second before the start"), flush=True)
        if busy is not None and busy > BUSY_SHARE:
            print("warning: the machine was busy; medians and p95 include other processes' "
                  "time (the fastest call is the engine's own cost). Re-run when it is quiet.")
        done = subprocess.run([sys.executable, "-m", "rnncore.bench_bounds", "--worker",
                               "--seconds", str(args.seconds), "--intervals",
                               str(args.intervals)], env=env)
        return done.returncode
    report(args.seconds, args.intervals)
    return 0


def report(seconds: float, intervals: int) -> None:
    """Print the demo calls' and the lab's figures at the bounds."""
    print(f"product bounds (rnncore.product_bounds): demo calls at their max, budget "
          f"{DEMO_CALL_MS:g} ms each")
    print(f"{'demo call':<28}{'fastest':>9}{'median ms':>10}{'p95 ms':>9}{'p95/budget':>12}")
    for name, call in demo_calls().items():
        fastest, median, p95 = time_call(call, seconds)
        verdict = "met" if p95 <= DEMO_CALL_MS else "MISSED"
        print(f"{name:<28}{fastest:>9.2f}{median:>10.2f}{p95:>9.2f}{p95 / DEMO_CALL_MS:>12.2f}"
              f"  {verdict}", flush=True)

    print(f"\nlab at each task's max (lab_max_config, Adam): one step (its share of evaluation "
          f"included), budget {LAB_STEP_MS:g} ms; a finished run's to_bytes(), budget "
          f"{LAB_RUN_BYTES:,} bytes")
    print(f"{'task':<16}{'bounds':<26}{'cell':<6}{'fastest':>8}{'step ms':>8}{'/budget':>8}"
          f"{'eval ms':>9}{'run bytes':>11}{'/budget':>8}")
    for task, bounds in LAB.items():
        sizes = stored_run_bytes(task)
        shown = " ".join(f"{k[:1] if k != 'max_steps' else 'S'}{v.max}" for k, v in bounds.items()
                         if k in ("hidden_size", "num_layers", "batch_size", "seq_len", "delay",
                                  "max_steps"))
        for cell in CELLS:
            fastest, step, evaluation = lab_step_ms(task, cell, intervals)
            ok = step <= LAB_STEP_MS and sizes[cell] <= LAB_RUN_BYTES
            print(f"{task:<16}{shown:<26}{cell:<6}{fastest:>8.1f}{step:>8.1f}"
                  f"{step / LAB_STEP_MS:>8.2f}"
                  f"{evaluation:>9.1f}{sizes[cell]:>11,}{sizes[cell] / LAB_RUN_BYTES:>8.2f}  "
                  f"{'met' if ok else 'MISSED'}", flush=True)
    print("(bounds: h hidden size, n layers, b batch, s sequence length, d delay, S max steps)")


if __name__ == "__main__":
    raise SystemExit(main())
