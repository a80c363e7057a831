"""`make check-prod`: the production stack against slow clients and a log-in flood, on loopback.

    .venv/bin/python deploy/check_prod.py [--start] [--url http://127.0.0.1:8088/]

1. Stalled clients. Opens connections that send half a request and then nothing (a request line
   and one header with no blank line after it; a POST whose body never comes), more of them than
   gunicorn has workers, and shows a normal page is still answered within a second through nginx,
   which holds them itself. For contrast it opens the same connections straight to gunicorn
   (`--app-url`) and shows a page then waits (bounded: it gives up after 2 s, then closes them).
2. Log-in flood. Threads post wrong passwords to /admin/login/ (with a valid CSRF token, so each
   one would cost a PBKDF2 hash) for a bounded time while a sampler fetches a normal page every
   50 ms, and shows that page's p95 stays under 100 ms: nginx answers most of the flood with 429
   and lets at most one log-in per client reach gunicorn at a time.

Loopback only, bounded counts and time (about 30 s). Exit status 0 when both checks pass.
`--start` runs deploy/serve-prod.sh first when nothing answers at --url.
"""

import argparse
import http.client
import ipaddress
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

CHECKOUT = Path(__file__).resolve().parent.parent
PAGE = "/"
LOGIN = "/admin/login/"


def loopback_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not (host == "localhost" or ipaddress.ip_address(host).is_loopback):
        raise SystemExit(f"check_prod only talks to http:// on loopback, not {url!r}")
    return host, parts.port or 80


class Target:
    def __init__(self, url: str):
        self.host, self.port = loopback_address(url)
        self.host_header = f"{self.host}:{self.port}"

    def request(self, method: str, path: str, *, body: str | None = None,
                headers: dict | None = None, timeout: float = 5.0) -> tuple[int, bytes, dict, float]:
        """One request on a fresh connection: status, body, headers, seconds taken."""
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers={"Host": self.host_header, **(headers or {})})
            response = connection.getresponse()
            content = response.read()
            return response.status, content, dict(response.getheaders()), time.perf_counter() - started
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            return self.request("GET", PAGE, timeout=2)[0] == 200
        except OSError:
            return False

    def stall(self, count: int) -> list[socket.socket]:
        """Connections holding half a request: headers without their end, or a body never sent."""
        sockets = []
        for index in range(count):
            sock = socket.create_connection((self.host, self.port), timeout=5)
            if index % 2 == 0:
                sock.sendall(f"GET / HTTP/1.1\r\nHost: {self.host_header}\r\n".encode())
            else:
                sock.sendall(f"POST / HTTP/1.1\r\nHost: {self.host_header}\r\nContent-Type: "
                             f"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nx=".encode())
            sockets.append(sock)
        time.sleep(0.3)  # let the server accept them and start reading
        return sockets


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def check_stalled_clients(proxy: Target, app: Target | None, stalled: int) -> bool:
    print(f"1. {stalled} stalled connections (half-sent headers and bodies that never come)")
    sockets = proxy.stall(stalled)
    timings = []
    try:
        for _ in range(5):
            status, _, _, seconds = proxy.request("GET", PAGE, timeout=5)
            timings.append((status, seconds))
    finally:
        for sock in sockets:
            sock.close()
    worst = max(seconds for _, seconds in timings)
    passed = all(status == 200 for status, _ in timings) and worst < 1.0
    print(f"   through nginx: 5 page loads while they hang, slowest {worst * 1000:.0f} ms "
          f"({'PASS' if passed else 'FAIL'}: each must answer with 200 within 1 s)")
    if app is not None and app.answers():
        sockets = app.stall(stalled)
        try:
            status, _, _, seconds = app.request("GET", PAGE, timeout=2)
            outcome = f"answered in {seconds * 1000:.0f} ms (status {status})"
        except (TimeoutError, socket.timeout):
            outcome = "no answer within 2 s (every sync worker is waiting on a stalled client)"
        finally:
            for sock in sockets:
                sock.close()
        print(f"   for contrast, straight to gunicorn ({app.host_header}): {outcome}")
    return passed


def login_form(target: Target) -> tuple[str, str]:
    status, body, headers, _ = target.request("GET", LOGIN)
    if status != 200:
        raise SystemExit(f"GET {LOGIN} answered {status}")
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not cookie or not token:
        raise SystemExit(f"no CSRF cookie and token on {LOGIN}")
    return cookie.group(1), token.group(1).decode()


def check_login_flood(target: Target, *, threads: int, seconds: float, max_posts: int) -> bool:
    print(f"2. log-in flood: {threads} threads posting wrong passwords to {LOGIN} for {seconds:.0f} s")
    baseline = [target.request("GET", PAGE)[3] for _ in range(20)]
    cookie, token = login_form(target)
    body = urlencode({"csrfmiddlewaretoken": token, "username": "admin", "password": "wrong-password",
                      "next": "/admin/"})
    headers = {"Cookie": f"csrftoken={cookie}", "Origin": f"http://{target.host_header}",
               "Content-Type": "application/x-www-form-urlencoded"}
    statuses: dict[object, int] = {}
    samples: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    posted = [0]

    def flood():
        while time.monotonic() < deadline:
            with lock:
                if posted[0] >= max_posts:
                    return
                posted[0] += 1
            try:
                status = target.request("POST", LOGIN, body=body, headers=headers, timeout=seconds + 5)[0]
            except OSError as error:
                status = type(error).__name__
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    def sample():
        time.sleep(0.5)  # the flood is under way
        while time.monotonic() < deadline:
            try:
                status, _, _, took = target.request("GET", PAGE, timeout=5)
                if status != 200:
                    failures.append(f"status {status}")
                samples.append(took)
            except OSError as error:
                failures.append(type(error).__name__)
            time.sleep(0.05)

    workers = [threading.Thread(target=flood) for _ in range(threads)] + [threading.Thread(target=sample)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    p95 = percentile(samples, 0.95) if samples else float("inf")
    passed = bool(samples) and not failures and p95 < 0.100
    counts = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items(), key=str))
    print(f"   log-in POSTs answered: {counts} (200: the form again with its error; 429: nginx's limit, or django-axes's pause of that address)")
    print(f"   page {PAGE} before: p50 {statistics.median(baseline) * 1000:.1f} ms, "
          f"p95 {percentile(baseline, 0.95) * 1000:.1f} ms")
    if samples:
        print(f"   page {PAGE} during: {len(samples)} loads, p50 {statistics.median(samples) * 1000:.1f} ms, "
              f"p95 {p95 * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
              f"{', failures: ' + ', '.join(failures[:5]) if failures else ''}")
    print(f"   {'PASS' if passed else 'FAIL'}: p95 under 100 ms, every page a 200")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    port = int(os.environ.get("PROD_PORT", "8088"))
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}/", help="nginx, on loopback")
    parser.add_argument("--app-url", default=f"http://127.0.0.1:{port + 1}/",
                        help="gunicorn itself, for the contrast in check 1 ('' to skip)")
    parser.add_argument("--start", action="store_true", help="run deploy/serve-prod.sh if nothing answers")
    parser.add_argument("--stalled", type=int, default=4, help="stalled connections (default 4)")
    parser.add_argument("--threads", type=int, default=8, help="log-in flood threads (default 8)")
    parser.add_argument("--seconds", type=float, default=15, help="log-in flood duration (default 15)")
    parser.add_argument("--max-posts", type=int, default=20000, help="log-in POSTs at most")
    args = parser.parse_args()
    if not 1 <= args.stalled <= 64 or not 1 <= args.threads <= 32 or not 1 <= args.seconds <= 120:
        raise SystemExit("bounded: --stalled 1..64, --threads 1..32, --seconds 1..120")

    proxy = Target(args.url)
    app = Target(args.app_url) if args.app_url else None
    if not proxy.answers():
        if not args.start:
            raise SystemExit(f"nothing answers at {args.url}: start the stack with make serve-prod")
        subprocess.run(["bash", str(CHECKOUT / "deploy" / "serve-prod.sh")], check=True,
                       env={**os.environ, "PROD_PORT": str(proxy.port)})
    print(f"Checking {args.url}")
    results = [check_stalled_clients(proxy, app, args.stalled),
               check_login_flood(proxy, threads=args.threads, seconds=args.seconds, max_posts=args.max_posts)]
    print("All checks passed." if all(results) else "Some checks FAILED.")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
