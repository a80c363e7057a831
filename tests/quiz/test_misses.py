"""Misses come back (issue 17): a missed question makes exactly its named flashcards due now and
first in the review queue; unseen ones beyond the new-card limit; a quiz_miss log entry (not a
rating) shown in the card's history, replayed as a due-date change; off by a review setting."""

import random
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from studyapp.accounts.models import Learner
from studyapp.course.loading import load_course
from studyapp.course.models import Flashcard, Question, Topic
from studyapp.quiz.attempts import record_answer, start_attempt
from studyapp.quiz.models import Kind
from studyapp.review import scheduling
from studyapp.review.models import CardState, Review


@pytest.fixture
def course(db):
    load_course(django_settings.COURSE_DIR)


@pytest.fixture
def learner(db):
    return Learner.objects.create(guest_session_key="misses-learner")


def gru_quiz(learner, kinds=(Kind.CHOICE,), seed=0):
    return start_attempt(learner=learner, topics=[Topic.objects.get(slug="gru")], length=5, kinds=kinds,
                         rng=random.Random(seed))


def miss(question):
    wrong = question.correct_option % len(question.options) + 1
    return record_answer(question=question, response=str(wrong))


def named_cards(question):
    return set(Question.objects.get(slug=question.source_slug).cards.values_list("slug", flat=True))


def test_a_miss_makes_exactly_the_named_cards_due_now_and_first_in_the_queue(course, learner):
    now = timezone.now()
    # Some review cards of another topic were already overdue: the missed question's cards still come first.
    for card in Flashcard.objects.filter(topic__slug="lstm")[:3]:
        state = scheduling.rate_card(learner=learner, flashcard=card, version=0, rating=Review.EASY,
                                     now=now - timedelta(days=40)).card_state
        assert state.state == CardState.REVIEW and state.due < now
    question = gru_quiz(learner).questions.first()
    recorded = miss(question)
    named = named_cards(question)
    assert named and {card.slug for card in recorded.brought_back} == named

    forward = CardState.objects.filter(learner=learner, brought_forward_at__isnull=False)
    assert {s.flashcard.slug for s in forward} == named
    assert all(s.due <= timezone.now() for s in forward)
    entries = Review.objects.filter(learner=learner, kind=Review.QUIZ_MISS)
    assert {e.flashcard.slug for e in entries} == named
    assert {e.quiz_attempt for e in entries} == {question.attempt_id}
    assert all(e.rating is None and e.reason == "brought forward by a quiz miss" for e in entries)

    queue = scheduling.build_queue(learner=learner, now=timezone.now())
    assert queue.kind == "forward" and queue.card.slug in named
    assert queue.counts.forward == len(named) and queue.counts.forward_new == len(named)
    # Rating them one by one: each next card is the next brought-forward one, then the overdue reviews.
    seen = []
    for _ in named:
        queue = scheduling.build_queue(learner=learner, now=timezone.now())
        seen.append(queue.card.slug)
        scheduling.rate_card(learner=learner, flashcard=queue.card, version=queue.card_state.version,
                             rating=Review.GOOD, now=timezone.now())
    assert set(seen) == named
    after = scheduling.build_queue(learner=learner, now=timezone.now())
    assert after.kind == "learning" or after.card.topic.slug == "lstm"
    assert after.counts.forward == 0


def test_unseen_cards_brought_forward_go_beyond_the_new_card_limit(course, learner):
    scheduling.save_settings(learner=learner, desired_retention=0.9, new_per_day=0, reviews_per_day=200,
                             learning_steps="1m 10m", relearning_steps="10m", maximum_interval=36500,
                             day_start_hour=4, time_zone="UTC")
    assert scheduling.build_queue(learner=learner, now=timezone.now()).card is None
    question = gru_quiz(learner).questions.first()
    miss(question)
    queue = scheduling.build_queue(learner=learner, now=timezone.now())
    assert queue.card is not None and queue.card.slug in named_cards(question)
    assert queue.counts.new == 0 and queue.counts.forward_new == len(named_cards(question))
    rated = scheduling.rate_card(learner=learner, flashcard=queue.card, version=queue.card_state.version,
                                 rating=Review.GOOD, now=timezone.now())
    assert rated.entry.reason == "brought forward by a quiz miss"  # does not use up a new card of the day
    assert rated.card_state.brought_forward_at is None


def test_a_right_or_near_answer_brings_nothing_back_and_a_repeat_brings_nothing_twice(course, learner):
    attempt = gru_quiz(learner)
    first, second = attempt.questions.all()[:2]
    record_answer(question=first, response=str(first.correct_option))
    assert not Review.objects.exists()
    miss(second)
    count = Review.objects.count()
    miss(second)  # the identical answer again: the recorded one, nothing more
    assert Review.objects.count() == count
    again = gru_quiz(learner, seed=5)
    for question in again.questions.all():
        if question.source_slug == second.source_slug:
            miss(question)  # already brought forward and not rated since: no second entry
    assert Review.objects.filter(flashcard__slug__in=named_cards(second)).count() == len(named_cards(second))


def test_a_term_miss_brings_back_its_own_card(course, learner):
    attempt = gru_quiz(learner, kinds=(Kind.TERM,))
    question = attempt.questions.first()
    recorded = record_answer(question=question, response="certainly not the term")
    assert [card.slug for card in recorded.brought_back] == [question.source_slug]


def test_without_named_cards_the_topics_least_retrievable_cards_stand_in(course, learner):
    question = gru_quiz(learner).questions.first()
    Question.objects.get(slug=question.source_slug).cards.clear()
    now = timezone.now()
    gru_cards = list(Flashcard.objects.filter(topic__slug="gru").order_by("position"))
    # All but two cards learnt (well recalled now); of the two left, one is learnt long ago.
    for card in gru_cards[2:]:
        scheduling.rate_card(learner=learner, flashcard=card, version=0, rating=Review.EASY, now=now)
    old = scheduling.rate_card(learner=learner, flashcard=gru_cards[2], version=1, rating=Review.AGAIN,
                               now=now)
    assert old.card_state.state in (CardState.LEARNING, CardState.RELEARNING, CardState.REVIEW)
    settings = scheduling.settings_for(learner=learner)
    by_r = sorted(gru_cards, key=lambda c: (scheduling.retrievability(
        card_state=CardState.objects.filter(learner=learner, flashcard=c).first(), settings=settings, now=now),
        c.position))
    recorded = miss(question)
    assert [c.slug for c in recorded.brought_back] == [c.slug for c in by_r[:3]]
    assert {c.slug for c in recorded.brought_back[:2]} == {gru_cards[0].slug, gru_cards[1].slug}  # unseen: 0


def test_turning_it_off_stops_it(course, learner, client):
    scheduling.save_settings(learner=learner, desired_retention=0.9, new_per_day=20, reviews_per_day=200,
                             learning_steps="1m 10m", relearning_steps="10m", maximum_interval=36500,
                             day_start_hour=4, time_zone="UTC", quiz_misses=False)
    recorded = miss(gru_quiz(learner).questions.first())
    assert recorded.brought_back == () and not Review.objects.exists()


def test_the_setting_is_on_the_settings_page_and_saves(course, client):
    page = client.get("/review/settings/").content.decode()
    assert 'name="quiz_misses"' in page and "checked" in page.split('name="quiz_misses"')[1][:40]
    data = {"desired_retention": "0.9", "new_per_day": "20", "reviews_per_day": "200",
            "learning_steps": "1m 10m", "relearning_steps": "10m", "maximum_interval": "36500",
            "day_start_hour": "4", "time_zone": "UTC"}  # the box unticked
    assert client.post("/review/settings/", data).status_code == 303
    learner = Learner.objects.get()
    assert scheduling.settings_for(learner=learner).quiz_misses is False
    client.post("/quiz/", {"topics": ["gru"], "length": 5, "kinds": ["choice"]})
    question = learner.quiz_attempts.get().questions.first()
    wrong = question.correct_option % 4 + 1
    client.post(f"/quiz/{question.attempt_id}/1/", {"option": wrong}, headers={"HX-Request": "true"})
    assert not Review.objects.exists()


def test_a_guest_misses_by_htmx_sees_the_cards_and_finds_them_in_history_not_in_ratings(course, client):
    client.post("/quiz/", {"topics": ["gru"], "length": 5, "kinds": ["choice"]})
    learner = Learner.objects.get()
    assert learner.is_guest
    question = learner.quiz_attempts.get().questions.first()
    wrong = question.correct_option % 4 + 1
    response = client.post(f"/quiz/{question.attempt_id}/1/", {"option": wrong},
                           headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "Back in your reviews" in html
    named = named_cards(question)
    card = Flashcard.objects.get(slug=sorted(named)[0])
    history = client.get(f"/review/cards/{card.slug}/").content.decode()
    assert "Brought forward by a quiz miss" in history and f"/quiz/{question.attempt_id}/results/" in history
    review_page = client.get("/review/", follow=True).content.decode()
    assert "from quiz misses" in review_page and "beyond today" in review_page
    assert not Review.objects.ratings().exists()  # the reviews proper (what a CSV holds): none
    results = client.get(f"/quiz/{question.attempt_id}/results/").content.decode()
    assert f"brought {len(named)} flashcard" in results


def test_a_quiz_miss_replays_as_a_due_date_change_and_undoes(course, learner):
    question = gru_quiz(learner).questions.first()
    miss(question)
    state = CardState.objects.filter(learner=learner, brought_forward_at__isnull=False).first()
    assert scheduling.replay_card(card_state=state) == scheduling.snapshot(state)
    rated = scheduling.rate_card(learner=learner, flashcard=state.flashcard, version=state.version,
                                 rating=Review.GOOD, now=timezone.now())
    assert scheduling.replay_card(card_state=rated.card_state) == scheduling.snapshot(rated.card_state)
    # A review card brought forward, replayed: the miss sets the due date, the rating is through fsrs.
    later = timezone.now() + timedelta(days=30)
    card = Flashcard.objects.get(slug=state.flashcard.slug)
    entry = Review.objects.get(learner=learner, flashcard=card, kind=Review.QUIZ_MISS)
    assert scheduling.replay_entry(state=entry.state_before, entry=entry, card_slug=card.slug)["due"] \
        == entry.state_after["due"]
    undone = scheduling.undo_entry(learner=learner, entry_id=rated.entry.pk, now=later)
    assert undone.card_state.brought_forward_at is not None
    undone = scheduling.undo_entry(learner=learner, entry_id=entry.pk, now=later)
    assert undone.card_state.brought_forward_at is None and undone.card_state.state == CardState.NEW


def test_the_card_history_page_is_the_learners_own(course, client):
    card = Flashcard.objects.get(slug="gru-update-gate")
    page = client.get(f"/review/cards/{card.slug}/")
    assert page.status_code == 200 and "You have not studied this card yet" in page.content.decode()
    assert client.get("/review/cards/no-such-card/").status_code == 404


def test_the_course_pages_count_cards_brought_forward_as_due(course, learner):
    question = gru_quiz(learner).questions.first()
    miss(question)
    gru = Topic.objects.get(slug="gru")
    counts = scheduling.due_counts_by_topic(learner=learner, now=timezone.now())[gru.pk]
    assert counts.forward == len(named_cards(question)) == counts.due
    topic_queue = scheduling.build_queue(learner=learner, topic=gru, now=timezone.now())
    assert topic_queue.kind == "forward" and topic_queue.counts.forward == counts.forward
