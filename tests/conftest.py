import pytest


@pytest.fixture(autouse=True)
def _plain_static_and_http(settings):
    """Tests serve static files unhashed: the manifest storage needs collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False  # the test client talks plain HTTP
