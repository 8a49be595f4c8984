"""Settings for `make run` on a laptop: embedded defaults, nothing to configure."""

import warnings

from celery.exceptions import SecurityWarning

from clinic.local_postgres import database_url as embedded_postgres_url

from .base import *  # noqa: F403
from .base import MAILERS, VAR_DIR, env, env_on_off, postgres_database

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# seed_demo may write its demo logins and patients here.
DEMO_DATA_ALLOWED = True
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-never-in-production")
VAR_DIR.mkdir(exist_ok=True)
# make run's embedded PostgreSQL (data and socket in var/postgres), unless DATABASE_URL is set.
DATABASES = {"default": postgres_database(env("DATABASE_URL", default=embedded_postgres_url()))}
# Static files straight from the app folders: no collectstatic step.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# With no CACHE_URL the cache is per-process memory: fine for one runserver, not for production.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# A demo at 9 pm should still show the follow-up emails in the console; set "on" to try them.
FOLLOWUP_QUIET_HOURS = env_on_off("FOLLOWUP_QUIET_HOURS", default="off")

# The demo signs in with the printed password alone; list roles here to try the second factor.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])
# Passkeys need a secure origin; http://127.0.0.1 is one to browsers, but not to the library.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

# `make run` in a container runs as root, and the Celery worker then warns at length about
# superuser privileges. The danger it names is a root worker unpickling messages; this worker
# accepts JSON only (CELERY_ACCEPT_CONTENT). A deployment runs it as an ordinary user
# (Dockerfile: USER clinic), where the warning is not silenced.
warnings.filterwarnings("ignore", category=SecurityWarning)

# Emails on the console (EMAIL_URL=consolemail://, the default) printed decoded, links whole
# (clinic/console_email.py). Local only: production's check refuses any console backend by name.
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    MAILERS["default"]["BACKEND"] = "clinic.console_email.EmailBackend"

# runserver prints every request with its status ('"GET /staff/duty/ HTTP/1.1" 403 …'); Django's
# own warning for a refused request would say it again. Under make run a 4xx is that one line
# (why it was refused is on the page and in the audit); a 5xx still logs its traceback.
LOGGING["loggers"]["django.request"]["level"] = "ERROR"  # noqa: F405
LOGGING["loggers"]["django.security"] = {"level": "ERROR"}  # noqa: F405
