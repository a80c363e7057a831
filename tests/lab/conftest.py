import pytest
from django.test import Client

from studyapp.accounts.learners import current_learner


# A small adding run: 30 steps of an 8-unit LSTM on sequences of 8 (3 steps per poll).
SMALL = {"task": "adding", "cell": "lstm", "hidden_size": 8, "num_layers": 1, "batch_size": 4,
         "optimizer": "adam", "lr": 0.01, "clip": "norm", "clip_value": 5.0, "forget_bias": 0.0,
         "max_steps": 30, "eval_every": 25, "seq_len": 8, "seed": 7}
# ... and the trainer configuration it stands for
SMALL_CONFIG = {k: v for k, v in SMALL.items() if k not in ("task", "seed")}


@pytest.fixture(autouse=True)
def whole_chunks(monkeypatch):
    """Polls take their whole chunk of steps: the time bound (CHUNK_SECONDS) would make the
    number of steps per poll depend on the machine's load. `make bench` measures it."""
    from studyapp.lab import bounds

    monkeypatch.setattr(bounds, "CHUNK_SECONDS", 600.0)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def htmx():
    return {"HTTP_HX_REQUEST": "true"}


def learner_of(client):
    request = type("R", (), {})()
    request.user = type("U", (), {"is_authenticated": False})()
    request.session = client.session
    return current_learner(request)


def start(client, **overrides):
    """POST Start with the small settings; returns the response."""
    return client.post("/lab/runs/", {**SMALL, **overrides})


def started_run(client, **overrides):
    from studyapp.lab.models import Run

    response = start(client, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Run.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
