"""The learner's data at the size of a real log: import, export and optimisation times.

    python -m studyapp.review.bench_data [--log PATH]

Run by `make bench`. Like `review.bench`, a throwaway database (DATABASE_URL when set, else a
fresh SQLite file): one flashcard per card id of the log (the shared `review_log_12580.csv`,
12,580 reviews of 1,205 cards; the test slice when it is missing), then one learner imports the
whole log (parse, preview, apply), imports it again (adds nothing), exports it as CSV and JSON,
a second learner imports that CSV and restores that JSON, and the optimiser fits and evaluates.
The issue's budget for each: under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .bench import DEFAULT_LOG, FALLBACK_LOG, _setup_django

BUDGET_S = 2.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG if DEFAULT_LOG.exists() else FALLBACK_LOG)
    args = parser.parse_args(argv)
    database = _setup_django()

    from django.contrib.auth import get_user_model

    from studyapp.accounts.models import Learner
    from studyapp.course.models import Flashcard, Source, Topic

    from . import exports, imports, optimizer, restore

    data = args.log.read_bytes()
    ids = list(dict.fromkeys(row["card_id"] for row in csv.DictReader(args.log.open())))
    source = Source.objects.create(key="bench-data", title="Benchmark", filename="bench.txt")
    topics = [Topic.objects.create(slug=f"bench-data-{t}", title=f"Bench {t}", summary="", order=t, source_path="")
              for t in range(10)]
    Flashcard.objects.bulk_create(Flashcard(slug=card_id, topic=topics[i % 10], position=i + 1, source=source,
                                            front=f"Front {i}", back=f"Back {i}") for i, card_id in enumerate(ids))
    users = get_user_model().objects
    ada = Learner.objects.create(user=users.create_user(f"bench-data-a-{time.time_ns()}"))
    bob = Learner.objects.create(user=users.create_user(f"bench-data-b-{time.time_ns()}"))
    cyd = Learner.objects.create(user=users.create_user(f"bench-data-c-{time.time_ns()}"))
    now = datetime.now(UTC)
    print(f"data bench: {args.log.name} ({len(data) / 1e6:.1f} MB, {len(ids)} cards); database {database.split('://')[0]}")
    results = []

    def timed(name, function):
        started = time.perf_counter()
        value = function()
        results.append((name, time.perf_counter() - started))
        return value

    def import_into(learner, payload):
        parsed = imports.parse_log(data=payload, now=now)
        imports.plan_log(learner=learner, parsed=parsed)
        return imports.apply_log(learner=learner, parsed=parsed, digest=parsed.digest)

    applied = timed("CSV import (parse, preview, apply)", lambda: import_into(ada, data))
    again = timed("the same CSV again (adds nothing)", lambda: import_into(ada, data))
    exported = timed("CSV export", lambda: "".join(exports.csv_lines(learner=ada)).encode())
    backup = timed("JSON export (everything)", lambda: "".join(exports.json_pieces(learner=ada, now=now)).encode())
    timed("exported CSV into a second account", lambda: import_into(bob, exported))
    timed("JSON restore into a third account", lambda: restore.restore_backup(learner=cyd, data=backup))
    fit = timed("optimise (fit + held-out evaluation)", lambda: optimizer.fit(learner=ada))
    timed("apply parameters, due dates recomputed",
          lambda: optimizer.apply_parameters(learner=ada, parameters=fit.parameters, reschedule=True, now=now))
    print(f"  imported {applied.added} reviews of {applied.cards} cards; again: {again.added} added, "
          f"{again.already} already there; backup {len(backup) / 1e6:.1f} MB")
    print(f"  held-out log loss {fit.default.log_loss:.4f} default, {fit.fitted.log_loss:.4f} fitted; "
          f"RMSE(bins) {fit.default.rmse_bins:.4f} / {fit.fitted.rmse_bins:.4f} on {fit.default.count} reviews")
    print(f"  {'operation':42} {'seconds':>8}")
    for name, seconds in results:
        flag = "" if seconds < BUDGET_S else f"  (over the {BUDGET_S:.0f} s budget)"
        print(f"  {name:42} {seconds:8.2f}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
