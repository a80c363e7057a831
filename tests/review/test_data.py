"""The data page's modules: CSV export and import, JSON backup and restore, the optimiser, Anki."""

import csv
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from django.contrib.auth import get_user_model

from studyapp.accounts.exports import parts
from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard, Source, Topic
from studyapp.accounts.exports import NotEmpty, RestoreError
from studyapp.review import anki, exports, imports, optimizer
from studyapp.review.restore import restore_backup
from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review

pytestmark = pytest.mark.django_db
SLICE = Path(__file__).parent / "data" / "review_log_slice.csv"
FULL = Path(__file__).resolve().parents[3] / "shared" / "data" / "review_log_12580.csv"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def cards_for(path, topics=3):
    """One flashcard per card id of a log (the id as its slug), spread over `topics` topics."""
    ids = list(dict.fromkeys(row["card_id"] for row in csv.DictReader(path.open())))
    source = Source.objects.get_or_create(key="000", defaults={"title": "t", "filename": "000.txt"})[0]
    made = [Topic.objects.create(slug=f"log-topic-{t}", title=f"Log topic {t}", summary="s", order=t,
                                 source_path=f"{t}.toml") for t in range(topics)]
    Flashcard.objects.bulk_create(Flashcard(slug=card_id, topic=made[i % topics], position=i + 1, source=source,
                                            front=f"Front $h_{{{i}}}$ of **{card_id}**", back=f"Back $$x^{i}$$")
                                  for i, card_id in enumerate(ids))
    return ids


def new_learner(name):
    return Learner.objects.create(user=get_user_model().objects.create_user(name))


def import_file(learner, data):
    parsed = imports.parse_log(data=data, now=NOW)
    return imports.apply_log(learner=learner, parsed=parsed, digest=parsed.digest)


def states(learner):
    return {st.flashcard.slug: tuple(getattr(st, f) for f in FIELDS)
            for st in CardState.objects.filter(learner=learner).select_related("flashcard")}


def export_csv(learner):
    return "".join(exports.csv_lines(learner=learner)).encode()


def export_json(learner):
    return "".join(exports.json_pieces(learner=learner, now=NOW)).encode()


@pytest.fixture
def log_cards(db):
    return cards_for(SLICE)


def test_import_equals_rating_each_review_and_replays(log_cards):
    ada = new_learner("ada")
    applied = import_file(ada, SLICE.read_bytes())
    assert (applied.added, applied.cards, applied.rebuilt) == (1000, 126, 0)
    bob = new_learner("bob")  # the same reviews rated one by one in the app
    versions = {}
    for row in csv.DictReader(SLICE.open()):
        card = Flashcard.objects.get(slug=row["card_id"])
        outcome = s.rate_card(learner=bob, flashcard=card, version=versions.get(card.pk, 0),
                              rating=int(row["review_rating"]), now=datetime.fromisoformat(row["review_time"]))
        versions[card.pk] = outcome.card_state.version
    assert states(ada) == states(bob)
    for state in CardState.objects.filter(learner=ada):
        assert s.replay_card(card_state=state) == s.snapshot(state)


def test_export_then_import_into_a_fresh_account_reproduces_the_states(log_cards):
    ada, bob = new_learner("ada"), new_learner("bob")
    import_file(ada, SLICE.read_bytes())
    data = export_csv(ada)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert list(rows[0]) == list(exports.CSV_COLUMNS) and len(rows) == 1000
    assert rows[0]["review_time"] == "2024-03-29T20:32:32.250000+00:00" and rows[0]["review_state"] == "0"
    applied = import_file(bob, data)
    assert applied.added == 1000
    assert states(bob) == states(ada)


def test_reimport_adds_nothing_and_undone_reviews_are_not_exported(log_cards):
    ada = new_learner("ada")
    import_file(ada, SLICE.read_bytes())
    before = states(ada)
    again = import_file(ada, SLICE.read_bytes())
    assert (again.added, again.already) == (0, 1000)
    assert states(ada) == before and Review.objects.filter(learner=ada).count() == 1000
    last = Review.objects.filter(learner=ada).order_by("-reviewed_at").first()
    s.undo_entry(learner=ada, entry_id=last.pk, now=NOW)
    assert len(export_csv(ada).decode().splitlines()) == 1000  # header + 999


def test_interleaving_reviews_rebuild_the_card_by_replaying_the_merged_log(log_cards):
    rows = list(csv.DictReader(SLICE.open()))
    odd, even = rows[1::2], rows[0::2]

    def as_csv(part):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(part)
        return out.getvalue().encode()

    ada, whole = new_learner("ada"), new_learner("whole")
    import_file(ada, as_csv(even))
    applied = import_file(ada, as_csv(odd))
    assert applied.added == len(odd) and applied.rebuilt > 0
    import_file(whole, SLICE.read_bytes())
    assert states(ada) == states(whole)
    for state in CardState.objects.filter(learner=ada):
        assert s.replay_card(card_state=state) == s.snapshot(state)


def test_preview_counts_unknown_ids_and_epoch_milliseconds(log_cards):
    ada = new_learner("ada")
    data = (b"card_id,review_time,review_rating,review_duration,review_state\n"
            + f"{log_cards[0]},1711744352250,3,1200,2\n".encode()
            + f"{log_cards[1]},2024-03-29T20:32:39.497000+00:00,1,,0\n".encode()
            + b"no-such-card,2024-03-29T20:40:00Z,3,5,0\nno-such-card,2024-03-30T20:40:00Z,3,5,0\n")
    plan = imports.plan_log(learner=ada, parsed=imports.parse_log(data=data, now=NOW))
    assert (plan.reviews, plan.known_cards, plan.unknown, plan.unknown_reviews) == (2, 2, ["no-such-card"], 2)
    import_file(ada, data)
    first = Review.objects.get(learner=ada, flashcard__slug=log_cards[0])
    assert first.reviewed_at == datetime(2024, 3, 29, 20, 32, 32, 250000, tzinfo=UTC)


@pytest.mark.parametrize(("line", "problem"), [
    ("x,2024-03-29T20:32:32+00:00,5,100", "line 3: review_rating “5”"),
    ("x,yesterday,3,100", "line 3: review_time “yesterday”"),
    ("x,2024-03-29T20:32:32+00:00,3,-4", "line 3: review_duration -4"),
    ("x,2024-03-29T20:32:32+00:00,3", "line 3: 3 fields where the header has 4"),
    (",2024-03-29T20:32:32+00:00,3,1", "line 3: card_id is empty"),
    ("x,2099-03-29T20:32:32+00:00,3,1", "line 3: review_time 2099-03-29 20:32 UTC is in the future"),
])
def test_every_import_error_names_its_line_and_nothing_is_applied(log_cards, line, problem):
    ada = new_learner("ada")
    data = f"card_id,review_time,review_rating,review_duration\n{log_cards[0]},1711744352250,3,1\n{line}\n".encode()
    with pytest.raises(imports.LogError) as raised:
        imports.parse_log(data=data, now=NOW)
    assert raised.value.problems[0].startswith(problem)
    assert not Review.objects.filter(learner=ada).exists()


def test_header_encoding_and_size_limits():
    with pytest.raises(imports.LogError, match="line 1: the header lacks review_rating"):
        imports.parse_log(data=b"card_id,review_time\nx,1\n", now=NOW)
    with pytest.raises(imports.LogError, match="line 2: not UTF-8"):
        imports.parse_log(data=b"card_id,review_time,review_rating\n\xff,1,1\n", now=NOW)
    with pytest.raises(imports.TooLarge, match="at most 10 MB"):
        imports.parse_log(data=b"x" * (imports.MAX_BYTES + 1), now=NOW)
    many = b"card_id,review_time,review_rating\n" + b"a,1711744352250,3\n" * (imports.MAX_LINES + 1)
    with pytest.raises(imports.TooLarge, match="200,000"):
        imports.parse_log(data=many, now=NOW)


def test_json_backup_restores_exactly_into_an_empty_account(log_cards):
    ada = new_learner("ada")
    import_file(ada, SLICE.read_bytes())
    s.save_settings(learner=ada, desired_retention=0.85, new_per_day=7, reviews_per_day=99,
                    learning_steps="2m 20m", relearning_steps="5m", maximum_interval=3000, day_start_hour=3,
                    time_zone="Europe/Berlin")
    card = Flashcard.objects.get(slug=log_cards[0])
    state = CardState.objects.get(learner=ada, flashcard=card)
    s.suspend_card(learner=ada, flashcard=card, version=state.version, now=NOW)
    other = Flashcard.objects.get(slug=log_cards[1])
    state = CardState.objects.get(learner=ada, flashcard=other)
    outcome = s.rate_card(learner=ada, flashcard=other, version=state.version, rating=3, now=NOW)
    s.undo_entry(learner=ada, entry_id=outcome.entry.pk, now=NOW + timedelta(seconds=5))
    s.bury_card(learner=ada, flashcard=other, version=outcome.card_state.version + 1, now=NOW)
    backup = export_json(ada)
    document = json.loads(backup)
    assert {"review", "quiz", "lab"} <= set(document) and document["format"] == exports.FORMAT
    assert sum(entry["undone"] for entry in document["review"]["log"]) == 1

    bob = new_learner("bob")
    restored = restore_backup(learner=bob, data=backup)
    entries = Review.objects.filter(learner=ada).count()
    assert str(restored) == (f"Restored 126 card states and {entries} log entries, 0 quiz attempts "
                             "(0 questions) and 0 lab runs.")
    again = json.loads(export_json(bob))
    assert again["review"] == document["review"]
    for state in CardState.objects.filter(learner=bob):
        assert s.replay_card(card_state=state) == s.snapshot(state)
    with pytest.raises(NotEmpty):
        restore_backup(learner=bob, data=backup)


def test_a_forged_or_damaged_backup_changes_nothing(log_cards):
    ada = new_learner("ada")
    import_file(ada, SLICE.read_bytes())
    document = json.loads(export_json(ada))
    bob = new_learner("bob")
    forged = json.loads(json.dumps(document))
    forged["review"]["card_states"][0]["stability"] = 999.0
    with pytest.raises(RestoreError, match="does not replay"):
        restore_backup(learner=bob, data=json.dumps(forged).encode())
    forged = json.loads(json.dumps(document))
    forged["review"]["log"][3]["card"] = "not-a-card"
    with pytest.raises(RestoreError, match="log entry 4: no card"):
        restore_backup(learner=bob, data=json.dumps(forged).encode())
    with pytest.raises(RestoreError, match="not a backup"):
        restore_backup(learner=bob, data=b'{"format": "other"}')
    assert not CardState.objects.filter(learner=bob).exists() and not Review.objects.filter(learner=bob).exists()


def test_exports_hold_only_the_learners_own_data(log_cards):
    ada, bob = new_learner("ada"), new_learner("bob")
    import_file(ada, SLICE.read_bytes())
    assert export_csv(bob).decode().splitlines() == [",".join(exports.CSV_COLUMNS)]
    assert json.loads(export_json(bob))["review"]["log"] == []
    assert [name for name, _ in parts()] == ["lab", "quiz", "review"]


def test_fitted_parameters_pass_validation_and_change_the_next_intervals(log_cards):
    ada = new_learner("ada")
    import_file(ada, SLICE.read_bytes())
    fit = optimizer.fit(learner=ada)
    assert fit.train_items >= optimizer.MIN_ITEMS and fit.default.count > 0
    assert s.validate_parameters(fit.parameters) == fit.parameters
    assert fit.parameters != s.DEFAULT_PARAMETERS
    # the metrics, computed independently for the default parameters: log loss by hand
    settings = s.settings_for(learner=ada)
    ratings = optimizer.ratings_of(learner=ada, settings=settings)
    _, test = optimizer.split(optimizer.items_of(ratings), ratings)
    assert fit.default.count == len(test)
    assert 0 < fit.default.log_loss < 2 and 0 <= fit.fitted.rmse_bins < 1
    card = Flashcard.objects.get(slug=log_cards[5])
    state = CardState.objects.get(learner=ada, flashcard=card)
    before = s.preview_intervals(card_state=state, flashcard=card, settings=settings, now=NOW)
    optimizer.apply_parameters(learner=ada, parameters=fit.parameters, reschedule=False, now=NOW)
    settings = s.settings_for(learner=ada)
    assert tuple(settings.parameters) == fit.parameters
    assert s.preview_intervals(card_state=state, flashcard=card, settings=settings, now=NOW) != before
    assert CardState.objects.get(pk=state.pk).due == state.due  # due dates kept


def test_recomputing_due_dates_replays_every_log_with_the_new_parameters(log_cards):
    ada = new_learner("ada")
    import_file(ada, SLICE.read_bytes())
    fit = optimizer.fit(learner=ada)
    old_settings = set(json.dumps(r.settings, sort_keys=True) for r in Review.objects.filter(learner=ada))
    applied = optimizer.apply_parameters(learner=ada, parameters=fit.parameters, reschedule=True, now=NOW)
    assert applied.rescheduled > 0
    fresh = new_learner("fresh")  # the same log rated under the new parameters from the start
    optimizer.apply_parameters(learner=fresh, parameters=fit.parameters, reschedule=False, now=NOW)
    import_file(fresh, SLICE.read_bytes())
    mine = {k: v[:5] for k, v in states(ada).items()}
    assert mine == {k: v[:5] for k, v in states(fresh).items()}
    ratings = Review.objects.filter(learner=ada, kind=Review.RATING)
    assert set(json.dumps(r.settings, sort_keys=True) for r in ratings) == old_settings  # reviews keep theirs
    for state in CardState.objects.filter(learner=ada):
        assert s.replay_card(card_state=state) == s.snapshot(state)
    with pytest.raises(ValueError):
        optimizer.apply_parameters(learner=ada, parameters=[100.0] * 21, reschedule=False, now=NOW)


def test_too_few_reviews_say_how_many_more(log_cards):
    ada = new_learner("ada")
    lines = SLICE.read_text().splitlines()[:60]
    import_file(ada, ("\n".join(lines) + "\n").encode())
    with pytest.raises(optimizer.NotEnoughData) as raised:
        optimizer.fit(learner=ada)
    assert raised.value.needed == optimizer.status(learner=ada)["needed"] > 0


def test_the_apkg_is_ankis_format_with_every_card_and_stable_guids(log_cards):
    data = anki.build_apkg()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {"collection.anki2", "media"} <= set(archive.namelist())
    path = Path(__file__).parent / "tmp-collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    try:
        db = sqlite3.connect(path)
        notes = db.execute("select guid, flds, mid from notes").fetchall()
        decks = json.loads(db.execute("select decks from col").fetchone()[0])
        db.close()
    finally:
        path.unlink()
    assert len(notes) == Flashcard.objects.count() == 126
    assert {guid for guid, _, _ in notes} == {genanki.guid_for(slug) for slug in log_cards}
    assert {mid for _, _, mid in notes} == {anki.MODEL_ID}
    assert {d["name"] for d in decks.values()} >= {f"RNN study::Log topic {t}" for t in range(3)}
    front, back, topic = notes[0][1].split("\x1f")
    assert "\\(" in front and "<math " not in front and "<math>" not in front and "<strong>" in front and "\\[" in back
    again = zipfile.ZipFile(io.BytesIO(anki.build_apkg()))
    path.write_bytes(again.read("collection.anki2"))
    try:
        db = sqlite3.connect(path)
        assert {g for (g,) in db.execute("select guid from notes")} == {guid for guid, _, _ in notes}
        db.close()
    finally:
        path.unlink()
    one = Topic.objects.get(slug="log-topic-1")
    archive = zipfile.ZipFile(io.BytesIO(anki.build_apkg(topic=one)))
    path.write_bytes(archive.read("collection.anki2"))
    try:
        db = sqlite3.connect(path)
        assert db.execute("select count(*) from notes").fetchone()[0] == one.flashcards.count() if hasattr(
            one, "flashcards") else Flashcard.objects.filter(topic=one).count()
        db.close()
    finally:
        path.unlink()


@pytest.mark.skipif(not FULL.exists(), reason="the shared real log is not on this machine")
def test_the_whole_real_log_imports_exports_and_fits(db):
    cards_for(FULL, topics=10)
    ada, bob = new_learner("ada"), new_learner("bob")
    applied = import_file(ada, FULL.read_bytes())
    assert (applied.added, applied.cards) == (12580, 1205)
    import_file(bob, export_csv(ada))
    assert states(bob) == states(ada)
    fit = optimizer.fit(learner=ada)
    assert s.validate_parameters(fit.parameters) == fit.parameters
