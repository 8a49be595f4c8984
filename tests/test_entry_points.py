"""Entry points fail closed: with no DJANGO_SETTINGS_MODULE, no import order selects the local
settings (DEBUG on, a key printed in the repository). The web entry point runs production; a
Celery worker or beat refuses to start until the settings are named."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from .test_settings import DEPLOYMENT

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def run(args, **variables):
    """Run in a clean environment: no settings module, no secret key, nothing from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.pop("EMAIL_URL", None)
    env.update(variables)
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def python(code, **variables):
    return run([sys.executable, "-c", code], **variables)


SHOW_SETTINGS = (
    "; from django.conf import settings"
    "; print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECRET_KEY == 'given')"
)


@pytest.mark.parametrize(
    "imports",
    [
        "import clinic.wsgi",
        "import clinic; import clinic.wsgi",
        "import clinic.celery; import clinic.wsgi",
        "from clinic.celery import app; import clinic.wsgi",
    ],
)
def test_the_web_entry_point_runs_production_whatever_was_imported_first(imports):
    result = python(imports + SHOW_SETTINGS, DJANGO_SECRET_KEY="given", **DEPLOYMENT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["clinic.settings.production", "False", "True"]


def test_the_web_entry_point_without_a_secret_key_refuses_to_start():
    # Production was chosen, so the missing key stops it; local would have started.
    result = python("import clinic.celery; import clinic.wsgi", **DEPLOYMENT)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_the_web_entry_point_runs_the_settings_it_is_given():
    result = python(
        "import clinic.wsgi" + SHOW_SETTINGS,
        DJANGO_SETTINGS_MODULE="clinic.settings.test",
        **DEPLOYMENT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "clinic.settings.test"


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_worker_and_beat_refuse_to_start_without_a_settings_module(program):
    result = run([CELERY, "-A", "clinic", program, "--loglevel=INFO"], **DEPLOYMENT)
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr
    assert "celery@" not in result.stdout + result.stderr  # never got as far as the banner


def test_the_celery_app_reads_no_configuration_without_a_settings_module():
    result = python("from clinic.celery import app; print(app.conf.timezone)", **DEPLOYMENT)
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr


def test_the_celery_app_uses_the_settings_it_is_given():
    result = python(
        "from clinic.celery import app; print(app.conf.timezone, app.conf.task_acks_late)",
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        CLINIC_TIME_ZONE="Europe/Dublin",
        **DEPLOYMENT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Europe/Dublin", "True"]
