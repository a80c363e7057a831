"""gunicorn for the study app, behind the buffering nginx of deploy/nginx/.

    gunicorn -c deploy/gunicorn.conf.py          (from the checkout; make serve-prod does this)

nginx reads each request whole (headers and body, with its own timeouts) before passing it on and
buffers each response, so a slow or stalled client never holds a worker: plain sync workers, one
per core, are the right kind. gunicorn listens only where nginx can reach it and nobody else can:
127.0.0.1 or a unix socket (GUNICORN_BIND, e.g. `unix:/run/rnn-study/gunicorn.sock`).

Environment: GUNICORN_BIND (default 127.0.0.1:8001), GUNICORN_WORKERS (workers; default one per
core), plus the site's own settings (studyapp/settings.py), checked here before any worker starts.
"""

import ipaddress
import os
import sys
from pathlib import Path

# One BLAS thread per worker: with one sync worker per core, multi-threaded OpenBLAS products in
# the lab and the demos only fight each other for the same cores. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
os.chdir(CHECKOUT)

from studyapp.startup import load_settings_or_exit  # noqa: E402

# A malformed setting is one message and exit status 2 here, not a worker failing to boot forever.
load_settings_or_exit()


def _loopback_or_socket(address: str) -> str:
    if address.startswith("unix:"):
        return address
    host = address.rsplit(":", 1)[0].strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        print(f"Configuration error: GUNICORN_BIND must be 127.0.0.1:PORT or unix:/path (only the "
              f"proxy talks to gunicorn), not {address!r}", file=sys.stderr)
        raise SystemExit(2)
    return address


def _workers() -> int:
    value = os.environ.get("GUNICORN_WORKERS", "").strip()
    if value == "":
        return len(os.sched_getaffinity(0))  # one per core this process may run on
    if not value.isdigit() or int(value) < 1:
        print(f"Configuration error: GUNICORN_WORKERS must be a whole number of 1 or more, "
              f"not {value!r}", file=sys.stderr)
        raise SystemExit(2)
    return int(value)


wsgi_app = "studyapp.wsgi:application"
bind = [_loopback_or_socket(os.environ.get("GUNICORN_BIND", "127.0.0.1:8001"))]
umask = 0o007  # a unix socket the proxy's group can use, nobody else
workers = _workers()
worker_class = "sync"
preload_app = True  # the app is imported once, before forking; a broken app stops the master
timeout = 30  # a request nginx has already read whole never needs longer (lab steps are < 50 ms)
graceful_timeout = 20
max_requests = 2000  # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 200

# Forwarded headers are believed only from the proxy: X-Forwarded-Proto decides https (and only
# that header, not gunicorn's other two), from loopback peers (a unix socket peer is local too).
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Request limits (nginx enforces tighter ones first).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
access_log_format = '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
