"""Lab runs in the JSON backup: each with its stored state; restored through the data page, a run
opens paused at the same step with the same history, and trains on bit for bit as the original
(and as one go); a forged state is refused before anything is stored."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from studyapp.lab.backup import export_runs
from studyapp.lab.models import Run
from tests.backups import RUN_BOOKKEEPING, fields

from .conftest import SMALL, learner_of, started_run
from .test_runs import one_go, poll, poll_until_done

pytestmark = pytest.mark.django_db


def restore_into(client, backup):
    return client.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", backup)}, HTTP_HX_REQUEST="true")


def test_a_restored_run_trains_on_exactly_as_the_original(client, htmx):
    part = started_run(client)
    poll(client, part, htmx)
    client.post(f"/lab/runs/{part.pk}/pause/", **htmx)
    done = started_run(client, seed=8)
    poll_until_done(client, done, htmx)
    part.refresh_from_db()
    exported = list(export_runs(learner_of(client)))
    assert [base64.b64decode(run["state"]) for run in exported] == [bytes(part.state), bytes(done.state)]
    backup = b"".join(client.get("/review/data/backup.json").streaming_content)

    other = Client()
    response = restore_into(other, backup)
    assert response.status_code == 200 and "2 lab runs" in response.content.decode()
    copies = list(Run.objects.filter(learner=learner_of(other)).order_by("created", "pk"))
    for original, copied in zip((part, done), copies, strict=True):
        original.refresh_from_db()
        assert fields(copied, RUN_BOOKKEEPING) == fields(original, RUN_BOOKKEEPING)
        assert not copied.running and copied.last_polled is None
        mine, theirs = client.get(f"/lab/runs/{original.pk}/"), other.get(f"/lab/runs/{copied.pk}/")
        assert theirs.status_code == 200 and theirs.context["points_json"] == mine.context["points_json"]
    assert client.get(f"/lab/runs/{copies[0].pk}/").status_code == 404  # the copy is the other's

    # the paused copy and the original both resume and finish: the same bytes as one go
    for who, run in ((client, part), (other, copies[0])):
        assert who.post(f"/lab/runs/{run.pk}/start/", {"since": 3}, **htmx).status_code == 200
        poll_until_done(who, run, htmx)
        assert run.step == SMALL["max_steps"] and bytes(run.state) == one_go().to_bytes()
    assert bytes(copies[1].state) == one_go({**SMALL, "seed": 8}).to_bytes()


def test_a_forged_state_is_a_400_and_nothing_is_stored(client, htmx):
    run = started_run(client)
    poll(client, run, htmx)
    document = json.loads(b"".join(client.get("/review/data/backup.json").streaming_content))
    blob = bytearray(base64.b64decode(document["lab"][0]["state"]))
    blob[100:108] = b"\x00" * 8
    document["lab"][0]["state"] = base64.b64encode(bytes(blob)).decode()
    other = Client()
    response = restore_into(other, json.dumps(document).encode())
    page = response.content.decode()
    assert response.status_code == 400 and "lab run 1: its stored state does not load" in page
    assert "Nothing was restored." in page and Run.objects.count() == 1
