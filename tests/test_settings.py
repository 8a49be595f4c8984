"""Production settings: refuse to start unconfigured, and pass Django's deployment checks."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")

# Variables the settings read; cleared first so the caller's shell cannot change the outcome.
SETTINGS_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_TRUSTED_PROXY_COUNT",
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
)

DEPLOYMENT = {
    "DJANGO_ALLOWED_HOSTS": "clinic.example.test",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "CACHE_URL": "redis://127.0.0.1:6379/14",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_URL": "smtp://mail.example.test:587",
}


def manage(*args, cwd=ROOT, **variables):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "clinic.settings.production"
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def secret_key():
    return secrets.token_urlsafe(50)


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **DEPLOYMENT)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_an_email_url():
    variables = {k: v for k, v in DEPLOYMENT.items() if k != "EMAIL_URL"}
    result = manage("check", DJANGO_SECRET_KEY=secret_key(), **variables)
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    variables = {k: v for k, v in DEPLOYMENT.items() if k != "DATABASE_URL"}
    result = manage("check", DJANGO_SECRET_KEY=secret_key(), **variables)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_a_database_other_than_postgresql_stops_the_start():
    for settings in ("production", "local"):
        result = manage(
            "check",
            DJANGO_SETTINGS_MODULE=f"clinic.settings.{settings}",
            DJANGO_SECRET_KEY=secret_key(),
            **{**DEPLOYMENT, "DATABASE_URL": "mysql://clinic@localhost/clinic"},
        )
        assert result.returncode != 0
        assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr


def test_make_runs_settings_use_the_embedded_postgresql_unless_told_otherwise():
    show = "from django.conf import settings; d = settings.DATABASES['default']; print(d['HOST'])"
    result = manage(
        "shell", "--no-imports", "-c", show, DJANGO_SETTINGS_MODULE="clinic.settings.local"
    )
    # No make run beside: the command ran beside an embedded server started for it.
    assert str(ROOT / "var" / "postgres") in result.stdout.splitlines(), result.stderr
    url = "postgres://clinic@db.example.test:5432/clinic"
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        show,
        DJANGO_SETTINGS_MODULE="clinic.settings.local",
        DATABASE_URL=url,
    )
    assert result.stdout.split() == ["db.example.test"], result.stderr


def test_a_command_on_make_runs_settings_works_with_make_run_stopped():
    """`manage.py makemigrations --check` on a fresh clone: the embedded PostgreSQL is started
    for it and stopped after it, nothing left running."""
    result = manage(
        "makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="clinic.settings.local"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "No changes detected" in lines
    assert lines[-1] == "PostgreSQL stopped."
    assert not (ROOT / "var" / "postgres" / "postmaster.pid").exists()


def test_production_passes_the_deployment_checks_with_no_warning():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=secret_key(), **DEPLOYMENT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_settings_silence_no_check():
    text = (ROOT / "clinic" / "settings" / "production.py").read_text()
    assert "SILENCED_SYSTEM_CHECKS" not in text


def test_production_rejects_console_email():
    result = manage(
        "check",
        "--deploy",
        DJANGO_SECRET_KEY=secret_key(),
        **{**DEPLOYMENT, "EMAIL_URL": "consolemail://"},
    )
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def dockerfile_sources():
    """What the Dockerfile's COPY lines put in the image."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            yield from line.split()[1:-1]


def test_the_image_tree_collects_static_files_with_the_build_time_values(tmp_path):
    # The Dockerfile's build step, on a copy of just what the Dockerfile copies.
    for source in dockerfile_sources():
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, tmp_path / source, ignore=IGNORED)
        else:
            shutil.copy(ROOT / source, tmp_path / source)
    result = manage(
        "collectstatic",
        "--noinput",
        cwd=tmp_path,
        DJANGO_SECRET_KEY="build-only-not-a-secret",
        EMAIL_URL="smtp://localhost:25",
        DATABASE_URL="postgres://build-only@localhost/unused",
    )
    assert result.returncode == 0, result.stderr
    collected = tmp_path / "var" / "static"
    assert (collected / "staticfiles.json").exists()
    for own in (ROOT / "static").rglob("*.*"):
        assert (collected / own.relative_to(ROOT / "static")).exists(), own
