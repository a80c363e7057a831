"""The plateau rule (rnncore.plateau) and the trainer's hook."""

import pytest

from rnncore.plateau import MIN_IMPROVEMENT, PATIENCE, detect_plateau
from rnncore.trainer import Trainer


def steps(n, every=25):
    return [float(every * i) for i in range(n)]


def test_defaults():
    assert (PATIENCE, MIN_IMPROVEMENT) == (5, 0.01)


def test_too_few_evaluations_is_no_plateau():
    values = [1.0] * (PATIENCE + 1)
    assert detect_plateau(values[:PATIENCE], steps(PATIENCE)) is None
    assert detect_plateau(values, steps(PATIENCE + 1)) is not None


def test_still_improving_is_no_plateau():
    values = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert detect_plateau(values, steps(7)) is None


def test_no_better_evaluation_over_five_is_a_plateau():
    values = [1.0, 0.5, 0.3, 0.31, 0.30, 0.32, 0.305, 0.33]
    found = detect_plateau(values, steps(8))
    assert found is not None
    # the best before the last five is 0.3 at step 50; five evaluations since did not beat it
    assert found.best == 0.3 and found.best_step == 50.0
    assert found.evaluations == 5 and found.since_step == 75.0
    assert found.as_dict()["metric"] == "eval_loss"


def test_improvement_must_exceed_the_margin():
    # 0.2995 is better than 0.3 by 0.17 %, under the 1 % margin: still a plateau
    values = [1.0, 0.3, 0.31, 0.30, 0.32, 0.305, 0.2995]
    assert detect_plateau(values, steps(7)) is not None
    # ... but with a margin of 0.1 % it counts as progress
    assert detect_plateau(values, steps(7), min_improvement=0.001) is None
    # 0.29 is 3.3 % better: progress
    assert detect_plateau(values[:-1] + [0.29], steps(7)) is None


def test_one_better_evaluation_inside_the_window_resets_it():
    values = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.41, 0.42]
    assert detect_plateau(values, steps(9)) is None      # 0.4 is within the last five
    values += [0.41, 0.40, 0.45]
    found = detect_plateau(values, steps(len(values)))
    assert found is not None and found.best == 0.4 and found.best_step == 150.0


def test_higher_is_better_and_perfect():
    accuracies = [0.25, 0.5, 0.6, 0.6, 0.59, 0.6, 0.58, 0.6]
    found = detect_plateau(accuracies, steps(8), metric="eval_accuracy", higher_is_better=True)
    assert found is not None and found.best == 0.6 and found.metric == "eval_accuracy"
    assert detect_plateau(accuracies[:-1] + [0.7], steps(8), higher_is_better=True) is None
    solved = [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert detect_plateau(solved, steps(7), higher_is_better=True) is not None
    assert detect_plateau(solved, steps(7), higher_is_better=True, perfect=1.0) is None


@pytest.mark.parametrize("kwargs", [{"patience": 0}, {"patience": 2.0},
                                    {"min_improvement": -0.1}, {"min_improvement": 2.0}])
def test_bad_arguments_are_value_errors(kwargs):
    with pytest.raises(ValueError):
        detect_plateau([1.0] * 10, steps(10), **kwargs)


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="same length"):
        detect_plateau([1.0, 2.0], [0.0])


def test_trainer_hook_reads_the_evaluation_loss():
    # a vanilla RNN on the adding problem with a tiny learning rate makes no progress
    run = Trainer.create("adding", {"cell": "rnn", "hidden_size": 4, "seq_len": 8,
                                    "lr": 1e-5, "eval_every": 2, "max_steps": 40}, seed=1)
    assert run.plateau() is None                        # one evaluation only
    run.advance(12)
    found = run.plateau()
    assert found is not None
    history = run.history
    assert found == detect_plateau(history["eval_loss"], history["eval_step"])
    assert found.best == min(history["eval_loss"][:-PATIENCE])
    # a healthy run is still improving at the same point
    healthy = Trainer.create("adding", {"hidden_size": 8, "seq_len": 8, "lr": 0.02,
                                        "eval_every": 2, "max_steps": 40}, seed=1)
    healthy.advance(12)
    assert healthy.plateau() is None
