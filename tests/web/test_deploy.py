"""Production settings: `manage.py check --deploy` is clean with the documented environment."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )


def test_check_deploy_reports_nothing():
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("'", "").replace('"', "")
    key = "".join(secrets.choice(alphabet) for _ in range(50))
    result = run_check(DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="rnn.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_the_development_key():
    result = run_check(DEBUG="0", ALLOWED_HOSTS="rnn.example.org")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
