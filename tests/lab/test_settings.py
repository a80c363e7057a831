"""The lab's form: the ready default, shareable links, bounds (out of range is a 400 with a
message), the stored-size bound, and the language model's text."""

import pytest

from rnncore.tasks import TASKS
from rnncore.trainer import Trainer
from studyapp.lab import bounds, training
from studyapp.lab.models import Run
from studyapp.lab.texts import plain_text

from .conftest import SMALL, start

pytestmark = pytest.mark.django_db


def test_lab_opens_with_a_ready_lstm_on_the_adding_problem(client):
    response = client.get("/lab/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.task_name == "adding" and form.initial["cell"] == "lstm"
    body = response.content.decode()
    assert '<option value="adding" selected>' in body
    assert "Start training" in body and "No runs yet" in body
    assert 'aria-current="page">Lab</a>' in body
    # the learning rate has its log-scale slider (min 1e-5, max 10)
    assert 'class="lab-log-slider" min="-5" max="1"' in body


@pytest.mark.parametrize("task", bounds.TASK_ORDER)
def test_every_task_offers_its_bounds_within_rnncores(client, task):
    response = client.get(f"/lab/?task={task}")
    assert response.status_code == 200
    form = response.context["form"]
    described = TASKS[task].config_bounds()
    for name, entry in bounds.task_bounds(task).items():
        assert name in form.fields
        if entry["kind"] in ("int", "float"):
            assert described[name]["min"] <= entry["min"] <= entry["max"] <= described[name]["max"]
            assert form.fields[name].min_value == entry["min"]
            assert form.fields[name].max_value == entry["max"]
    assert ("bidirectional" in form.fields) == ("bidirectional" in described)


def test_a_link_fills_the_same_settings(client):
    response = client.get("/lab/?task=copy&cell=lstm&delay=20&forget_bias=3&seed=5")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.is_valid()
    settings = form.settings
    assert settings["task"] == "copy" and settings["cell"] == "lstm"
    assert settings["delay"] == 20 and settings["forget_bias"] == 3.0 and settings["seed"] == 5
    assert settings["hidden_size"] == TASKS["copy"].default_config()["hidden_size"]
    # the form's own GET button makes a link that round-trips
    again = client.get("/lab/?" + form.query()).context["form"]
    assert again.is_valid() and again.settings == settings
    # Start with those settings stores exactly them
    created = client.post("/lab/runs/", {**settings, "bidirectional": "no"})
    assert created.status_code == 302
    assert Run.objects.get().settings == settings


@pytest.mark.parametrize("query, field, message", [
    ("hidden_size=999", "hidden_size", "less than or equal to 64"),
    ("eval_every=5", "eval_every",
     f"greater than or equal to {bounds.task_bounds('adding')['eval_every']['min']}"),
    ("hidden_size=0", "hidden_size", "greater than or equal to 1"),
    ("num_layers=3", "num_layers", "less than or equal to 2"),
    ("lr=100", "lr", "less than or equal to 10.0"),
    ("lr=0", "lr", "greater than or equal to 1e-05"),
    ("seq_len=x", "seq_len", "Enter a whole number"),
    ("cell=transformer", "cell", "Select a valid choice"),
    ("seed=-1", "seed", "greater than or equal to 0"),
    ("max_steps=100000", "max_steps", "less than or equal to 2000"),
])
def test_out_of_range_is_a_400_with_the_message(client, htmx, query, field, message):
    response = client.get(f"/lab/?task=adding&{query}")
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    posted = client.post("/lab/runs/", {**SMALL, **dict([query.split("=")])}, **htmx)
    assert posted.status_code == 400 and message in posted.content.decode()
    assert posted.content.decode().lstrip().startswith('<form id="lab-form"')   # the partial
    assert not Run.objects.exists()


def test_an_unknown_task_is_a_400(client):
    response = client.get("/lab/?task=chess")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_cross_field_rules_of_rnncore_become_field_errors(client):
    response = client.post("/lab/runs/", {**SMALL, "task": "future_context", "seq_len": 5,
                                          "shift": 8, "bidirectional": "yes",
                                          "n_symbols": 4})
    assert response.status_code == 400
    assert response.context["form"].errors["shift"] == ["Shift must be smaller than seq_len."]


def test_a_network_too_big_to_store_is_refused():
    """The lab's bounds keep every run under LAB_RUN_BYTES (rnncore's check_lab_config refuses
    what is past them); the stored-size check is the safety net behind them."""
    settings = {"task": "future_context", "cell": "lstm", "hidden_size": 64, "num_layers": 2,
                "bidirectional": True, "seq_len": 10, "shift": 2, "n_symbols": 16,
                "max_steps": 2000, "seed": 0, "optimizer": "adam"}
    with pytest.raises(ValueError, match=r"hidden_size must be in \[1, 32\]"):
        training.check_settings(settings)
    _, config, seed = training.trainer_config(settings)
    big = Trainer.create("future_context", config, seed)
    with pytest.raises(ValueError, match="MB, over the lab's 1 MB per run"):
        training.check_size(big)


def test_the_stored_size_estimate_matches_a_finished_run():
    config = {"hidden_size": 16, "seq_len": 8, "max_steps": 60, "batch_size": 4}
    fresh = Trainer.create("adding", config, seed=1)
    estimate = training.stored_size(fresh)
    fresh.advance(60)
    actual = len(fresh.to_bytes())
    assert abs(estimate - actual) / actual < 0.05
    assert actual < estimate + 2_000      # an estimate that errs on the large side or close


def test_the_stored_size_bound_holds_at_the_lab_caps_it_accepts():
    """The largest networks the form accepts of each task fit in LAB_RUN_BYTES at max_steps."""
    for task in bounds.TASK_ORDER:
        described = bounds.task_bounds(task)
        settings = {"task": task, "seed": 0, "topic": "rnn-paragraph",
                    **{name: entry["default"] for name, entry in described.items()}}
        settings.update(hidden_size=described["hidden_size"]["max"],
                        num_layers=described["num_layers"]["max"],
                        eval_every=described["eval_every"]["min"],
                        max_steps=described["max_steps"]["max"], cell="lstm", optimizer="adam")
        if "bidirectional" in settings:
            settings["bidirectional"] = True
        training.check_settings(settings)       # raises if too big
        _, config, seed = training.trainer_config(settings)
        run = Trainer.create(task, config, seed)
        assert training.stored_size(run) <= bounds.LAB_RUN_BYTES


def test_plain_text_of_a_note():
    body = ("## The gates\n\nThe **forget gate** $f_t = \\sigma(W_f x_t)$ keeps *memory*; see "
            "[the notes](https://example.com).\n\n$$h_t = \\tanh(c_t)$$\n\n- one — two\n")
    text = plain_text(body)
    assert text == ("The gates\n\nThe forget gate f_t = sigma(W_f x_t) keeps memory; see the "
                    "notes.\n\none - two")
    assert all(ch == "\n" or " " <= ch <= "~" for ch in text)


def test_the_real_courses_topics_make_valid_texts(settings):
    from studyapp.course.loading import load_course
    from studyapp.lab.texts import topic_choices, topic_text

    load_course(settings.COURSE_DIR)
    choices = topic_choices()
    assert len(choices) >= 10
    for slug, _title in choices:
        text = topic_text(slug)
        TASKS["char_lm"].validate({"text": text})          # rnncore accepts it
        assert "$" not in text and "\\" not in text


def test_start_of_the_language_model_without_a_course_uses_rnncores_paragraph(client):
    response = start(client, task="char_lm", cell="rnn", optimizer="adagrad", lr=0.1,
                     clip="value", seq_len=10, topic="rnn-paragraph", max_steps=10)
    assert response.status_code == 302
    trainer = Trainer.from_bytes(bytes(Run.objects.get().state))
    assert trainer.config["text"] == TASKS["char_lm"].default_config()["text"]
