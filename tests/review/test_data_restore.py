"""The whole JSON backup restored: reviews, quiz attempts (with the quiz misses they brought to
review) and lab runs come back field for field into a fresh account; a restored run trains on
exactly as the original; a damaged file changes nothing and names the item; an account that
already holds any of it is a 409; other learners are never touched."""

import base64
import copy
import json
import random
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rnncore.trainer import Trainer
from studyapp.accounts.exports import NotEmpty, RestoreError
from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard
from studyapp.lab import training
from studyapp.lab.forms import RunSettingsForm
from studyapp.lab.models import Run
from studyapp.quiz import attempts, misses
from studyapp.quiz.models import Attempt, Kind
from studyapp.review import scheduling as s
from studyapp.review.models import Review, ReviewSettings
from tests.backups import NOW, attempt_ids, backup_of, everything, restore
from tests.lab.conftest import SMALL, SMALL_CONFIG

pytestmark = pytest.mark.django_db
CHAR_LM = {"task": "char_lm", "cell": "rnn", "optimizer": "adagrad", "lr": 0.1, "clip": "value",
           "seq_len": 10, "hidden_size": 16, "max_steps": 20, "eval_every": 10, "seed": 3,
           "topic": "hidden-state"}


def new_learner(name):
    return Learner.objects.create(user=get_user_model().objects.create_user(name))


def run_settings(data):
    form = RunSettingsForm(data)
    assert form.is_valid(), form.errors
    return form.settings


def answer_all(attempt, *, but_last=False):
    """Multiple choice right, everything typed "I don't know" (a miss); all but the last or all."""
    questions = list(attempt.questions.order_by("position"))
    for question in questions[:-1] if but_last else questions:
        right = question.kind in (Kind.CHOICE, Kind.NUMERIC_CHOICE)
        attempts.record_answer(question=question, response=str(question.correct_option) if right else "")


def study(learner, *, seed=1):
    """Reviews, a finished quiz whose misses brought cards forward, an unfinished quiz, and two
    lab runs part-trained (an LSTM on adding; a language model on a topic's notes)."""
    for n, card in enumerate(Flashcard.objects.order_by("slug")):
        s.rate_card(learner=learner, flashcard=card, version=0, rating=3 - n, now=NOW - timedelta(days=2))
    s.save_settings(learner=learner, desired_retention=0.85, new_per_day=7, reviews_per_day=99,
                    learning_steps="2m 20m", relearning_steps="5m", maximum_interval=3000, day_start_hour=3,
                    time_zone="Europe/Berlin", quiz_misses=True)
    kinds = list(Kind.values)
    finished = attempts.start_attempt(learner=learner, topics=None, length=8, kinds=kinds, rng=random.Random(seed))
    answer_all(finished)
    unfinished = attempts.start_attempt(learner=learner, topics=None, length=5, kinds=kinds,
                                        rng=random.Random(seed + 1))
    answer_all(unfinished, but_last=True)
    adding = training.create_run(learner=learner, settings=SMALL)
    for _ in range(4):
        training.step_run(run=adding)
    char_lm = training.create_run(learner=learner, settings=run_settings(CHAR_LM))
    for _ in range(6):
        training.step_run(run=char_lm)
    return finished, unfinished


def continue_to_the_end(run):
    while True:
        run.refresh_from_db()
        if run.done:
            return bytes(run.state)
        training.step_run(run=run)


def test_everything_comes_back_and_carries_on_as_the_original(small_course):
    ada, bob, carol = new_learner("ada"), new_learner("bob"), new_learner("carol")
    finished, unfinished = study(ada)
    study(carol, seed=5)
    assert Review.objects.filter(learner=ada, kind=Review.QUIZ_MISS, quiz_attempt=finished.pk).exists()
    assert finished.questions.filter(kind=Kind.NUMERIC_TYPED).exists()
    carol_before = everything(carol)
    document = backup_of(ada)
    assert document["version"] == 2 and len(document["quiz"]) == 2 and len(document["lab"]) == 2

    restored = restore(bob, document)
    assert str(restored).startswith("Restored 2 card states and ")
    assert "2 quiz attempts (13 questions) and 2 lab runs." in str(restored)
    assert everything(bob) == everything(ada)
    assert everything(carol) == carol_before
    assert ReviewSettings.objects.get(learner=bob).desired_retention == 0.85
    for state in bob.card_states.all():
        assert s.replay_card(card_state=state) == s.snapshot(state)

    # the quiz misses name bob's own attempts, so his results list the cards they brought back
    bob_finished, bob_unfinished = (Attempt.objects.get(pk=pk) for pk in attempt_ids(bob))
    assert set(Review.objects.filter(learner=bob, kind=Review.QUIZ_MISS).values_list("quiz_attempt", flat=True)) \
        == {bob_finished.pk}
    assert misses.brought_back(attempt=bob_finished) == misses.brought_back(attempt=finished) != []

    # the unfinished quiz carries on where it stopped, and finishes as the original does
    for attempt in (unfinished, bob_unfinished):
        assert attempts.resume_position(attempt) == 5
        answer_all(attempt)
        attempt.refresh_from_db()
        assert attempt.finished is not None
    assert [q["answer"]["outcome"] for q in everything(bob)["attempts"][1]["questions"]] \
        == [q["answer"]["outcome"] for q in everything(ada)["attempts"][1]["questions"]]

    # each restored run trains on bit for bit as the original does, and as one go would
    ada_runs, bob_runs = (list(Run.objects.filter(learner=x).order_by("created", "pk")) for x in (ada, bob))
    for original, copied in zip(ada_runs, bob_runs, strict=True):
        assert not copied.running and copied.step == original.step > 0
        assert continue_to_the_end(copied) == continue_to_the_end(original)
    whole = Trainer.create("adding", SMALL_CONFIG, seed=SMALL["seed"])
    whole.advance(SMALL["max_steps"])
    assert bytes(Run.objects.get(pk=bob_runs[0].pk).state) == whole.to_bytes()


def test_restore_through_the_page_opens_the_same_run(small_course):
    ada_client, bob_client = Client(), Client()
    ada, bob = new_learner("ada"), new_learner("bob")
    ada_client.force_login(ada.user)
    bob_client.force_login(bob.user)
    study(ada)
    response = ada_client.get("/review/data/backup.json")
    assert response.streaming
    backup = b"".join(response.streaming_content)
    page = bob_client.get("/review/data/").content.decode()
    assert "no reviews, quiz attempts or lab runs yet" in page and "carries on training exactly" in page
    restored = bob_client.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", backup)},
                               headers={"HX-Request": "true"})
    assert restored.status_code == 200 and "2 quiz attempts (13 questions) and 2 lab runs" in restored.content.decode()
    for original, copied in zip(Run.objects.filter(learner=ada).order_by("pk"),
                                Run.objects.filter(learner=bob).order_by("pk"), strict=True):
        mine, theirs = ada_client.get(f"/lab/runs/{original.pk}/"), bob_client.get(f"/lab/runs/{copied.pk}/")
        assert theirs.status_code == 200 and f'data-step="{original.step}"' in theirs.content.decode()
        assert theirs.context["points_json"] == mine.context["points_json"]
        assert theirs.context["settings_rows"] == mine.context["settings_rows"]
    again = bob_client.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", backup)},
                            headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "already has reviews, quiz attempts and lab runs" in again.content.decode()


@pytest.mark.parametrize("holding", ["attempt", "run"])
def test_an_account_with_attempts_or_runs_already_is_a_409(small_course, holding):
    ada, bob = new_learner("ada"), new_learner("bob")
    study(ada)
    if holding == "attempt":
        attempts.start_attempt(learner=bob, topics=None, length=5, kinds=[Kind.CHOICE, Kind.NUMERIC_TYPED])
    else:
        training.create_run(learner=bob, settings=SMALL)
    before = everything(bob)
    with pytest.raises(NotEmpty, match=f"already has {'quiz attempts' if holding == 'attempt' else 'lab runs'}:"):
        restore(bob, backup_of(ada))
    assert everything(bob) == before and not Review.objects.filter(learner=bob).exists()
    client = Client()
    client.force_login(bob.user)
    data = json.dumps(backup_of(ada)).encode()
    response = client.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", data)})
    assert response.status_code == 409 and "nothing was restored" in response.content.decode()


def forged_run(**changes):
    """A run's stored bytes as the lab's loader reads them, trained with other settings."""
    config = {**SMALL_CONFIG, **changes}
    return base64.b64encode(Trainer.create("adding", config, seed=SMALL["seed"]).to_bytes()).decode()


def damage(document, where, value):
    """`document` with the value at path `where` (a tuple of keys and indexes) replaced."""
    document = copy.deepcopy(document)
    *path, last = where
    target = document
    for key in path:
        target = target[key]
    target[last] = value
    return document


def flipped(state):
    blob = bytearray(base64.b64decode(state))
    blob[len(blob) // 2] ^= 0xFF
    return base64.b64encode(bytes(blob)).decode()


@pytest.fixture
def ada_backup(small_course):
    study(new_learner("ada"))
    return backup_of(Learner.objects.get(user__username="ada"))


@pytest.mark.parametrize(("where", "value", "message"), [
    (("quiz", 1, "questions", 1, "position"), "2", "quiz attempt 2, question 2: position is a whole number"),
    (("quiz", 1, "questions", 1, "position"), 1, "quiz attempt 2: two questions have the same position"),
    (("quiz", 0, "questions", 0, "kind"), "essay", "quiz attempt 1, question 1: “essay” is not a kind of question"),
    (("quiz", 0, "questions", 0, "topic"), "no-such-topic", "quiz attempt 1, question 1: no topic “no-such-topic”"),
    (("quiz", 0, "topics"), ["gru", "retired-long-ago"], "quiz attempt 1, topics: no topic “retired-long-ago”"),
    (("quiz", 0, "finished"), None, "quiz attempt 1: an attempt is finished exactly when every question"),
    (("quiz", 0, "created"), "yesterday", "quiz attempt 1, created: “yesterday” is not an ISO 8601 time"),
    (("quiz", 0, "requested_length"), 500, "quiz attempt 1: requested_length is a whole number from 5 to 50"),
    (("quiz", 1, "key"), None, "quiz attempt 2: its key is a whole number"),
    (("quiz", 0, "questions", 0, "answer", "outcome"), "perfect", "quiz attempt 1, question 1, answer: the outcome"),
    (("lab", 0, "state"), "not base64!", "lab run 1: its state is the run's stored bytes in base64"),
    (("lab", 1, "step"), 5, "lab run 2: its step is not what its stored state says"),
    (("lab", 0, "settings", "seed"), 8, "lab run 1: its settings are not those its stored state was trained with"),
    (("lab", 0, "settings", "hidden_size"), 8.0, "lab run 1: its settings are not those"),
])
def test_a_damaged_backup_names_the_item_and_changes_nothing(ada_backup, where, value, message):
    bob = new_learner("bob")
    with pytest.raises(RestoreError) as raised:
        restore(bob, damage(ada_backup, where, value))
    assert str(raised.value).startswith(message)
    assert everything(bob) == {"review": {"states": {}, "log": []}, "attempts": [], "runs": []}
    assert not ReviewSettings.objects.filter(learner=bob).exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"hidden_size": 80}, "lab run 1: hidden_size must be in [1, 64], got 80"),
    ({"hidden_size": 256, "num_layers": 2}, "lab run 1: its stored state is over the lab's 1,000,000 bytes"),
    ({"seq_len": 9}, None),
])
def test_a_run_the_lab_would_not_make_is_refused(ada_backup, changes, message):
    """Stored bytes the engine loads, of runs outside the lab's bounds (or trained with other
    settings than the file says)."""
    forged = damage(ada_backup, ("lab", 0, "state"), forged_run(**changes))
    if message is None:
        message = "lab run 1: its settings are not those its stored state was trained with"
    else:
        forged["lab"][0]["settings"].update(changes)
    bob = new_learner("bob")
    with pytest.raises(RestoreError) as raised:
        restore(bob, forged)
    assert str(raised.value).startswith(message)
    assert not Run.objects.filter(learner=bob).exists() and not Attempt.objects.filter(learner=bob).exists()


def test_a_forged_lab_state_or_quiz_miss_is_a_400_on_the_page(ada_backup):
    client = Client()
    bob = new_learner("bob")
    client.force_login(bob.user)
    forged = damage(ada_backup, ("lab", 0, "state"), flipped(ada_backup["lab"][0]["state"]))
    miss = next(n for n, entry in enumerate(ada_backup["review"]["log"]) if entry["kind"] == "quiz_miss")
    for document, said in ((forged, "lab run 1: its stored state does not load"),
                           (damage(ada_backup, ("review", "log", miss, "quiz_attempt"), 10**6),
                            f"log entry {miss + 1}: it names quiz attempt 1000000, which is not in this backup")):
        response = client.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", json.dumps(document).encode())},
                               headers={"HX-Request": "true"})
        page = response.content.decode()
        assert response.status_code == 400 and said in page and "Nothing was restored." in page
    assert everything(bob) == {"review": {"states": {}, "log": []}, "attempts": [], "runs": []}


JUNK = [None, True, -1, 2**70, float("nan"), "x", "a\x00", "0001-01-01T00:00:00+05:00", [[]], {"a": []}]


def paths(value, prefix=()):
    """Every path to a value inside `value` (the first item of a list), a run's stored bytes and a
    calculation's generated question excepted (other tests forge them)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("state", "params"):
                yield from paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        yield from paths(value[0], (*prefix, 0))


def test_no_damage_to_any_field_is_ever_anything_but_a_restore_error(ada_backup):
    """Every field of the quiz and lab parts and of review's settings and a log entry, replaced by
    junk of every JSON type: a RestoreError or a restore, never another exception (a 500 on the
    page); and every field refuses some junk (each is checked)."""
    document = ada_backup
    targets = [*paths(document["quiz"], ("quiz",)), *paths(document["lab"], ("lab",))]
    targets += [("review", "settings", name) for name in document["review"]["settings"]]
    targets += [("review", "log", 0, name) for name in document["review"]["log"][0] if name != "settings"]
    restore(Learner.objects.create(guest_session_key="junk-none"), document)  # undamaged, it restores
    unchecked = []
    for n, where in enumerate(targets):
        refused = 0
        for m, value in enumerate(JUNK):
            learner = Learner.objects.create(guest_session_key=f"junk-{n}-{m}")
            try:
                restore(learner, damage(document, where, value))
            except RestoreError:
                refused += 1
        if not refused:
            unchecked.append(where)
    assert unchecked == [] and len(targets) > 60


@pytest.mark.parametrize(("where", "value", "message"), [
    (("quiz", 0, "notice"), "a\x00b", "This backup holds a NUL character"),
    (("quiz", 0, "questions", 0, "params"), {"x": float("nan")}, "This backup holds NaN"),
    (("review", "log", 0, "settings", "extra"), float("-inf"), "This backup holds -Infinity"),
])
def test_what_postgresql_would_refuse_to_store_is_refused_first(ada_backup, where, value, message):
    with pytest.raises(RestoreError, match=f"^{message}"):
        restore(new_learner("bob"), damage(ada_backup, where, value))


def test_a_version_1_backup_restores_its_review_part(ada_backup):
    old = copy.deepcopy(ada_backup)
    old["version"] = 1
    del old["review"]["settings"]["quiz_misses"]
    for entry in old["review"]["log"]:
        del entry["quiz_attempt"]
    bob = new_learner("bob")
    restored = restore(bob, old)
    assert "only its review part was restored" in str(restored)
    assert not Attempt.objects.filter(learner=bob).exists() and not Run.objects.filter(learner=bob).exists()
    assert Review.objects.filter(learner=bob).count() == len(old["review"]["log"])
    assert set(Review.objects.filter(learner=bob).values_list("quiz_attempt", flat=True)) == {None}
