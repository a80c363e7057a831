import pytest


@pytest.fixture(autouse=True)
def _plain_static_and_http(settings):
    """Tests serve static files unhashed: the manifest storage needs collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False  # the test client talks plain HTTP
    # A fast hash: PBKDF2's 1.5 million rounds per log-in are production's cost, not the tests'.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _axes_reset(request):
    """No test is throttled by another's failed log-ins: axes's records are cleared first."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in names or marker:
        request.getfixturevalue("db")
    else:
        return
    from axes.utils import reset

    reset()


@pytest.fixture
def small_course(db, tmp_path):
    """A two-topic course (hidden state with a card and a question; GRU with a card), loaded."""
    from studyapp.course.loading import load_course

    from .coursefiles import write_course

    return load_course(write_course(tmp_path))
