"""WSGI entry point: `gunicorn -c deploy/gunicorn.conf.py` (or `gunicorn studyapp.wsgi`)."""
import os

from django.core.wsgi import get_wsgi_application

from studyapp.startup import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
# 3 is gunicorn's "worker failed to boot": the server stops instead of restarting the worker.
load_settings_or_exit(status=3)
application = get_wsgi_application()
