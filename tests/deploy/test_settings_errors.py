"""Settings from the environment: a malformed value is one clear message at start-up, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CLEARED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_HSTS_SECONDS",
           "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "STATIC_ROOT", "GUNICORN_BIND",
           "GUNICORN_WORKERS", "DJANGO_SETTINGS_MODULE"}


def run(command, **env):
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(env)
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=60)


def manage(*args, **env):
    return run([sys.executable, "manage.py", *args], **env)


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SECURE_HSTS_SECONDS", "abc", "SECURE_HSTS_SECONDS must be a whole number of 0 or more, not 'abc'"),
    ("SECURE_HSTS_SECONDS", "-5", "SECURE_HSTS_SECONDS must be a whole number of 0 or more, not '-5'"),
    ("DEBUG", "ture", "DEBUG must be 1 or 0 (or true/false, yes/no, on/off), not 'ture'"),
    ("SECURE_SSL_REDIRECT", "maybe", "SECURE_SSL_REDIRECT must be 1 or 0"),
])
def test_a_malformed_setting_stops_manage_py_with_one_message(variable, value, message):
    result = manage("check", **{variable: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Configuration error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_setting_stops_gunicorn_before_any_worker_starts():
    result = run([str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--check-config"],
                 SECURE_HSTS_SECONDS="abc")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "Configuration error: SECURE_HSTS_SECONDS must be a whole number" in result.stderr


def test_the_wsgi_module_stops_instead_of_raising():
    result = run([sys.executable, "-c", "import studyapp.wsgi"], SECURE_HSTS_SECONDS="12s")
    assert result.returncode == 3  # gunicorn's "worker failed to boot": the server stops
    assert result.stderr.strip() == ("Configuration error: SECURE_HSTS_SECONDS must be a whole "
                                     "number of 0 or more, not '12s'")


@pytest.mark.parametrize(("env", "message"), [
    ({"GUNICORN_BIND": "0.0.0.0:8001"}, "GUNICORN_BIND must be 127.0.0.1:PORT or unix:/path"),
    ({"GUNICORN_BIND": "192.168.1.5:8001"}, "GUNICORN_BIND must be 127.0.0.1:PORT or unix:/path"),
    ({"GUNICORN_WORKERS": "two"}, "GUNICORN_WORKERS must be a whole number of 1 or more, not 'two'"),
])
def test_gunicorn_listens_only_where_the_proxy_can_reach_it(env, message):
    result = run([str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--check-config"], **env)
    assert result.returncode == 2
    assert f"Configuration error: {message}" in result.stderr


def test_the_gunicorn_config_is_valid_and_uses_one_worker_per_core():
    code = ("import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
            "print(c['workers'], c['bind'], c['worker_class'], c['forwarded_allow_ips'])")
    result = run([sys.executable, "-c", code], GUNICORN_BIND="unix:/tmp/rnn-study-test.sock")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(len(os.sched_getaffinity(0))), "['unix:/tmp/rnn-study-test.sock']",
                                     "sync", "127.0.0.1,::1"]
    check = run([str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--check-config"])
    assert check.returncode == 0, check.stderr


def test_static_root_comes_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.STATIC_ROOT)"
    result = manage("shell", "-v", "0", "-c", code, STATIC_ROOT=str(tmp_path / "static"))
    assert result.stdout.strip() == str(tmp_path / "static")
    assert manage("shell", "-v", "0", "-c", code).stdout.strip() == str(ROOT / "staticfiles")
