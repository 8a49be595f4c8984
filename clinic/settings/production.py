"""Production settings: nothing insecure by default; refuses to start without a secret key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    PUBLIC_SECRET_KEYS,
    SECRET_KEY,
    TRUSTED_PROXY_COUNT,
    env,
    mailer_from_url,
    postgres_database,
)

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if SECRET_KEY in PUBLIC_SECRET_KEYS or SECRET_KEY.startswith(("replace-me", "change-me")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the example from the repository: make your own, e.g. "
        'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

DATABASES = {"default": postgres_database(env("DATABASE_URL"))}
DEBUG = False
# X-Forwarded-Proto is believed only from a proxy of the clinic's own, like X-Forwarded-For:
# with none (DJANGO_TRUSTED_PROXY_COUNT 0) a client could claim HTTPS over plain HTTP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Alerts go by email: with no EMAIL_URL they would be printed on a console and marked sent.
EMAIL_URL = env("EMAIL_URL")
MAILERS = {"default": mailer_from_url(EMAIL_URL)}
