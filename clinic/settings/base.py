"""Settings shared by every environment; each value that differs comes from the environment."""

from pathlib import Path

import environ
import jinja2
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# Whether `seed_demo` may write demo logins and patients (known passwords, invented people):
# never in a clinic's database. local and test say yes; production keeps no (seed_demo --force
# is for a throwaway deployment, such as make bench's).
DEMO_DATA_ALLOWED = False

env = environ.Env()


def env_on_off(name: str, default: str) -> bool:
    """An on/off switch from the environment; any other value stops the start, loudly."""
    value = env.str(name, default=default).strip().lower()
    if value not in ("on", "off"):
        raise ImproperlyConfigured(f"{name} must be on or off, not {value!r}")
    return value == "on"


SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Keys printed in the repository: the .env.example placeholder and the local settings' default.
# Anyone could sign sessions with them; production refuses them (tests/test_deployment.py keeps
# this list true).
PUBLIC_SECRET_KEYS = {
    "replace-me-with-50-or-more-random-characters",
    "local-only-insecure-key-never-in-production",
}
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_ratelimit",
    "bootstrap",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "clinic",
    "intake",
    "followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a body: oversized posts to the sign-in pages get a 413 unread.
    "clinic.accounts.middleware.sign_in_body_limit",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Outside CSRF and the role checks, so it sees every 403 they answer.
    "clinic.audit.refusals",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinic.accounts.middleware.session_lifetime",
    "clinic.accounts.middleware.second_factor_required",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
                "clinic.context_processors.outbox",
            ],
        },
    },
    {
        # The triage queue's live part only (templates/jinja2/): up to a hundred rows a page,
        # polled every 15 s by every practitioner, printed several times faster than by the
        # Django template language (bench/run.py). Autoescaped; an undefined name is an error.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"undefined": jinja2.StrictUndefined},
    },
]


def postgres_database(url: str) -> dict:
    """DATABASES["default"] for a postgres:// URL: PostgreSQL is the only engine the app runs on.

    Each environment's settings name the URL: DATABASE_URL, or their own default.
    """
    config = environ.Env.db_url_config(url)
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL: postgres://...")
    # libpq's ?host=/a/directory names a unix socket's directory: Django reads it from HOST.
    config["HOST"] = config["HOST"] or config.get("OPTIONS", {}).pop("host", "")
    config["ATOMIC_REQUESTS"] = False
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Rendered page parts that are the same for everyone (the queue's filter form), kept in
# each process's memory: nothing personal, and no round trip to Redis.
FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
CACHES["fragments"] = FRAGMENT_CACHE

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

# Staff accounts (django-allauth: sign-in, second factor, sessions). Staff sign in with a
# username; nobody signs themselves up and there is no emailed password reset: a clinic admin
# sets a colleague's password (`/staff/accounts/`) or `manage.py create_staff` makes one.
ACCOUNT_ADAPTER = "clinic.accounts.adapter.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # the session cookie ends with the browser
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_TIMEOUT = 5 * 60  # between the password and the second factor
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Sign-in throttling: failures per account (the username typed, known or not, so an unknown
# name is locked exactly like a real one) and per client address, within SIGNIN_LOCKOUT_MINUTES.
SIGNIN_FAILURES_PER_ACCOUNT = env.int("SIGNIN_FAILURES_PER_ACCOUNT", default=5)
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=20)
SIGNIN_LOCKOUT_MINUTES = env.int("SIGNIN_LOCKOUT_MINUTES", default=15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{SIGNIN_FAILURES_PER_ADDRESS}/{SIGNIN_LOCKOUT_MINUTES}m/ip,"
        f"{SIGNIN_FAILURES_PER_ACCOUNT}/{SIGNIN_LOCKOUT_MINUTES}m/key"
    ),
    "login": "30/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Bodies posted to the sign-in, second-factor and password pages (a few fields, or a passkey's
# signed response) above this many bytes are refused with 413, before anything reads them.
SIGNIN_MAX_BODY_BYTES = env.int("SIGNIN_MAX_BODY_BYTES", default=8 * 1024)

# Second factor: an authenticator app (TOTP), passkeys / security keys (WebAuthn) and one-time
# recovery codes. Required for the roles listed (production default: practitioners and clinic
# admins); until one is set up, those staff are sent to set it up from every staff page.
MFA_ADAPTER = "clinic.accounts.adapter.StaffMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False  # a passkey is a second factor here, not a password
MFA_TOTP_ISSUER = env("CLINIC_NAME", default="Back Pain Clinic")
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["practitioner", "clinic_admin"])

# Sessions: signed out after SESSION_IDLE_MINUTES without a page opened or a form sent (the
# queue's background refresh does not count), and SESSION_LIFETIME_HOURS after signing in
# whatever happens.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_LIFETIME_HOURS = env.int("SESSION_LIFETIME_HOURS", default=8)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("CLINIC_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


def mailer_from_url(url: str) -> dict:
    """A MAILERS entry from an EMAIL_URL such as smtp://user:pass@host:587 or consolemail://."""
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    options = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config["EMAIL_HOST"],
            "port": config["EMAIL_PORT"],
            "username": config["EMAIL_HOST_USER"] or "",
            "password": config["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": "/" + config["EMAIL_FILE_PATH"]}
    return {"BACKEND": backend, "OPTIONS": options}


# Email: the URL names the transport (smtp://host:port, consolemail://, ...).
EMAIL_URL = env("EMAIL_URL", default="consolemail://")
MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Back Pain Clinic <clinic@localhost>")
# Links in emails point here (no request to build them from in a worker).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CLINIC_NAME = env("CLINIC_NAME", default="Back Pain Clinic")
CLINIC_PHONE = env("CLINIC_PHONE", default="01632 960000")

# Bad input never costs a 500: a small body limit turns floods into a clear 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"

# Proxies of the clinic's own in front of the app (a TLS proxy: 1). 0 ignores X-Forwarded-For,
# which anyone can send; N takes the client's address from its N-th entry from the right, for
# the rate limits, the sign-in lockouts and the audit alike (clinic/client_address.py).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # allauth asks the adapter, which asks ours
RATELIMIT_IP_META_KEY = "clinic.client_address.rate_limit_key"
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True  # a cache outage must not turn patients away
INTAKE_RATE = env("INTAKE_RATE", default="20/h")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = SESSION_LIFETIME_HOURS * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (Django's own, django.middleware.csp), on every response: scripts and
# styles come only from the app's own static files, never inline (no 'unsafe-inline': templates
# carry no style="" attribute, <script> body or on*= handler). A script that must be inline
# carries nonce="{{ csp_nonce }}". data: images are Bootstrap's form icons and the
# authenticator app's QR code. No page may be framed, and forms post only to the app.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "worker-src": [CSP.NONE],
}
# Permissions-Policy (django-permissions-policy): every powerful browser feature off, except the
# passkeys / security keys of the second factor (WebAuthn), for the app's own pages.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "bluetooth": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "interest-cohort": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-create": "self",
    "publickey-credentials-get": "self",
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# Celery: tasks take primary keys only; JSON only; results are not kept.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL", default=f"filesystem://{(VAR_DIR / 'broker').as_posix()}"
)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
# A web request never waits long for a broker that is down: the row is kept and the sweep sends it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker logs what tasks print (the console email backend under make run) as INFO, not as
# warnings.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat touches this file on every pass of its loop, at least every MAX_LOOP_INTERVAL seconds;
# `manage.py beat_health` (beat's health check) reads it (clinic/beat.py).
CELERY_BEAT_SCHEDULER = "clinic.beat:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
CELERY_BEAT_HEARTBEAT_FILE = env(
    "CELERY_BEAT_HEARTBEAT_FILE", default=str(VAR_DIR / "beat-heartbeat")
)
CELERY_BEAT_SCHEDULE = {
    # The outbox's pass (clinic/outbox.py): alerts, escalations and follow-ups that are due.
    # A pass nobody ran within the minute is dropped: the next one does its work.
    "send-outbox": {
        "task": "clinic.tasks.send_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}

# An emergency not acknowledged by its target is escalated to every practitioner, clinic admin
# and escalation contact, then again every this many minutes until someone acknowledges it
# (intake/escalation.py; beat looks every minute).
ESCALATION_REPEAT_MINUTES = env.int("ESCALATION_REPEAT_MINUTES", default=10)
if not 1 <= ESCALATION_REPEAT_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("ESCALATION_REPEAT_MINUTES must be whole minutes, 1 to 1440")
CELERY_BEAT_SCHEDULE["escalate"] = {
    "task": "intake.tasks.escalate",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# No follow-up email between the plan's quiet hours (default 20:00-08:00 clinic time); "off"
# lifts them (tests, benchmarks).
FOLLOWUP_QUIET_HOURS = env_on_off("FOLLOWUP_QUIET_HOURS", default="on")

# Every record is printed once, by the root logger's handler: the "django" logger loses the
# console handler Django gives it under DEBUG (with it, each 403 printed its traceback twice),
# and a 4xx is one line without a traceback (clinic/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "clinic.logs.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "django.db.backends": {"level": "INFO"},
    },
}
if CELERY_BROKER_URL == "filesystem://":
    # The on-disk broker has no host; kombu warns that it "reverts to localhost" on every
    # connection, which means nothing for a folder.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# Patient records are anonymised this many whole years after their last activity (clinic/
# retention.py, daily at 03:30 clinic time). 8: UK guidance for adult health records.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=8)
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured("RETENTION_YEARS must be a whole number of years, at least 1")
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "clinic.tasks.apply_retention",
    "schedule": crontab(hour=3, minute=30),
}
