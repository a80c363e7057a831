"""Real-browser tests: Playwright driving Debian's headless Chromium against live_server."""

import os
import shutil

import pytest
from django.test import override_settings

# Sync Playwright runs an event loop in the test thread; Django's ORM calls from it are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (make test installs it when run as root)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(live_server_plain_http, live_server):
    return live_server


@pytest.fixture(scope="session")
def live_server_plain_http():
    """SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the live server builds its
    handler, so plain HTTP has to be set before the server starts, for the whole session."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture
def course(transactional_db, settings):
    """The real course, loaded into the test database."""
    from studyapp.course.loading import load_course

    return load_course(settings.COURSE_DIR)


@pytest.fixture
def console_errors(page):
    """Console errors and failed requests seen by the page; a test asserts it stays empty."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A request the page itself abandoned by navigating on (a font, the favicon) is no error.
    page.on("requestfailed", lambda request: request.failure != "net::ERR_ABORTED"
            and errors.append(f"failed: {request.url} ({request.failure})"))
    return errors
