"""The data page over HTTP: downloads, the import's preview and confirmation, restore, the
optimiser's forms, and bad input as a 4xx with a message and nothing changed."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studyapp.review import imports
from studyapp.review.models import CardState, Review, ReviewSettings

from .test_data import SLICE, cards_for, new_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_cards(db):
    return cards_for(SLICE)


def upload(data, name="log.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def login(client, name):
    learner = new_learner(name)
    client.force_login(learner.user)
    return learner


def test_the_page_links_and_says_what_to_do_first(client, log_cards):
    login(client, "ada")
    page = client.get("/review/data/").content.decode()
    for url in ("/review/data/review-log.csv", "/review/data/backup.json", "/review/data/deck.apkg"):
        assert url in page
    assert "data-needs" in page and "64" in page  # below the optimiser's threshold
    assert "/review/data/" in client.get("/review/?session=abcdefgh12").content.decode()


def test_preview_then_confirm_imports_and_downloads_match(client, log_cards):
    ada = login(client, "ada")
    data = SLICE.read_bytes()
    preview = client.post("/review/data/import/", {"file": upload(data)}, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "1000 reviews of 126 known cards" in text and not Review.objects.exists()
    digest = imports.digest_of(data)
    done = client.post("/review/data/import/", {"file": upload(data), "confirm": digest}, headers={"HX-Request": "true"})
    assert done.status_code == 200 and "Imported 1000 reviews of 126 cards" in done.content.decode()
    assert Review.objects.filter(learner=ada).count() == 1000
    exported = body(client.get("/review/data/review-log.csv")).decode()
    assert len(list(csv.DictReader(io.StringIO(exported)))) == 1000
    backup = json.loads(body(client.get("/review/data/backup.json")))
    assert len(backup["review"]["log"]) == 1000 and "quiz" in backup
    deck = client.get("/review/data/deck.apkg?topic=log-topic-1")
    assert zipfile.ZipFile(io.BytesIO(deck.content)).namelist()
    assert client.get("/review/data/deck.apkg?topic=nope").status_code == 404


def test_bad_files_are_a_4xx_with_the_line_named_and_nothing_changed(client, log_cards, settings):
    ada = login(client, "ada")
    bad = b"card_id,review_time,review_rating\n" + f"{log_cards[0]},1711744352250,3\n{log_cards[1]},soon,3\n".encode()
    response = client.post("/review/data/import/", {"file": upload(bad), "confirm": imports.digest_of(bad)},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400 and "line 3: review_time “soon”" in response.content.decode()
    good = SLICE.read_bytes()
    response = client.post("/review/data/import/", {"file": upload(good), "confirm": "0" * 64})
    assert response.status_code == 409 and "not the file that was previewed" in response.content.decode()
    big = b"card_id,review_time,review_rating\n" + b"x" * (imports.MAX_BYTES + 100_000)  # refused unread
    response = client.post("/review/data/import/", {"file": upload(big)}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    response = client.post("/review/data/import/", {}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Choose a file" in response.content.decode()
    assert not Review.objects.filter(learner=ada).exists() and not CardState.objects.filter(learner=ada).exists()


def test_uploads_need_the_csrf_token(log_cards):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login(client, "ada")
    response = client.post("/review/data/import/", {"file": upload(SLICE.read_bytes())})
    assert response.status_code == 403 and not Review.objects.exists()


def test_restore_and_another_learners_data(client, log_cards):
    ada = login(client, "ada")
    data = SLICE.read_bytes()
    client.post("/review/data/import/", {"file": upload(data), "confirm": imports.digest_of(data)})
    backup = body(client.get("/review/data/backup.json"))
    again = client.post("/review/data/restore/", {"file": upload(backup, "b.json")}, headers={"HX-Request": "true"})
    assert again.status_code == 409 and "already has reviews" in again.content.decode()
    client.logout()
    bob = login(client, "bob")
    assert json.loads(body(client.get("/review/data/backup.json")))["review"]["log"] == []  # nothing of ada's
    damaged = backup.replace(b'"rating": 3', b'"rating": 4', 1)
    response = client.post("/review/data/restore/", {"file": upload(damaged, "b.json")}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Nothing was restored" in response.content.decode()
    assert not Review.objects.filter(learner=bob).exists()
    response = client.post("/review/data/restore/", {"file": upload(backup, "b.json")}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Restored 126 card states" in response.content.decode()
    assert Review.objects.filter(learner=bob).count() == Review.objects.filter(learner=ada).count()


def test_optimise_and_apply_through_the_page(client, log_cards):
    ada = login(client, "ada")
    data = SLICE.read_bytes()
    client.post("/review/data/import/", {"file": upload(data), "confirm": imports.digest_of(data)})
    fitted = client.post("/review/data/optimise/", headers={"HX-Request": "true"})
    assert fitted.status_code == 200
    page = fitted.content.decode()
    assert "data-default-loss" in page and "data-fitted-loss" in page
    values = json.loads(page.split('name="parameters" value="')[1].split('"')[0].replace("&quot;", '"'))
    bad = client.post("/review/data/parameters/", {"choice": "fitted", "parameters": json.dumps([100] * 21),
                                                   "reschedule": "no"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "out of fsrs" in bad.content.decode()
    ok = client.post("/review/data/parameters/", {"choice": "fitted", "parameters": json.dumps(values),
                                                  "reschedule": "yes"}, headers={"HX-Request": "true"})
    assert ok.status_code == 200 and "rescheduled" in ok.content.decode()
    assert ReviewSettings.objects.get(learner=ada).parameters == values
    client.post("/review/data/parameters/", {"choice": "defaults", "reschedule": "no"})
    assert tuple(ReviewSettings.objects.get(learner=ada).parameters) != tuple(values)


def test_a_guest_without_data_gets_empty_downloads_and_a_message(client, log_cards):
    assert body(client.get("/review/data/review-log.csv")).decode().strip() == (
        "card_id,review_time,review_rating,review_duration,review_state")
    response = client.post("/review/data/optimise/", headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Review some cards first" in response.content.decode()


