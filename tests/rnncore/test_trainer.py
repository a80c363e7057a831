"""The trainer: bitwise-identical runs however they are chunked or saved, divergence, bounds."""

import io
import json
import math
import zipfile

import numpy as np
import pytest

from rnncore.tasks import TASKS
from rnncore.trainer import DIVERGED, FINISHED, READY, TRAINING, Trainer

# Small configurations: each exercises a different optimiser / clipping / cell combination.
SMALL = {
    "sine": {"max_steps": 40, "eval_every": 7, "hidden_size": 8},
    "adding": {"max_steps": 40, "eval_every": 10, "seq_len": 10, "hidden_size": 8,
               "optimizer": "momentum", "lr": 0.05, "clip": "value", "clip_value": 1.0},
    "char_lm": {"max_steps": 40, "eval_every": 10, "hidden_size": 16, "seq_len": 10,
                "cell": "gru", "dtype": "float64"},
    "copy": {"max_steps": 40, "eval_every": 10, "hidden_size": 8, "delay": 3, "optimizer": "adagrad",
             "lr": 0.1, "cell": "rnn"},
    "sentiment": {"max_steps": 40, "eval_every": 5, "batch_size": 6, "cell": "lstm"},
    "future_context": {"max_steps": 40, "eval_every": 10, "hidden_size": 8, "optimizer": "sgd",
                       "lr": 0.5, "num_layers": 2},
}


def assert_same_run(a: Trainer, b: Trainer):
    assert a.step == b.step and a.status == b.status
    assert a.history == b.history                         # lists of Python floats, exact
    pa, pb = a.model.state_dict(), b.model.state_dict()
    assert pa.keys() == pb.keys()
    for name in pa:
        assert np.array_equal(pa[name], pb[name]), name
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa["step"] == sb["step"]
    for slot in sa["slots"]:
        for name in sa["slots"][slot]:
            assert np.array_equal(sa["slots"][slot][name], sb["slots"][slot][name]), (slot, name)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.to_bytes() == b.to_bytes()


@pytest.mark.parametrize("task", sorted(SMALL))
def test_chunked_and_resumed_equals_whole_run(task):
    whole = Trainer.create(task, SMALL[task], seed=11)
    assert whole.advance(40) == 40
    assert whole.status == FINISHED

    chunked = Trainer.create(task, SMALL[task], seed=11)
    for chunk in (1, 6, 13, 20):
        chunked = Trainer.from_bytes(chunked.to_bytes())    # a new request each time
        chunked.advance(chunk)
    assert_same_run(whole, chunked)


def test_round_trip_is_exact_and_bytes_are_deterministic():
    run = Trainer.create("adding", SMALL["adding"], seed=3)
    run.advance(15)
    blob = run.to_bytes()
    again = Trainer.from_bytes(blob)
    assert again.to_bytes() == blob
    assert_same_run(run, again)
    assert again.status == TRAINING and again.step == 15
    # both continue identically
    run.advance(10)
    again.advance(10)
    assert_same_run(run, again)


def test_same_seed_same_run_other_seed_other_run():
    a = Trainer.create("sine", SMALL["sine"], seed=5)
    b = Trainer.create("sine", SMALL["sine"], seed=5)
    c = Trainer.create("sine", SMALL["sine"], seed=6)
    for run in (a, b, c):
        run.advance(10)
    assert a.history == b.history
    assert a.history["loss"] != c.history["loss"]


def test_saved_run_is_a_plain_npz_without_pickle():
    blob = Trainer.create("sentiment", seed=0).to_bytes()
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = archive.namelist()
    assert "meta.npy" in names and any(n.startswith("param/") for n in names)
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        meta = json.loads(archive["meta"].tobytes())
        assert all(archive[name].dtype != object for name in archive.files)
    assert meta["task"] == "sentiment" and meta["step"] == 0


def test_create_status_history_and_finish():
    run = Trainer.create("sentiment", {"max_steps": 12, "eval_every": 5}, seed=1)
    assert run.status == READY and run.step == 0
    assert run.history["eval_step"] == [0.0] and len(run.history["eval_accuracy"]) == 1
    assert run.advance(5) == 5 and run.status == TRAINING
    assert run.advance(100) == 7 and run.status == FINISHED      # stops at max_steps
    assert run.advance(5) == 0
    assert run.history["eval_step"] == [0.0, 5.0, 10.0, 12.0]
    assert len(run.history["loss"]) == len(run.history["grad_norm"]) == 12
    assert all(isinstance(v, float) for values in run.history.values() for v in values)
    summary = run.summary()
    json.dumps(summary)
    assert summary["status"] == FINISHED and "majority_accuracy" in summary["baseline"]


def test_divergence_stops_with_clear_status_and_finite_history():
    run = Trainer.create("sine", {"optimizer": "sgd", "lr": 10.0, "clip": "none", "max_steps": 200},
                         seed=0)
    taken = run.advance(200)
    assert run.status == DIVERGED and taken < 200
    assert "diverged" in run.message and "learning rate" in run.message
    assert all(math.isfinite(v) for values in run.history.values() for v in values)
    assert len(run.history["loss"]) == run.step
    assert run.advance(10) == 0
    restored = Trainer.from_bytes(run.to_bytes())              # a diverged run still loads
    assert restored.status == DIVERGED and restored.message == run.message


def test_time_bounded_advance_keeps_the_run_deterministic():
    bounded = Trainer.create("sine", SMALL["sine"], seed=2)
    while bounded.status != FINISHED:
        bounded = Trainer.from_bytes(bounded.to_bytes())
        bounded.advance(40, max_seconds=0.005)           # however many steps fit
    whole = Trainer.create("sine", SMALL["sine"], seed=2)
    whole.advance(40)
    assert_same_run(whole, bounded)


def test_clipping_is_recorded():
    run = Trainer.create("sine", {"clip": "norm", "clip_value": 0.01, "max_steps": 5}, seed=0)
    run.advance(5)
    assert all(after <= 0.01 + 1e-6 for after in run.history["grad_norm_clipped"])
    assert all(before > after for before, after in
               zip(run.history["grad_norm"], run.history["grad_norm_clipped"]))


@pytest.mark.parametrize("config, message", [
    ({"lr": 100.0}, "lr must be in"),
    ({"hidden_size": 0}, "hidden_size must be in"),
    ({"cell": "transformer"}, "cell must be one of"),
    ({"clip": "norm", "clip_value": -1.0}, "clip_value must be in"),
    ({"max_steps": 10**9}, "max_steps must be in"),
    ({"learning_rate": 0.1}, "unknown hyperparameter"),
    ({"seq_len": 2.5}, "seq_len must be an integer"),
    ({"min_period": 30.0, "max_period": 10.0}, "min_period must be <="),
])
def test_config_validated_with_name_and_range(config, message):
    with pytest.raises(ValueError, match=message):
        Trainer.create("sine", config, seed=0)


def test_bad_task_seed_steps_and_bytes():
    with pytest.raises(ValueError, match="task must be one of"):
        Trainer.create("chess")
    with pytest.raises(ValueError, match="seed must be in"):
        Trainer.create("sine", seed=-1)
    run = Trainer.create("sine", {"max_steps": 5})
    with pytest.raises(ValueError, match="n_steps must be in"):
        run.advance(10**6)
    with pytest.raises(ValueError, match="max_seconds must be in"):
        run.advance(1, max_seconds=0.0)
    with pytest.raises(ValueError, match="not a saved rnncore run"):
        Trainer.from_bytes(b"not a zip")


def test_every_task_has_defaults_and_bounds():
    for name, task in TASKS.items():
        config = task.default_config()
        assert task.validate(config) == config
        bounds = task.config_bounds()
        json.dumps(bounds)
        assert set(bounds) == set(config)
        assert bounds["lr"]["min"] <= config["lr"] <= bounds["lr"]["max"]
