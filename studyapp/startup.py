"""Start-up guard for the entry points (manage.py, wsgi.py, deploy/gunicorn.conf.py).

A malformed setting in the environment (`SECURE_HSTS_SECONDS=abc`, `DEBUG=ture`) makes the settings
module raise ImproperlyConfigured naming the variable; this turns it into that one message and
an exit status, instead of a traceback (or, under gunicorn, a worker that fails to boot forever).
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def load_settings_or_exit(status: int = 2) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # imports the settings module
    except ImproperlyConfigured as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        raise SystemExit(status) from None
