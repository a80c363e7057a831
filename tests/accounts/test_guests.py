"""A guest's progress: kept exactly at sign-up; at log-in to an existing account, merged (logs in
time order, replayed through the scheduler) or discarded, as the learner chooses."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from studyapp.accounts.learners import PENDING_KEY, SESSION_KEY, clear_expired_guests, move_owned_rows
from studyapp.accounts.models import Learner
from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review, ReviewSettings

from .conftest import NOW, PASSWORD, log_of, make_guest, rate, states_of

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_guests_progress_survives_sign_up_exactly(client, deck):
    guest = make_guest(client)
    rate(guest, deck[0], 3, NOW)
    rate(guest, deck[0], 3, NOW + timedelta(minutes=10))
    rate(guest, deck[2], 1, NOW + timedelta(minutes=11))
    s.undo_entry(learner=guest, entry_id=Review.objects.filter(learner=guest).latest("pk").pk,
                 now=NOW + timedelta(minutes=12))
    rate(guest, deck[2], 4, NOW + timedelta(minutes=13))
    s.save_settings(learner=guest, desired_retention=0.85, new_per_day=5, reviews_per_day=100,
                    learning_steps="2m", relearning_steps="5m", maximum_interval=365, day_start_hour=3,
                    time_zone="Europe/Berlin")
    states, log = states_of(guest), log_of(guest)
    response = client.post("/accounts/signup/", {"username": "grace", "password1": PASSWORD,
                                                 "password2": PASSWORD, "next": "/review/"})
    assert response.status_code == 303 and response["Location"] == "/review/"
    user = User.objects.get(username="grace")
    learner = Learner.objects.get(user=user)
    assert learner.pk == guest.pk and learner.guest_session_key is None  # the same learner, now the user's
    assert states_of(learner) == states and log_of(learner) == log
    assert ReviewSettings.objects.get(learner=learner).time_zone == "Europe/Berlin"
    assert Learner.objects.count() == 1
    for card_state in CardState.objects.filter(learner=learner):
        assert s.replay_card(card_state=card_state) == s.snapshot(card_state)
    assert PENDING_KEY not in client.session and SESSION_KEY not in client.session
    # The session's key is gone from the learner: clearing expired guests leaves it alone.
    assert clear_expired_guests(now=NOW + timedelta(days=400)) == 0


def test_sign_up_without_guest_progress(client, deck):
    client.post("/accounts/signup/", {"username": "grace", "password1": PASSWORD, "password2": PASSWORD})
    assert Learner.objects.count() == 0  # a learner comes with the first stored action


def log_in(client, username="ada", next_url="/review/"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": next_url})


def test_log_in_as_a_guest_without_progress_asks_nothing(client, user):
    make_guest(client)  # a learner row, but nothing stored with it
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert Learner.objects.count() == 0 and PENDING_KEY not in client.session


@pytest.fixture
def overlapping(client, studied_user, deck):
    """ada rated cards 0 and 1 two days and one day ago; the guest rates card 1 (both have it)
    and card 3 (only the guest) today, then logs in as ada."""
    guest = make_guest(client)
    rate(guest, deck[1], 3, NOW - timedelta(days=1, hours=2), session="guest00001")  # before ada's
    rate(guest, deck[1], 4, NOW, session="guest00001")  # after ada's
    rate(guest, deck[3], 2, NOW + timedelta(minutes=1), session="guest00001")
    return guest


def test_log_in_as_a_guest_with_progress_asks_first(client, overlapping, studied_user):
    ada = Learner.objects.get(user=studied_user)
    account_before = (states_of(ada), log_of(ada))
    response = log_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/review/guest-progress/?next=%2Freview%2F"
    assert client.session[PENDING_KEY] == overlapping.pk
    overlapping.refresh_from_db()  # tied to the new session: not cleared as expired meanwhile
    assert overlapping.guest_session_key == client.session.session_key
    page = client.get(response["Location"]).content.decode()
    assert "2 cards" in page and "3 ratings" in page and "1 of these cards is also in your account" in page
    review = client.get("/review/?session=abcdefgh12").content.decode()
    assert "data-pending-guest" in review  # the review page reminds of the choice
    assert (states_of(ada), log_of(ada)) == account_before  # nothing changed before the choice


def test_merge_moves_new_cards_and_replays_shared_ones(client, overlapping, studied_user, deck):
    ada = Learner.objects.get(user=studied_user)
    own_log, guest_log = log_of(ada), log_of(overlapping)
    guest_card3 = states_of(overlapping)[deck[3].pk]
    log_in(client)
    bad = client.post("/review/guest-progress/", {"choice": "both", "next": "/review/"})
    assert bad.status_code == 400 and "Choose to keep or to discard" in bad.content.decode()
    response = client.post("/review/guest-progress/", {"choice": "merge", "next": "/review/"})
    assert response.status_code == 303 and response["Location"] == "/review/"
    assert not Learner.objects.filter(pk=overlapping.pk).exists() and PENDING_KEY not in client.session
    # No review lost: every entry of both logs is ada's now.
    merged = Review.objects.filter(learner=ada)
    assert sorted(merged.values_list("pk", flat=True)) == sorted(e["pk"] for e in own_log + guest_log)
    # Card 3 only the guest had: moved as it was.
    assert states_of(ada)[deck[3].pk][0] == guest_card3[0]
    # Card 1, both had: the state is what rating in time order gives, computed independently by a
    # third learner rating the same card at the same times.
    order = sorted([(e["reviewed_at"], e["rating"]) for e in own_log + guest_log
                    if e["card_state__flashcard"] == deck[1].pk])
    assert [r for _, r in order] == [3, 1, 4]
    witness = Learner.objects.create(user=User.objects.create_user("witness"))
    for when, rating in order:
        rate(witness, deck[1], rating, when)
    shared = CardState.objects.get(learner=ada, flashcard=deck[1])
    assert s.snapshot(shared) == states_of(witness)[deck[1].pk][0]
    assert shared.reps == 3
    # The log replays to the stored state, versions in time order, states before/after consistent.
    for card_state in CardState.objects.filter(learner=ada):
        assert s.replay_card(card_state=card_state) == s.snapshot(card_state)
    entries = list(shared.log.order_by("version_before"))
    assert [e.reviewed_at for e in entries] == [when for when, _ in order]
    assert [(e.version_before, e.version_after) for e in entries] == [(0, 1), (1, 2), (2, 3)]
    assert all(a.state_after == b.state_before for a, b in zip(entries, entries[1:]))
    assert shared.version > 2
    # Undo after the merge restores the merged history's previous state.
    latest = entries[-1]
    outcome = s.undo_entry(learner=ada, entry_id=latest.pk, now=NOW + timedelta(hours=1))
    assert s.snapshot(outcome.card_state) == entries[-2].state_after
    assert s.replay_card(card_state=outcome.card_state) == s.snapshot(outcome.card_state)
    # The account kept its own settings row; the repeated POST changes nothing.
    assert ReviewSettings.objects.filter(learner=ada).count() == 1
    again = client.post("/review/guest-progress/", {"choice": "merge", "next": "/review/"})
    assert again.status_code == 303 and Review.objects.filter(learner=ada).count() == len(own_log + guest_log)


def test_merge_keeps_undone_entries_and_merges_suspend_and_bury(client, studied_user, deck):
    guest = make_guest(client)
    rate(guest, deck[0], 1, NOW - timedelta(days=3))
    s.undo_entry(learner=guest, entry_id=Review.objects.get(learner=guest).pk, now=NOW - timedelta(days=3))
    rate(guest, deck[0], 2, NOW - timedelta(days=3, minutes=-1))
    version = CardState.objects.get(learner=guest, flashcard=deck[0]).version
    s.suspend_card(learner=guest, flashcard=deck[0], version=version, now=NOW)
    ada = Learner.objects.get(user=studied_user)
    log_in(client)
    client.post("/review/guest-progress/", {"choice": "merge"})
    shared = CardState.objects.get(learner=ada, flashcard=deck[0])
    assert shared.suspended and shared.reps == 3  # guest's Hard, then ada's two Goods; the undone Again kept
    assert shared.log.filter(undone=True).count() == 1 and shared.log.count() == 5
    assert s.replay_card(card_state=shared) == s.snapshot(shared)


def test_discard_keeps_the_account_untouched(client, overlapping, studied_user):
    ada = Learner.objects.get(user=studied_user)
    before = (states_of(ada), log_of(ada), list(ReviewSettings.objects.filter(learner=ada).values()))
    log_in(client)
    response = client.post("/review/guest-progress/", {"choice": "discard", "next": "/review/"})
    assert response.status_code == 303
    assert (states_of(ada), log_of(ada), list(ReviewSettings.objects.filter(learner=ada).values())) == before
    assert not Learner.objects.filter(pk=overlapping.pk).exists()
    assert not CardState.objects.filter(learner_id=overlapping.pk).exists()
    assert not Review.objects.filter(learner_id=overlapping.pk).exists()
    assert client.get("/review/guest-progress/").status_code == 302  # nothing left to decide


def test_logging_out_before_choosing_drops_the_unreachable_guest(client, overlapping, studied_user):
    log_in(client)
    client.post("/accounts/logout/")
    assert not Learner.objects.filter(pk=overlapping.pk).exists()
    assert Learner.objects.filter(user=studied_user).exists()


def test_move_owned_rows_keeps_the_targets_unique_rows(studied_user, deck):
    """The generic move: a one-to-one row the target has stays behind; others move."""
    ada = Learner.objects.get(user=studied_user)
    guest = Learner.objects.create(guest_session_key="k" * 32)
    ReviewSettings.objects.create(learner=guest, new_per_day=3)
    rate(guest, deck[4], 3, NOW)  # a card ada has not: moves
    rate(guest, deck[0], 3, NOW)  # a card ada has: stays (unique per learner and card)
    moved = move_owned_rows(source=guest, target=ada, exclude=(Review,))
    assert moved == {"review.CardState": 1}
    assert ReviewSettings.objects.get(learner=ada).new_per_day == 20
    assert CardState.objects.filter(learner=guest).count() == 1


def test_merge_moves_the_guests_other_rows_too(client, studied_user, deck):
    """Rows of other apps (a quiz attempt, a lab run) move to the account with the cards."""
    from studyapp.lab.models import Run
    from studyapp.quiz.models import Attempt

    guest = make_guest(client)
    rate(guest, deck[4], 3, NOW)
    attempt = Attempt.objects.create(learner=guest, requested_length=5, kinds=["choice"])
    run = Run.objects.create(learner=guest, task="adding", settings={}, state=b"", max_steps=10)
    log_in(client)
    page = client.get("/review/guest-progress/").content.decode()
    assert "1 attempt" in page
    client.post("/review/guest-progress/", {"choice": "merge"})
    attempt.refresh_from_db()
    run.refresh_from_db()
    assert attempt.learner == run.learner == Learner.objects.get(user=studied_user)


def test_move_owned_rows_respects_conditional_unique_keys(studied_user):
    """A lab run's start token is unique per learner when set: a colliding one stays behind, an
    unset one (many may share "") moves."""
    from studyapp.lab.models import Run

    ada = Learner.objects.get(user=studied_user)
    guest = Learner.objects.create(guest_session_key="g" * 32)
    make = lambda learner, token: Run.objects.create(learner=learner, task="adding", settings={},  # noqa: E731
                                                     state=b"", max_steps=10, token=token)
    make(ada, "t1"), make(ada, "")
    make(guest, "t1"), make(guest, "t2"), make(guest, "")
    assert move_owned_rows(source=guest, target=ada)["lab.Run"] == 2
    assert sorted(Run.objects.filter(learner=ada).values_list("token", flat=True)) == ["", "", "t1", "t2"]
    assert list(Run.objects.filter(learner=guest).values_list("token", flat=True)) == ["t1"]
