import pytest


@pytest.fixture(autouse=True)
def _plain_static_and_http(settings):
    """Tests serve static files unhashed (no collectstatic) and over plain HTTP."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
