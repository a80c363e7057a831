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


# ---------------------------------------------------------------- from_bytes never crashes
from rnncore import limits, serialization  # noqa: E402
from rnncore import trainer as trainer_module  # noqa: E402


def _entries(blob):
    """{name: array} of a saved run, read with numpy's own reader (independent of the trainer)."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _rebuild(arrays, meta=None):
    arrays = dict(arrays)
    if meta is not None:
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return serialization.write_npz(arrays)


def _meta(arrays):
    return json.loads(arrays["meta"].tobytes())


@pytest.fixture(scope="module")
def saved():
    run = Trainer.create("adding", SMALL["adding"], seed=3)
    run.advance(12)
    return run.to_bytes()


def test_fuzzed_blobs_give_value_error_or_a_valid_run(saved):
    g = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(300):
        blob = bytearray(saved)
        kind = trial % 3
        if kind == 0:
            for _ in range(int(g.integers(1, 4))):
                blob[int(g.integers(len(blob)))] ^= 1 << int(g.integers(8))
        elif kind == 1:
            blob = blob[:int(g.integers(len(blob)))]
        else:
            start = int(g.integers(len(blob)))
            blob[start:start + 8] = g.integers(0, 256, size=8, dtype=np.uint8).tobytes()
        try:
            run = Trainer.from_bytes(bytes(blob))
        except ValueError:
            outcomes["refused"] += 1
        else:
            outcomes["loaded"] += 1
            assert run.step == 12 and run.advance(1) == 1
    assert outcomes["refused"] > 200


def test_zip_bomb_and_huge_header_are_refused_before_reading(saved, monkeypatch):
    # a zip entry that inflates to 300 MiB of zeros (~300 kB compressed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("meta.npy", "w") as entry:
            chunk = bytes(1 << 20)
            for _ in range(300):
                entry.write(chunk)
    with pytest.raises(ValueError, match="bytes uncompressed"):
        Trainer.from_bytes(buffer.getvalue())
    # a .npy header announcing a 745 GiB array, in a tiny entry
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (100_000, 1_000_000)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("meta.npy", header.getvalue())
    with pytest.raises(ValueError, match="needs 800000000000 bytes"):
        Trainer.from_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="at most"):
        Trainer.from_bytes(bytes(limits.MAX_RUN_BYTES + 1))
    with pytest.raises(ValueError, match="must be bytes"):
        Trainer.from_bytes("a string")


def test_object_arrays_and_pickles_are_refused(saved):
    arrays = _entries(saved)
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as archive:
        for name, value in arrays.items():
            one = io.BytesIO()
            np.save(one, value)
            archive.writestr(f"{name}.npy", one.getvalue())
        archive.writestr("extra.npy", buffer.getvalue())
    with pytest.raises(ValueError, match="not a plain number type"):
        Trainer.from_bytes(blob.getvalue())


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.pop("rng"), "meta must have keys"),
    (lambda m: m.update(extra=1), "meta must have keys"),
    (lambda m: m.update(version=2), "format version 1"),
    (lambda m: m.update(format="zip"), "not a saved rnncore run"),
    (lambda m: m.update(step=-1), "step must be in"),
    (lambda m: m.update(step=10**12), "step must be in"),
    (lambda m: m.update(step="12"), "step must be an integer"),
    (lambda m: m.update(step=13), "saved arrays must be exactly|history"),
    (lambda m: m.update(status="paused"), "status must be one of"),
    (lambda m: m.update(status="finished"), "does not fit step"),
    (lambda m: m.update(message="x" * 5000), "message must be a short text"),
    (lambda m: m["optimizer"].update(step=-1), "optimizer step must equal"),
    (lambda m: m["optimizer"].update(step=11), "optimizer step must equal"),
    (lambda m: m["optimizer"].update(name="adam"), "saved optimizer does not match"),
    (lambda m: m["optimizer"]["hyperparameters"].update(lr=0.5), "does not match"),
    (lambda m: m["rng"]["state"].update(state="x"), "rng is not a valid generator state"),
    (lambda m: m.update(rng={"bit_generator": "MT19937"}), "rng must be a saved PCG64"),
    (lambda m: m.update(config=[1, 2]), "meta 'config' must be a dict"),
    (lambda m: m["config"].update(hidden_size=9), "param/.* must have shape"),
    (lambda m: m["config"].pop("lr"), "not a complete, validated configuration"),
    (lambda m: m.update(task="chess"), "task must be one of"),
    (lambda m: m.update(history_keys=["loss"]), "history_keys must be"),
    (lambda m: m.update(seed=-5), "seed must be in"),
])
def test_bad_meta_is_a_value_error(saved, edit, message):
    arrays = _entries(saved)
    meta = _meta(arrays)
    edit(meta)
    with pytest.raises(ValueError, match=message):
        Trainer.from_bytes(_rebuild(arrays, meta))


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.pop("param/head.bias"), "missing"),
    (lambda a: a.update({"param/head.extra": np.zeros(1, np.float32)}), "unexpected"),
    (lambda a: a.pop("optim/velocity/head.bias"), "missing"),
    (lambda a: a.update({"optim/mystery/head.bias": np.zeros(1, np.float32)}), "unexpected"),
    (lambda a: a.update({"param/head.bias": np.zeros(2, np.float32)}), "must have shape"),
    (lambda a: a.update({"param/head.bias": np.zeros(1, np.float64)}), "dtype float32"),
    (lambda a: a.update({"param/head.bias": np.array([np.nan], np.float32)}), "must be finite"),
    (lambda a: a.update({"optim/velocity/head.bias": np.array([np.inf], np.float32)}),
     "must be finite"),
    (lambda a: a.update({"history/loss": np.zeros(3)}), r"history/loss must have shape \(12,\)"),
    (lambda a: a.update({"history/loss": np.full(12, np.nan)}), "must be finite"),
    (lambda a: a.update({"history/eval_step": np.array([0.0, 5.0])}), "eval_step must be"),
    (lambda a: a.update({"history/grad_norm": -np.ones(12)}), "must be >= 0"),
    (lambda a: a.update({"meta": np.zeros(3, np.float64)}), "meta must be a 1-D uint8"),
    (lambda a: a.update({"meta": np.frombuffer(b"\xff\xfe", np.uint8)}), "bad meta"),
    (lambda a: a.update({"meta": np.frombuffer(b"[1, 2]", np.uint8)}), "not a saved"),
])
def test_bad_arrays_are_a_value_error(saved, edit, message):
    arrays = _entries(saved)
    edit(arrays)
    with pytest.raises(ValueError, match=message):
        Trainer.from_bytes(_rebuild(arrays))


def test_diverged_runs_round_trip_including_a_divergence_at_evaluation(saved):
    run = Trainer.create("adding", SMALL["adding"], seed=3)
    run.advance(10)                                  # eval_every 10: evaluated at step 10
    run._diverge("eval_loss became nan at step 10")   # as _evaluate_and_record would
    run.history["eval_step"].pop()
    for key in run.task.metric_names:
        run.history[key].pop()
    again = Trainer.from_bytes(run.to_bytes())
    assert again.status == DIVERGED and again.history == run.history


def test_every_task_reports_its_metric_names():
    for name in sorted(TASKS):
        run = Trainer.create(name, {"max_steps": 1}, seed=0)
        assert tuple(run.evaluate()) == run.task.metric_names


@pytest.mark.parametrize("task, config, expected", [
    # momentum at the largest learning rate: the loss jumps past 1e6 while still finite
    ("adding", {"optimizer": "momentum", "lr": 10.0, "clip": "none"}, "exploded"),
    # cross-entropy never overflows: it thrashes far above its starting loss and used to finish
    ("copy", {"optimizer": "adam", "lr": 10.0, "clip": "none", "delay": 3}, "thrashed"),
    ("sentiment", {"optimizer": "sgd", "lr": 10.0, "clip": "none"}, "thrashed"),
])
def test_loss_explosion_and_thrashing_count_as_divergence(task, config, expected):
    run = Trainer.create(task, {**config, "max_steps": 100, "eval_every": 50}, seed=0)
    taken = run.advance(100)
    assert run.status == DIVERGED and taken < 100, run.history["loss"][-3:]
    assert expected in run.message and "learning rate" in run.message
    limit = run.loss_explosion_limit()
    assert limit == max(1e3 * run.history["eval_loss"][0], 1e6)
    assert all(v <= limit for v in run.history["loss"])
    recent = run.history["loss"][-(trainer_module.THRASH_WINDOW - 1):]
    assert len(recent) < trainer_module.THRASH_WINDOW
    restored = Trainer.from_bytes(run.to_bytes())
    assert restored.status == DIVERGED and restored.message == run.message


def test_default_configurations_do_not_count_as_diverged():
    for name in ("sine", "copy", "sentiment"):
        run = Trainer.create(name, {"max_steps": 60}, seed=1)
        run.advance(60)
        assert run.status == FINISHED, (name, run.message)
