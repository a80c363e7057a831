"""Review at scale: one learner with 2,000 cards and 50,000 reviews, built from a real log
(one review session per day of it).

    python -m studyapp.review.bench [--log PATH] [--cards 2000] [--reviews 50000]

Run by `make bench`. Uses DATABASE_URL when set (e.g. PostgreSQL), else a fresh SQLite file in
a temporary directory; it migrates that database and fills it, so never point it at a database
you care about. The log (the project's shared `review_log_12580.csv`: 12,580 real reviews of
1,205 cards) is laid end to end four times, 200 days apart and on shifted cards, to reach the
sizes; every review goes through `scheduling.apply_rating` (fsrs with the seeded fuzz) and is
stored as the app stores it, so the log replays to the states. Reported: the time and the number
of queries of the queue, the per-topic counts, the review page, a rating and an undo, and of the
statistics pages (with their p95, beside a trivial view timed in the same run).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LOG = ROOT.parent / "shared" / "data" / "review_log_12580.csv"
FALLBACK_LOG = ROOT / "tests" / "review" / "data" / "review_log_slice.csv"
STATS_P95_BUDGET_MS = 200.0


def _setup_django() -> str:
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="review-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def _read_log(path: Path) -> list[tuple[str, int, datetime, int]]:
    with path.open() as handle:
        return [(row["card_id"], int(row["review_rating"]), datetime.fromisoformat(row["review_time"]),
                 int(row["review_duration"])) for row in csv.DictReader(handle)]


def build(*, log: list, cards: int, reviews: int):
    """A topic of `cards` flashcards and a learner with `reviews` reviews of them."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from studyapp.accounts.models import Learner
    from studyapp.course.models import Flashcard, Source, Topic

    from . import scheduling
    from .models import CardState, Review, ReviewSettings

    with transaction.atomic():
        source = Source.objects.create(key="bench", title="Benchmark", filename="bench.txt")
        topics = [Topic.objects.create(slug=f"bench-{t}", title=f"Bench {t}", summary="", order=t,
                                       source_path="") for t in range(10)]
        per_topic = -(-cards // len(topics))
        flashcards = Flashcard.objects.bulk_create(
            Flashcard(slug=f"bench-card-{i}", topic=topics[i // per_topic], position=i % per_topic + 1,
                      source=source, front=f"Front {i}", back=f"Back {i}") for i in range(cards))
        user = get_user_model().objects.create_user(f"bench-{time.time_ns()}")
        learner = Learner.objects.create(user=user)
        settings = ReviewSettings.objects.create(learner=learner, time_zone="Europe/Berlin")
    scheduler_settings = scheduling.SchedulerSettings.of(settings)

    ids = list(dict.fromkeys(row[0] for row in log))
    index = {card_id: i for i, card_id in enumerate(ids)}
    span = max(row[2] for row in log) - min(row[2] for row in log) + timedelta(days=10)
    events = []
    copies = -(-reviews // len(log))
    offset = cards // max(copies, 1)
    for copy in range(copies):
        for card_id, rating, when, duration in log:
            events.append((when + copy * span, (index[card_id] + copy * offset) % cards, rating, duration))
    events.sort(key=lambda e: (e[0], e[1]))
    events = events[:reviews]

    started = time.perf_counter()
    states = {}
    rows = []
    for when, card_index, rating, duration in events:
        flashcard = flashcards[card_index]
        before = states.get(card_index) or scheduling.snapshot(None)
        after = {**scheduling.apply_rating(state=before, rating=rating, now=when, settings=scheduler_settings,
                                           card_slug=flashcard.slug), "buried_until": None}
        version = before["reps"]
        rows.append((card_index, Review(
            learner=learner, flashcard=flashcard, kind=Review.RATING, rating=rating, reviewed_at=when,
            duration_ms=min(duration, scheduling.MAX_DURATION_MS), before_state=before["state"],
            state_before=before, state_after=after, settings=scheduler_settings.to_dict(),
            version_before=version, version_after=version + 1, session=f"bench{when:%Y%m%d}",
            interval_before=scheduling.interval_days(before))))
        states[card_index] = after
    scheduled = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        card_states = {}
        for card_index, data in states.items():
            state = CardState(learner=learner, flashcard=flashcards[card_index], version=data["reps"])
            scheduling._restore(state, data)
            card_states[card_index] = state
        CardState.objects.bulk_create(card_states.values(), batch_size=500)
        for card_index, review in rows:
            review.card_state = card_states[card_index]
        Review.objects.bulk_create([review for _, review in rows], batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics and (PostgreSQL) the visibility map that index-only scans need, as a
        # live database has them once autovacuum has seen the bulk load.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    stored = time.perf_counter() - started
    return learner, topics, events, scheduled, stored


def _timed(function, repeat, p95=False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
    if p95:
        return statistics.median(times), queries, statistics.quantiles(times, n=20)[-1]
    return statistics.median(times), queries


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG if DEFAULT_LOG.exists() else FALLBACK_LOG)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    database = _setup_django()

    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from . import scheduling
    from .models import CardState, Review

    setup_test_environment()  # the test client, on this throwaway database
    log = _read_log(args.log)
    print(f"review bench: {args.cards} cards, {args.reviews} reviews from {args.log.name} "
          f"({len(log)} real reviews); database {database.split('://')[0]}")
    learner, topics, events, scheduled, stored = build(log=log, cards=args.cards, reviews=args.reviews)
    print(f"  scheduled {len(events)} reviews through fsrs in {scheduled:.2f} s "
          f"({len(events) / scheduled:,.0f} reviews/s); stored in {stored:.2f} s")
    print(f"  card states {CardState.objects.filter(learner=learner).count()}, "
          f"reviews {Review.objects.filter(learner=learner).count()}")

    now = events[-1][0] + timedelta(hours=12)
    results = []
    results.append(("queue (whole course)", *_timed(lambda: scheduling.build_queue(learner=learner, now=now), args.repeat)))
    results.append(("queue (one topic)",
                    *_timed(lambda: scheduling.build_queue(learner=learner, topic=topics[3], now=now), args.repeat)))
    results.append(("due counts per topic", *_timed(lambda: scheduling.due_counts_by_topic(learner=learner, now=now), args.repeat)))
    busiest = Review.objects.filter(learner=learner).values("session").annotate(n=Count("pk")).order_by("-n").first()
    results.append((f"session summary ({busiest['n']} answers)",
                    *_timed(lambda: scheduling.session_summary(learner=learner, session=busiest["session"]), args.repeat)))

    def rate_and_undo():
        queue = scheduling.build_queue(learner=learner, now=now)
        outcome = scheduling.rate_card(learner=learner, flashcard=queue.card, rating=3, now=now,
                                       version=queue.card_state.version if queue.card_state else 0,
                                       session="bench-rate")
        scheduling.undo_entry(learner=learner, entry_id=outcome.entry.pk, now=now)

    results.append(("queue + rating + undo", *_timed(rate_and_undo, args.repeat)))

    import warnings

    from django.test import override_settings

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    from django.conf import settings as django_settings

    plain_http = override_settings(SECURE_SSL_REDIRECT=False, STORAGES={
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})
    plain_http.enable()
    client = Client()
    client.force_login(learner.user)
    assert client.get("/review/?session=benchsession").status_code == 200
    from . import views

    views._now = lambda: now
    results.append(("review page (GET, whole request)",
                    *_timed(lambda: client.get("/review/?session=benchsession"), args.repeat)))
    results.append(("home page with due counts", *_timed(lambda: client.get("/"), args.repeat)))

    # The statistics pages, each with its p95, beside a trivial view timed in the same run.
    from . import statistics as review_statistics

    card_slug = (CardState.objects.filter(learner=learner).order_by("-reps").values_list("flashcard__slug", flat=True)
                 .first())
    assert client.get("/review/stats/").status_code == 200
    stats_pages = [("statistics computed (no page)", lambda: review_statistics.learner_statistics(learner=learner, now=now)),
                   ("statistics page (GET, whole request)", lambda: client.get("/review/stats/")),
                   ("topic statistics page (GET)", lambda: client.get(f"/review/stats/topics/{topics[3].slug}/")),
                   ("card history page (GET)", lambda: client.get(f"/review/cards/{card_slug}/")),
                   ("trivial view (GET /favicon.ico)", lambda: client.get("/favicon.ico"))]
    p95 = {}
    for name, function in stats_pages:
        median, queries, worst = _timed(function, max(args.repeat, 40), p95=True)
        results.append((name, median, queries))
        p95[name] = worst

    sample = list(CardState.objects.filter(learner=learner).order_by("?")[:50])
    started = time.perf_counter()
    mismatches = sum(scheduling.replay_card(card_state=state) != scheduling.snapshot(state) for state in sample)
    replay_ms = (time.perf_counter() - started) * 1000 / len(sample)

    print(f"  {'operation':36} {'median ms':>10} {'queries':>8}")
    for name, ms, queries in results:
        print(f"  {name:36} {ms:10.2f} {queries:8d}")
    print("  p95 ms: " + "; ".join(f"{name.split(' (')[0]} {ms:.1f}" for name, ms in p95.items())
          + f" (the budget: the statistics page under {STATS_P95_BUDGET_MS:.0f} ms at p95; this run "
            f"{p95['statistics page (GET, whole request)'] / STATS_P95_BUDGET_MS:.2f} of it)")
    print(f"  replay of one card's log: {replay_ms:.2f} ms on average; {mismatches} of {len(sample)} "
          "sampled cards differ from their stored state")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
