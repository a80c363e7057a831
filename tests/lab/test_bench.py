"""The lab's benchmark runs (its figures are for `make bench`, not asserted here)."""

from studyapp.lab import bench, bounds


def test_largest_settings_fit_the_stored_size_bound(db):
    from studyapp.lab import training

    for task in bounds.TASK_ORDER:
        for cell in ("rnn", "lstm", "gru"):
            settings = bench._largest_settings(task, cell)
            training.check_settings(settings)
            described = bounds.task_bounds(task)
            assert settings["num_layers"] == described["num_layers"]["max"]
            assert settings["hidden_size"] == described["hidden_size"]["max"]


def test_chunk_timing_reports_what_it_measured(db):
    settings = bench._largest_settings("sentiment", "rnn")
    timing = bench._time_chunks(settings, repeats=1)
    assert timing["steps"] >= 1 and timing["size"] < bounds.LAB_RUN_BYTES
