"""The product bounds: plain data inside rnncore's safety limits, and what a run at the lab's
bounds stores (sizes are deterministic; times are measured by make bench, never asserted)."""

import numpy as np
import pytest

from rnncore import limits, training_limits
from rnncore.bench_bounds import demo_calls, finished_run
from rnncore.losses import ctc_alignments
from rnncore.product_bounds import (DEMOS, LAB, LAB_DTYPES, LAB_RUN_BYTES, Bound,
                                    check_lab_config, lab_config_bounds, lab_default_config,
                                    lab_max_config)
from rnncore.tasks import TASKS, get_task
from rnncore.trainer import FINISHED, Trainer

ALL_BOUNDS = [(f"{group}.{name}", bound) for table in (DEMOS, LAB)
              for group, bounds in table.items() for name, bound in bounds.items()]


@pytest.mark.parametrize("name, bound", ALL_BOUNDS, ids=[n for n, _ in ALL_BOUNDS])
def test_every_bound_is_plain_and_its_default_inside(name, bound):
    assert isinstance(bound, Bound) and bound.help
    assert bound.min <= bound.default <= bound.max
    assert bound.check(name, bound.default) == bound.default
    described = bound.describe()
    assert described == {"kind": bound.kind, "min": bound.min, "max": bound.max,
                         "default": bound.default, "help": bound.help}
    with pytest.raises(ValueError, match=rf"{name} must be in"):
        bound.check(name, bound.max + (1 if bound.kind == "int" else 1e-6 * abs(bound.max) + 1e-9))
    if bound.kind == "int":
        with pytest.raises(ValueError, match="must be an integer"):
            bound.check(name, float(bound.default))


# ---- demos: inside the safety limits of the calls they bound ------------------------------------

def test_demo_sizes_lie_within_the_engine_limits():
    for group in DEMOS.values():
        for name, bound in group.items():
            assert bound.min >= 0 or name in ("entry",), name
            if name == "input_size":
                assert bound.max <= limits.MAX_INPUT_SIZE
            if name == "hidden_size":
                assert bound.max <= min(limits.MAX_HIDDEN_SIZE, training_limits.HIDDEN_SIZE[1])
            if name in ("seq_len", "steps", "n_steps", "chain_length"):
                assert bound.max <= limits.MAX_SEQ_LEN
            if name in ("output_size", "classes"):
                assert bound.max <= limits.MAX_OUTPUT_SIZE
            if name == "num_layers":
                assert bound.max <= limits.MAX_LAYERS
            if name == "seed":
                assert (bound.min, bound.max) == (0, limits.MAX_SEED)
    clipping = DEMOS["clipping"]
    assert training_limits.BATCH_SIZE[0] <= clipping["batch_size"].min
    assert clipping["batch_size"].max <= training_limits.BATCH_SIZE[1]
    assert training_limits.LEARNING_RATE[0] <= clipping["lr"].min
    assert clipping["lr"].max <= training_limits.LEARNING_RATE[1]
    assert training_limits.CLIP_NORM[0] <= clipping["clip_value"].min
    assert clipping["clip_value"].max <= training_limits.CLIP_NORM[1]
    assert clipping["steps"].max <= training_limits.ADVANCE_STEPS[1]
    for task in ("sine", "adding"):       # the tasks the clipping demo trains
        params = get_task(task).params
        assert params["seq_len"].low <= clipping["seq_len"].min
        assert clipping["seq_len"].max <= params["seq_len"].high
    ctc = DEMOS["ctc"]
    assert ctc["n_steps"].max <= limits.MAX_ALIGNMENT_STEPS
    assert ctc["max_alignments"].max <= limits.MAX_ALIGNMENTS


def test_the_ctc_listing_at_the_bounds_fits_its_bound():
    """The most alignments the demo's bounds allow (distinct labels, the most steps) is a list
    ctc_alignments builds within max_alignments, so the page never meets the error."""
    bounds = DEMOS["ctc"]
    steps, classes = bounds["n_steps"].max, bounds["classes"].max
    for length in range(bounds["target_length"].max + 1):
        if length > steps:
            continue
        target = [1 + k % (classes - 1) for k in range(length)]
        paths = ctc_alignments(target, steps, n_classes=classes,
                               max_alignments=bounds["max_alignments"].max)
        assert 1 <= len(paths) <= bounds["max_alignments"].max
    assert len(ctc_alignments([1, 2, 3], 8)) == 462


def test_every_demo_call_runs_at_its_bounds():
    """The calls make bench times, once each (no timing): the engine accepts every max."""
    calls = demo_calls()
    assert {name.split()[0] for name in calls} == set(DEMOS)
    for call in calls.values():
        call()


# ---- the lab ----------------------------------------------------------------------------------

def test_lab_covers_every_task_within_its_own_ranges():
    assert set(LAB) == set(TASKS)
    for task_name, bounds in LAB.items():
        params = get_task(task_name).params
        for name, bound in bounds.items():
            assert name in params, (task_name, name)
            assert params[name].kind == bound.kind == "int"
            assert params[name].low <= bound.min and bound.max <= params[name].high, name
        for name in ("hidden_size", "num_layers", "batch_size", "max_steps", "eval_every"):
            assert name in bounds, (task_name, name)
    assert LAB_DTYPES == ("float32",)


@pytest.mark.parametrize("task_name", sorted(LAB))
def test_lab_configs_validate_and_out_of_bounds_is_a_value_error(task_name):
    default = check_lab_config(task_name, {})
    assert default == lab_default_config(task_name)
    biggest = lab_max_config(task_name)
    assert all(biggest[name] == bound.max for name, bound in LAB[task_name].items()
               if name != "eval_every")
    assert biggest["eval_every"] == LAB[task_name]["eval_every"].min
    hidden = LAB[task_name]["hidden_size"]
    with pytest.raises(ValueError, match=rf"hidden_size must be in \[1, {hidden.max}\]"):
        check_lab_config(task_name, {"hidden_size": hidden.max + 1})
    with pytest.raises(ValueError, match="dtype must be one of 'float32'"):
        check_lab_config(task_name, {"dtype": "float64"})
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        check_lab_config(task_name, {"hidden": 8})
    described = lab_config_bounds(task_name)
    assert set(described) == set(get_task(task_name).config_bounds())
    assert described["hidden_size"]["max"] == hidden.max
    assert described["dtype"]["choices"] == ["float32"]


def test_char_lm_worst_case_uses_the_widest_vocabulary_and_longest_text():
    config = lab_max_config("char_lm")
    assert len(set(config["text"])) == limits.MAX_VOCABULARY
    assert len(config["text"]) == get_task("char_lm").params["text"].high


@pytest.mark.parametrize("task_name", sorted(LAB))
def test_a_finished_run_at_the_lab_bounds_stores_under_1_mb(task_name):
    """An LSTM (four gate blocks: the most parameters per unit) with Adam (two moments each) at
    every bounded size's max, with its whole history: the deterministic size of to_bytes()."""
    run = finished_run(task_name, "lstm")
    blob = run.to_bytes()
    assert len(blob) < LAB_RUN_BYTES, len(blob)
    assert blob == finished_run(task_name, "lstm").to_bytes()        # deterministic
    again = Trainer.from_bytes(blob)                                  # and a valid run
    assert again.status == FINISHED and again.step == run.config["max_steps"]
    assert len(again.history["loss"]) == run.config["max_steps"]


def test_the_lstm_is_the_largest_cell_to_store():
    sizes = {cell: len(finished_run("copy", cell).to_bytes()) for cell in ("rnn", "lstm", "gru")}
    assert sizes["lstm"] == max(sizes.values())
    params = {cell: sum(a.size for a in finished_run("copy", cell).model.parameters().values())
              for cell in ("rnn", "lstm", "gru")}
    assert params["lstm"] > params["gru"] > params["rnn"] and np.all(list(sizes.values()))
