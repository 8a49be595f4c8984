"""Settings for the test suite: real PostgreSQL and real Redis on loopback."""

from .base import *  # noqa: F403
from .base import FRAGMENT_CACHE, env, env_on_off

SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres"),
}
# Separate names let several test runs share one PostgreSQL server without meeting.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_clinic")}
# The suite empties tables with TRUNCATE between transactional tests; the audit table refuses it
# unless the session says so (clinic/migrations/0005). Only the test settings do.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c clinic.allow_audit_truncate=on"
CACHES = {"default": env.cache("CACHE_URL", default="redis://127.0.0.1:6379/14")}
CACHES["fragments"] = FRAGMENT_CACHE
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files straight from the app folders: no collectstatic step.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# Follow-ups go out at any hour in tests, unless a test turns the quiet hours on.
FOLLOWUP_QUIET_HOURS = env_on_off("FOLLOWUP_QUIET_HOURS", default="off")
# Tests that are about the second factor turn it on for their roles.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])
# seed_demo may write its demo logins and patients here.
DEMO_DATA_ALLOWED = True
