"""How long a demo recompute takes: view and render included, through Django's test client.

    DJANGO_SETTINGS_MODULE=studyapp.settings python -m studyapp.demos.bench [--rounds N]

For each demo, at its defaults and at its bounds (the largest sizes the form offers), it times
the htmx recompute (the results partial, what a learner waits for while typing) and the whole
page, and prints p50 and p95 in ms; a trivial view (an empty response through the same client
and middleware) is timed in the same run as the reference, so a busy machine shows up in it.
The target: p95 of the recompute under 50 ms at the bounds. The database is an in-memory SQLite
with the course loaded (the demo pages read the topic for their breadcrumbs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

BUDGET_MS = 50.0

# The costliest parameters each form offers (checked against the forms' bounds when run).
AT_BOUNDS = {
    "feedforward-vs-recurrent": {"D": "max", "H": "max", "T": "max", "k": "max"},
    "hidden-state": {"D": "max", "H": "max", "Q": "max"},
    "lstm-cell": {"D": "max", "H": "max", "T": "max"},
    "gru-cell": {"D": "max", "H": "max", "T": "max"},
    "forward-propagation": {"D": "max", "H": "max", "T": "max"},
    "bidirectional-stacked": {"directions": "max", "layers": "max", "T": "max", "D": "max",
                              "H": "max"},
    "activation-functions": {"T": "max", "Q": "max", "span": "max"},
    "losses": {"mse_Q": "max", "Q": "max", "T": "max", "letters": "max", "target": "abc"},
    "vanishing-gradients": {"T": "max", "H": "max", "D": "max", "rho": "max", "steps": "max",
                            "train_T": "max", "train_H": "max", "batch": "max"},
}


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    os.environ["DATABASE_URL"] = "sqlite://:memory:"      # never the site's own database
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    settings.DEBUG = False
    # Static URLs unhashed (the manifest needs collectstatic first), as in the tests.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)
    from studyapp.course.loading import load_course

    load_course(settings.COURSE_DIR)


def _bounds_params(demo) -> dict:
    """AT_BOUNDS with 'max' resolved from the form's own fields."""
    params = {}
    for name, value in AT_BOUNDS[demo.slug].items():
        field = demo.form_class.base_fields[name]
        if value == "max":
            if hasattr(field, "choices") and not hasattr(field, "max_value"):
                value = max(int(choice) for choice, _ in field.choices)
            else:
                value = field.max_value
        params[name] = value
    return params


def _time(client, url: str, headers: dict, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU times in ms of `rounds` requests (after one to warm up)."""
    response = client.get(url, headers=headers)              # warm caches, check it works
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url, headers=headers)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60, help="requests per case (default 60)")
    args = parser.parse_args(argv)
    _setup()
    from urllib.parse import urlencode

    from django.http import HttpResponse
    from django.test import Client
    from django.urls import get_resolver, path

    from studyapp.demos import catalogue

    # The reference: the cheapest view the same client and middleware can serve, added to the
    # site's own URLs (through the resolver: demos never import the site's urls module).
    get_resolver().url_patterns.append(path("__bench_trivial__/", lambda request: HttpResponse("ok")))
    client = Client()
    htmx = {"HX-Request": "true", "HX-Target": "demo-results"}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Demo recompute, view + render, Django test client; {args.rounds} requests per case; "
          f"load average {load:.2f}; at the bounds of studyapp/demos/bounds.py "
          f"(rnncore.product_bounds, narrowed where a page needs)")
    print("wall: elapsed time per request; cpu: this process's CPU time (what the request costs "
          "when it does not wait for a busy machine)")
    print(f"{'demo':<22} {'case':<9} {'request':<8} {'wall p50':>9} {'wall p95':>9} "
          f"{'cpu p50':>8} {'cpu p95':>8}   (ms)")
    over = []
    rows = [("trivial view", "-", "page", "/__bench_trivial__/", {})]
    for demo in catalogue.DEMOS:
        for case, params in (("defaults", {}), ("bounds", _bounds_params(demo))):
            url = demo.get_absolute_url() + (f"?{urlencode(params)}" if params else "")
            rows.append((demo.slug, case, "htmx", url, htmx))
            rows.append((demo.slug, case, "page", url, {}))
    rows.append(("trivial view", "-", "page", "/__bench_trivial__/", {}))
    for name, case, kind, url, headers in rows:
        wall, cpu = _time(client, url, headers, args.rounds)
        p50, p95 = _percentiles(wall)
        cpu50, cpu95 = _percentiles(cpu)
        flag = ""
        if kind == "htmx" and case == "bounds" and p95 > BUDGET_MS:
            flag = f"  over {BUDGET_MS:.0f} ms"
            over.append(name)
        print(f"{name:<22} {case:<9} {kind:<8} {p50:9.2f} {p95:9.2f} {cpu50:8.2f} {cpu95:8.2f}{flag}")
    if over:
        print(f"p95 over budget at the bounds: {', '.join(over)} (a busy machine inflates every "
              f"figure: compare with the trivial view)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
