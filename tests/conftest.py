import pytest


@pytest.fixture(autouse=True)
def _plain_static_and_http(settings):
    """Tests serve static files unhashed: the manifest storage needs collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False  # the test client talks plain HTTP


@pytest.fixture
def small_course(db, tmp_path):
    """A two-topic course (hidden state with a card and a question; GRU with a card), loaded."""
    from studyapp.course.loading import load_course

    from .coursefiles import write_course

    return load_course(write_course(tmp_path))
