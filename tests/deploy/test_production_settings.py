"""The two production shapes of the README: HTTPS behind the proxy, and plain HTTP on a LAN."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 20 + "QpW3x9LmZr7Tb2Nc8Vd5Hy4Jf6Gs1Ka0Ue"


def settings_of(**env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DEBUG", "PLAIN_HTTP", "SECURE_PROXY_SSL_HEADER", "DJANGO_ALLOW_ASYNC_UNSAFE",
                                "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    environment.update(SECRET_KEY=KEY, ALLOWED_HOSTS="rnn.example.org", **env)
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    shell = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT,
                           env=environment, capture_output=True, text=True, timeout=60)
    check = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                           cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    return shell.stdout.strip(), check


def test_https_behind_the_proxy():
    values, check = settings_of(DEBUG="0", SECURE_PROXY_SSL_HEADER="1")
    assert values == "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert check.returncode == 0 and "no issues (0 silenced)" in check.stdout, check.stdout + check.stderr


def test_plain_http_on_a_lan_has_no_https_parts_and_says_so():
    values, check = settings_of(DEBUG="0", PLAIN_HTTP="1")
    assert values == "False False False 0 None"
    # check --deploy still guards the key, DEBUG and hosts; the four https warnings are silenced.
    assert check.returncode == 0 and "no issues (4 silenced)" in check.stdout, check.stdout + check.stderr
