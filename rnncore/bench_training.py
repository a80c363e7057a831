"""Training benchmark and the course's claims, trained and compared.

    python -m rnncore.bench_training [--seconds 1.0]     training steps per second, per task
    python -m rnncore.bench_training --claims [--quick]  LSTM/GRU vs RNN at long range, etc.

Steps per second: each task's default configuration (one step = sample a batch, forward, loss,
BPTT, clip, optimiser update), timed after a short warm-up, plus the time the whole default run
takes. Speed is measured here, never asserted in tests.

Claims (each trained from the same seed with the same step budget, judged on the held-out
evaluation batch):
  * adding problem at T = 50: LSTM and GRU get far below the constant guess (MSE 1/6); a
    vanilla RNN stays near it.
  * copy task with a delay of 30: gated cells recall the symbols; a vanilla RNN guesses.
  * future context: a bidirectional GRU learns to name the symbol ahead; a one-directional one
    stays at chance.
  * gradient flow: ||dL/dh_1|| / ||dL/dh_T|| for a loss at the last step, before and after
    training on the adding problem. At PyTorch's initialisation every cell's gradient vanishes
    (the LSTM's forget gates start near 0.5); training opens the LSTM's and GRU's gates.
  * the LSTM on the copy task is shown with PyTorch's initialisation and with the forget gate's
    bias raised by 3 (Gers et al., 2000), which it needs to start remembering 30 steps.
Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in the command that runs this, as for
``python -m rnncore.bench``.
"""

from __future__ import annotations

import argparse
import time


from .analysis import hidden_gradient_norms
from .tasks import TASKS
from .trainer import Trainer

BENCH_SEED = 0


def steps_per_second(task_name: str, seconds: float) -> tuple[float, int]:
    """Training steps per second of a task's default configuration (run far from its end)."""
    run = Trainer.create(task_name, {"max_steps": 100_000}, seed=BENCH_SEED)
    run.advance(5)                                            # warm-up
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds or steps < 10:
        steps += run.advance(5)
    return steps / (time.perf_counter() - start), run.task.default_config()["max_steps"]


def bench(seconds: float) -> None:
    print(f"{'task':<16}{'cell':<6}{'steps/s':>9}{'default run':>20}")
    for name, task in TASKS.items():
        rate, default_steps = steps_per_second(name, seconds)
        cell = task.default_config()["cell"]
        print(f"{name:<16}{cell:<6}{rate:>9.0f}{default_steps:>10} steps ~{default_steps / rate:5.1f} s",
              flush=True)


def train(task: str, config: dict, seed: int = BENCH_SEED) -> Trainer:
    run = Trainer.create(task, config, seed=seed)
    run.advance(run.config["max_steps"])
    return run


def compare(title: str, task: str, base: dict, variants: dict[str, dict]) -> dict[str, Trainer]:
    """Train each variant of base; print the headline metric before and after, and time."""
    print(f"\n{title}")
    runs = {}
    for label, change in variants.items():
        start = time.perf_counter()
        run = train(task, {**base, **change})
        metric = run.task.metric
        runs[label] = run
        baseline = ", ".join(f"{k} {v:.3f}" for k, v in run.baseline().items())
        print(f"  {label:<22}{metric} {run.history[metric][0]:.3f} -> {run.history[metric][-1]:.3f}"
              f"  ({run.step} steps, {time.perf_counter() - start:.1f} s; {run.status}; {baseline})",
              flush=True)
    return runs


def final(run: Trainer) -> float:
    return run.history[run.task.metric][-1]


def claims(quick: bool) -> bool:
    scale = 0.5 if quick else 1.0
    verdicts = []

    adding = compare("Adding problem, T = 50 (constant guess: MSE 1/6 = 0.167)", "adding",
                     {"seq_len": 50, "max_steps": int(1200 * scale), "eval_every": 100},
                     {"rnn": {"cell": "rnn"}, "lstm": {"cell": "lstm"}, "gru": {"cell": "gru"}})
    verdicts.append(("LSTM beats RNN on the adding problem",
                     final(adding["lstm"]) < 0.5 * final(adding["rnn"]) and final(adding["lstm"]) < 0.05))
    verdicts.append(("GRU beats RNN on the adding problem",
                     final(adding["gru"]) < 0.5 * final(adding["rnn"]) and final(adding["gru"]) < 0.05))

    copy = compare("Copy task, 3 symbols over a delay of 30 (guess: accuracy 0.25)", "copy",
                   {"delay": 30, "max_steps": int(1500 * scale), "eval_every": 100},
                   {"rnn": {"cell": "rnn"}, "lstm": {"cell": "lstm"},
                    "lstm, forget bias 3": {"cell": "lstm", "forget_bias": 3.0},
                    "gru": {"cell": "gru"}})
    verdicts.append(("LSTM (forget bias 3) beats RNN on the copy task",
                     final(copy["lstm, forget bias 3"]) > final(copy["rnn"]) + 0.2))
    verdicts.append(("GRU beats RNN on the copy task", final(copy["gru"]) > final(copy["rnn"]) + 0.2))

    future = compare("Future context: name the symbol 2 steps ahead (guess: accuracy 0.25)",
                     "future_context", {"max_steps": 200, "eval_every": 50},
                     {"bidirectional GRU": {"bidirectional": True},
                      "one-directional GRU": {"bidirectional": False}})
    verdicts.append(("bidirectional beats one-directional on future context",
                     final(future["bidirectional GRU"]) > 0.9 and final(future["one-directional GRU"]) < 0.4))

    print("\nGradient flow, ||dL/dh_1|| / ||dL/dh_50|| for a loss at the last step (adding, T = 50)")
    ratios = {}
    for cell in ("rnn", "lstm", "gru"):
        x = adding[cell].eval_data.inputs[:, :32]
        untrained = Trainer.create("adding", {"seq_len": 50, "cell": cell}, seed=BENCH_SEED)
        before = hidden_gradient_norms(untrained.model.rnn, x)
        after = hidden_gradient_norms(adding[cell].model.rnn, x)
        ratios[cell] = after[0] / after[-1]
        print(f"  {cell:<5}at initialisation {before[0] / before[-1]:.1e}   trained {ratios[cell]:.1e}")
    verdicts.append(("trained, the LSTM's gradient reaches 50 steps back far better than the RNN's",
                     ratios["lstm"] > 100 * ratios["rnn"]))

    print("\nClaims")
    for claim, holds in verdicts:
        print(f"  [{'yes' if holds else 'NO '}] {claim}")
    return all(holds for _, holds in verdicts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="timing per task")
    parser.add_argument("--claims", action="store_true", help="train and compare the claims")
    parser.add_argument("--quick", action="store_true", help="half the claims' step budgets")
    args = parser.parse_args(argv)
    if args.claims:
        return 0 if claims(args.quick) else 1
    bench(args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
