"""Runs through the views: chunked polls equal one go bit for bit, pause/step/reset, limits,
ownership, concurrent polls, divergence and plateau messages."""

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rnncore.trainer import Trainer
from studyapp.lab import bounds, training
from studyapp.lab.backup import export_runs
from studyapp.lab.models import Run

from .conftest import SMALL, SMALL_CONFIG, start, started_run

pytestmark = pytest.mark.django_db


def poll(client, run, htmx, since=0, **data):
    return client.post(f"/lab/runs/{run.pk}/poll/", {"since": since, **data}, **htmx)


def poll_until_done(client, run, htmx, limit=200):
    statuses = []
    for _ in range(limit):
        response = poll(client, run, htmx)
        statuses.append(response.status_code)
        if response.status_code == 286:
            break
    run.refresh_from_db()
    return statuses


def one_go(settings=SMALL, config=SMALL_CONFIG, steps=None):
    whole = Trainer.create(settings["task"], config, seed=settings["seed"])
    whole.advance(steps if steps is not None else config["max_steps"])
    return whole


def test_start_creates_a_started_run_and_opens_its_page(client):
    response = start(client)
    assert response.status_code == 302
    run = Run.objects.get()
    assert response["Location"] == f"/lab/runs/{run.pk}/"
    assert run.running and run.step == 0 and run.status == "ready"
    assert run.settings == SMALL
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'hx-trigger="every 1s"' in body and f'hx-post="/lab/runs/{run.pk}/poll/"' in body
    assert "lab-loss-figure" in body and "lab-gradient-figure" in body


def test_polls_in_chunks_equal_one_go_bit_for_bit(client, htmx):
    run = started_run(client)
    statuses = poll_until_done(client, run, htmx)
    # 30 steps at chunk_steps(30) = 3 per poll: 9 polls that keep polling, then a 286
    assert bounds.chunk_steps(30) == 3
    assert statuses == [200] * 9 + [286]
    assert run.status == "finished" and run.step == 30 and not run.running
    assert bytes(run.state) == one_go().to_bytes()


def test_pause_step_and_resume_across_fresh_loads_equal_one_go(client, htmx):
    run = started_run(client)
    assert poll(client, run, htmx).status_code == 200
    paused = client.post(f"/lab/runs/{run.pk}/pause/", {"since": 3}, **htmx)
    assert paused.status_code == 286                    # stops the page's polling
    run.refresh_from_db()
    assert not run.running and run.step == 3
    # a poll of a paused run answers with the stored state and advances nothing
    assert poll(client, run, htmx, since=3).status_code == 286
    run.refresh_from_db()
    assert run.step == 3
    for _ in range(2):
        assert client.post(f"/lab/runs/{run.pk}/step/", **htmx).status_code == 286
    run.refresh_from_db()
    assert run.step == 5 and not run.running
    assert bytes(run.state) == one_go(steps=5).to_bytes()
    resumed = client.post(f"/lab/runs/{run.pk}/start/", {"since": 5}, **htmx)
    assert resumed.status_code == 200 and 'hx-trigger="every 1s"' in resumed.content.decode()
    poll_until_done(client, run, htmx)
    assert run.step == 30 and bytes(run.state) == one_go().to_bytes()


def test_resume_in_a_fresh_process_continues_the_same_run(client, htmx, tmp_path):
    run = started_run(client)
    poll(client, run, htmx)
    client.post(f"/lab/runs/{run.pk}/pause/", **htmx)
    run.refresh_from_db()
    stored = tmp_path / "run.bin"
    stored.write_bytes(bytes(run.state))
    # another interpreter loads the stored bytes and trains on
    script = ("import sys, pathlib; from rnncore.trainer import Trainer; "
              "p = pathlib.Path(sys.argv[1]); run = Trainer.from_bytes(p.read_bytes()); "
              "run.advance(27); p.write_bytes(run.to_bytes())")
    subprocess.run([sys.executable, "-c", script, str(stored)], check=True)
    assert stored.read_bytes() == one_go().to_bytes()


def test_page_without_javascript_controls_redirect_back(client):
    run = started_run(client)
    response = client.post(f"/lab/runs/{run.pk}/pause/")
    assert response.status_code == 302 and response["Location"] == f"/lab/runs/{run.pk}/"
    response = client.post(f"/lab/runs/{run.pk}/step/")
    run.refresh_from_db()
    assert run.step == 1
    body = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert "Paused" in body and "Resume" in body and "every 1s" not in body


def test_reset_returns_to_the_same_fresh_network(client, htmx):
    run = started_run(client)
    poll(client, run, htmx)
    response = client.post(f"/lab/runs/{run.pk}/reset/", **htmx)
    assert response.status_code == 286
    run.refresh_from_db()
    assert run.step == 0 and not run.running and run.status == "ready"
    assert bytes(run.state) == Trainer.create("adding", SMALL_CONFIG, seed=7).to_bytes()
    # the page is told to draw everything again
    assert "&quot;reset&quot;: true" in response.content.decode()


def test_poll_sends_only_new_points(client, htmx):
    import json
    import re

    run = started_run(client)
    first = poll(client, run, htmx, since=0).content.decode()
    second = poll(client, run, htmx, since=3).content.decode()

    def points(body):
        raw = re.search(r'data-points="([^"]*)"', body).group(1)
        return json.loads(raw.replace("&quot;", '"'))

    a, b = points(first), points(second)
    assert a["step"] == 3 and a["extend"]["loss"]["x"] == [1, 2, 3] and not a["reset"]
    assert b["step"] == 6 and b["extend"]["loss"]["x"] == [4, 5, 6]
    whole = one_go(steps=6)
    assert a["extend"]["loss"]["y"] + b["extend"]["loss"]["y"] == whole.history["loss"]
    assert b["extend"]["grad_norm"]["y"] == whole.history["grad_norm"][3:]
    # regression: predictions against targets are replaced each poll
    assert len(b["replace"]["pred_scatter"]["x"]) == 100


def test_a_lost_race_answers_with_the_winners_state(client, htmx, monkeypatch):
    """A poll whose run was advanced meanwhile (another tab) stores nothing and shows the
    stored state: the run advances once per stored version."""
    run = started_run(client)
    original = Trainer.advance
    inner = {}

    def advance_with_a_rival(self, n_steps, max_seconds=None):
        if not inner:
            inner["started"] = True
            inner["state"] = training.poll_run(run=Run.objects.get(pk=run.pk))  # the rival
        return original(self, n_steps, max_seconds)

    monkeypatch.setattr(Trainer, "advance", advance_with_a_rival)
    state = training.poll_run(run=Run.objects.get(pk=run.pk))
    stored = Run.objects.get(pk=run.pk)
    assert stored.step == 3 and stored.version == run.version + 1
    assert state.run.step == 3 and state.run.version == stored.version
    assert bytes(stored.state) == one_go(steps=3).to_bytes()


@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_advance_once(client, htmx, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("two requests at once need a database with concurrent writers "
                    "(PostgreSQL); SQLite serialises them")
    run = started_run(client)
    barrier = threading.Barrier(2, timeout=30)
    original = Trainer.advance

    def advance_together(self, n_steps, max_seconds=None):
        barrier.wait()               # both polls have loaded the same stored state
        return original(self, n_steps, max_seconds)

    monkeypatch.setattr(Trainer, "advance", advance_together)
    results = []

    def one_poll():
        try:
            results.append(training.poll_run(run=Run.objects.get(pk=run.pk)).run.step)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    stored = Run.objects.get(pk=run.pk)
    assert results == [3, 3]
    assert stored.step == 3 and stored.version == run.version + 1
    assert bytes(stored.state) == one_go(steps=3).to_bytes()


def test_at_most_three_runs_train_at_once(client, htmx):
    runs = [started_run(client, seed=s) for s in range(3)]
    refused = start(client, seed=9)
    assert refused.status_code == 409
    assert "already have 3 runs training" in refused.content.decode()
    assert Run.objects.count() == 3
    # a run whose page stopped polling more than 10 s ago no longer counts
    Run.objects.filter(pk=runs[0].pk).update(
        last_polled=timezone.now() - timedelta(seconds=bounds.RUNNING_WINDOW_SECONDS + 1))
    fourth = started_run(client, seed=9)
    # ... and if its tab comes back, it may not resume while three others train
    response = poll(client, runs[0], htmx)
    assert response.status_code == 286 and "Paused. You already have 3" in response.content.decode()
    runs[0].refresh_from_db()
    assert not runs[0].running and runs[0].step == 0
    # Start on it says so too (409 with the live panel)
    response = client.post(f"/lab/runs/{runs[0].pk}/start/", **htmx)
    assert response.status_code == 409 and "already have 3" in response.content.decode()
    # pausing one frees a place
    client.post(f"/lab/runs/{fourth.pk}/pause/", **htmx)
    assert client.post(f"/lab/runs/{runs[0].pk}/start/", **htmx).status_code == 200


def test_a_repeated_start_finds_its_run(client):
    first = start(client, token="abc123")
    again = start(client, token="abc123")
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Run.objects.count() == 1
    conflicting = start(client, token="abc123", seed=8)
    assert conflicting.status_code == 409 and "other settings" in conflicting.content.decode()
    assert Run.objects.count() == 1


def test_another_learners_run_is_404(client, htmx):
    from django.test import Client

    run = started_run(client)
    other = Client()
    other.get("/lab/")
    start(other, seed=3)                           # the other one is a learner too
    assert other.get(f"/lab/runs/{run.pk}/").status_code == 404
    for action in ("poll", "start", "pause", "step", "reset", "delete"):
        assert other.post(f"/lab/runs/{run.pk}/{action}/", **htmx).status_code == 404, action
    assert other.get(f"/lab/runs/{run.pk}/sample/?temperature=1", **htmx).status_code == 404
    assert Client().get(f"/lab/runs/{run.pk}/").status_code == 404   # not a learner at all
    run.refresh_from_db()
    assert run.step == 0 and run.running
    assert f"/lab/runs/{run.pk}/" not in other.get("/lab/").content.decode()


def test_runs_are_listed_reopened_and_deleted(client, htmx):
    run = started_run(client)
    poll_until_done(client, run, htmx)
    home = client.get("/lab/").content.decode()
    assert f'href="/lab/runs/{run.pk}/"' in home and "Finished" in home
    page = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert "Finished." in page and "every 1s" not in page
    response = client.post(f"/lab/runs/{run.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/lab/"
    assert not Run.objects.exists()
    assert client.get(f"/lab/runs/{run.pk}/").status_code == 404


def test_guest_clean_up_removes_their_runs(client):
    from django.contrib.sessions.models import Session

    from studyapp.accounts.learners import clear_expired_guests

    started_run(client)
    Session.objects.update(expire_date=timezone.now() - timedelta(days=1))
    assert clear_expired_guests() == 1
    assert not Run.objects.exists()


def test_divergence_is_reported_with_rnncores_reason(client, htmx):
    run = started_run(client, task="sine", cell="rnn", optimizer="sgd", lr=10.0, clip="none",
                      max_steps=200, seq_len=20, hidden_size=16)
    poll_until_done(client, run, htmx)
    assert run.status == "diverged"
    whole = Trainer.create("sine", {"cell": "rnn", "optimizer": "sgd", "lr": 10.0,
                                    "clip": "none", "max_steps": 200, "seq_len": 20,
                                    "hidden_size": 16, "num_layers": 1, "batch_size": 4,
                                    "clip_value": 5.0, "forget_bias": 0.0, "noise": 0.0,
                                    "eval_every": 25},
                           seed=7)
    whole.advance(200)
    assert whole.status == "diverged" and bytes(run.state) == whole.to_bytes()
    page = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert "Diverged." in page and whole.message.split(":")[0] in page
    assert "Try a smaller learning rate" in page


def test_a_plateau_is_reported_with_a_suggestion(client, htmx):
    # a vanilla RNN on the adding problem at T = 50 learns the mean, then stays at the
    # constant guess: no 1 % better evaluation between steps 100 and 225
    run = started_run(client, cell="rnn", seq_len=50, batch_size=8, max_steps=400)
    for _ in range(400):
        poll(client, run, htmx)
        run.refresh_from_db()
        if run.step >= 225:
            break
    client.post(f"/lab/runs/{run.pk}/pause/", **htmx)
    state = training.state_of(run=Run.objects.get(pk=run.pk))
    trainer = Trainer.from_bytes(bytes(Run.objects.get(pk=run.pk).state))
    assert trainer.plateau() is not None and state.plateau == trainer.plateau().as_dict()
    assert state.plateau["best_step"] == 100.0
    page = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert "Stopped improving." in page and "try an LSTM or a GRU" in page


def test_language_model_trains_on_a_topics_notes(client, htmx, small_course):
    from studyapp.lab.texts import topic_text

    topic = small_course if isinstance(small_course, str) else None
    form = client.get("/lab/?task=char_lm").context["form"]
    slug = form.fields["topic"].choices[0][0]
    run = started_run(client, task="char_lm", cell="rnn", optimizer="adagrad", lr=0.1,
                      clip="value", seq_len=10, hidden_size=16, max_steps=20, topic=slug)
    trainer = Trainer.from_bytes(bytes(run.state))
    assert trainer.config["text"] == topic_text(slug) and "$" not in trainer.config["text"]
    body = poll(client, run, htmx, temperature=0.5).content.decode()
    assert 'id="lab-sample"' in body and 'hx-swap-oob="true"' in body
    assert "temperature 0.5" in body
    sample = client.get(f"/lab/runs/{run.pk}/sample/?temperature=1.5", **htmx)
    assert sample.status_code == 200 and "temperature 1.5" in sample.content.decode()
    bad = client.get(f"/lab/runs/{run.pk}/sample/?temperature=9", **htmx)
    assert bad.status_code == 400 and "from 0.1 to 2.0" in bad.content.decode()
    assert client.get(f"/lab/runs/{run.pk}/?temperature=x").status_code == 400
    del topic


def test_export_lists_settings_and_metrics(client, htmx):
    from .conftest import learner_of

    run = started_run(client)
    poll(client, run, htmx)
    exported = list(export_runs(learner_of(client)))
    assert exported[0]["settings"] == SMALL and exported[0]["step"] == 3
    assert set(exported[0]["metrics"]) == {"eval_loss", "eval_mse"}


def test_a_run_that_no_longer_loads_is_a_409_with_what_to_do(client, htmx):
    run = started_run(client)
    Run.objects.filter(pk=run.pk).update(state=b"not a run")
    page = client.get(f"/lab/runs/{run.pk}/")
    assert page.status_code == 409 and "Delete it and start it again" in page.content.decode()
    polled = poll(client, run, htmx)
    assert polled.status_code == 409 and "cannot be opened" in polled.content.decode()
    assert client.post(f"/lab/runs/{run.pk}/delete/").status_code == 302
    assert not Run.objects.exists()


@pytest.mark.parametrize("task, extra", [("adding", {}), ("sine", {}), ("copy", {"delay": 3, "copy_length": 2})])
def test_every_figure_of_a_run_is_valid_plotly(client, htmx, task, extra):
    import plotly.graph_objects as go

    from studyapp.lab import charts

    run = started_run(client, task=task, **extra)
    poll(client, run, htmx)
    run.refresh_from_db()
    state = training.state_of(run=run)
    figures = charts.figures(state)
    assert {"lab-loss", "lab-gradient"} <= {entry["id"] for entry in figures}
    assert ("lab-accuracy" in {entry["id"] for entry in figures}) == state.classification
    for entry in figures:
        go.Figure(entry["data"])                        # plotly validates every property
    loss = figures[0]["data"]["data"][0]
    assert loss["meta"] == "loss" and len(loss["y"]) == run.step > 0


def test_without_javascript_each_start_trains_a_chunk_and_pauses(client, htmx):
    run = started_run(client)                       # created running, as the lab form does
    chunk = bounds.chunk_steps(run.max_steps)
    page = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert f"Train {chunk} steps" in page and "<noscript>" in page
    for presses in (1, 2):
        response = client.post(f"/lab/runs/{run.pk}/start/")
        assert response.status_code == 302 and response["Location"] == f"/lab/runs/{run.pk}/"
        run.refresh_from_db()
        assert run.step == presses * chunk and not run.running
    # the same network as training in one go (chunks are deterministic)
    assert training.state_of(run=run).history["loss"] == one_go(steps=2 * chunk).history["loss"]
    page = client.get(f"/lab/runs/{run.pk}/").content.decode()
    assert "Paused" in page and "Resume" in page
    # with JavaScript (htmx), Start only starts: the page's polls train
    client.post(f"/lab/runs/{run.pk}/start/", **htmx)
    run.refresh_from_db()
    assert run.running and run.step == 2 * chunk
