"""Settings for the RNN study app, read from the environment.

DEBUG          "1" for local development (make run sets it); off by default.
SECRET_KEY     required in production; a development key is used when unset.
ALLOWED_HOSTS  comma-separated host names (defaults to localhost when DEBUG).
DATABASE_URL   e.g. postgres://user@127.0.0.1:5432/rnnstudy; SQLite in the project by default.
STATIC_ROOT    where collectstatic writes (default: staticfiles/ in the checkout).
PLAIN_HTTP     "1" for a plain-HTTP install on a LAN (no https redirect, HSTS or Secure cookies).
TRUSTED_PROXY_ADDRESSES  comma-separated peers whose X-Real-IP header is believed (default
               127.0.0.1,::1,unix: the nginx of deploy/ on loopback or a unix socket).
EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL,
DEFAULT_FROM_EMAIL  SMTP for password-reset mail (README); without EMAIL_HOST under DEBUG, mail
               is printed to the console.
Production switches (SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_PROXY_SSL_HEADER): README.
A malformed value stops start-up with a message naming the variable (studyapp/startup.py).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), "
                                   f"not {os.environ[name]!r}")
    return value in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    if not value.isascii() or not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of 0 or more, "
                                   f"not {os.environ[name]!r}")
    return int(value)


def env_list(name, default=()):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or list(default)


DEBUG = env_bool("DEBUG")
# The fallback is marked insecure so that `check --deploy` flags it if it ever reaches production.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-development-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "studyapp.accounts",
    "studyapp.course",
    "studyapp.review",
    "studyapp.quiz",
    "studyapp.demos",
    "studyapp.lab",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a throttled log-in into its 429 page
]

ROOT_URLCONF = "studyapp.urls"
WSGI_APPLICATION = "studyapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
            "libraries": {"site_plots": "studyapp.plot_tags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "course:topics"
LOGOUT_REDIRECT_URL = "course:topics"
AUTHENTICATION_BACKENDS = [
    "studyapp.accounts.throttling.ThrottleBackend",  # first: refuses a throttled pair or address
    "django.contrib.auth.backends.ModelBackend",
]

# Failed log-ins (studyapp/accounts/throttling.py): 5 for one username from one address, or 20
# for any usernames from one address, within 15 minutes lock that pair (or address) for 15 minutes
# after its last failure. Never a lock on the username alone; never permanent.
AXES_HANDLER = "studyapp.accounts.throttling.PairAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
ACCOUNTS_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait is counted from the last failure
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no record of successful log-ins: a deleted account leaves nothing
AXES_LOCKOUT_CALLABLE = "studyapp.accounts.throttling.locked_out"
AXES_CLIENT_IP_CALLABLE = "studyapp.accounts.throttling.client_address"
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES", ["127.0.0.1", "::1", "unix"])

# Password-reset mail (Django 6.1's MAILERS): SMTP from the environment (README); printed to the
# console under DEBUG when no EMAIL_HOST is set.
if DEBUG and not os.environ.get("EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "use_ssl": env_bool("EMAIL_USE_SSL"),
        "timeout": 10,
    }}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "RNN study <noreply@localhost>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "studyapp.staticfinders.PlotlyFinder",  # vendor/plotly.min.js from the plotly package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CSRF_FAILURE_VIEW = "studyapp.views.csrf_failure"

# The course files, loaded by `manage.py load_course`.
COURSE_DIR = BASE_DIR / "fixtures"

# HTTPS hardening for production (everything but the local development server and a plain-HTTP
# LAN install, PLAIN_HTTP=1, which knowingly goes without it: README "Deploying").
HTTPS = not DEBUG and not env_bool("PLAIN_HTTP")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if not DEBUG and not HTTPS:  # `check --deploy` stays quiet about the https it was told to skip
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
SECURE_REFERRER_POLICY = "same-origin"
# The front-end rules of DESIGN.md, enforced: scripts and styles only from the site's own files.
# The one exception is plotly.js's own stylesheet, which it writes into a <style> element: the
# plot_scripts partial (components.html) creates that element with the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if env_bool("SECURE_PROXY_SSL_HEADER"):
    # Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
