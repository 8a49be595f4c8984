"""The deployment: beat's heartbeat and its health check, the worker's ping, the lock file the
image installs with hashes, and production refusing a secret key printed in the repository."""

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from clinic.settings.base import PUBLIC_SECRET_KEYS

from .realservices import free_port, wait_for, worker_process
from .test_settings import DEPLOYMENT, manage

ROOT = Path(__file__).resolve().parent.parent


def env_for(**extra):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings.test", **extra}


def beat_health(env):
    return subprocess.run(
        [sys.executable, "manage.py", "beat_health"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_beat_touches_its_heartbeat_and_the_health_check_reads_it(tmp_path):
    heartbeat = tmp_path / "beat-heartbeat"
    env = env_for(CELERY_BEAT_HEARTBEAT_FILE=str(heartbeat))
    assert beat_health(env).returncode == 1  # no beat yet
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clinic", "beat", "--loglevel", "WARNING",
         "--schedule", str(tmp_path / "schedule")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(heartbeat.exists, timeout=60), "beat never touched its heartbeat"
        result = beat_health(env)
        assert result.returncode == 0, result.stderr
        assert "Beat is looping" in result.stdout
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    # A beat that stopped looping: its heartbeat grows old and the check fails.
    old = time.time() - 600
    os.utime(heartbeat, (old, old))
    result = beat_health(env)
    assert result.returncode == 1
    assert "not looping" in result.stderr


def ping():
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "clinic", "inspect", "ping", "--timeout", "3"],
        cwd=ROOT,
        env=env_for(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_health_check_fails_without_a_worker_and_passes_with_one():
    assert ping().returncode != 0
    with worker_process(smtp_port=1):
        result = ping()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout


# --- The lock file -----------------------------------------------------------------------------


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def locked():
    """{name: (version, hashes)} from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    entries = {}
    for block in re.split(r"\n(?=\S)", text):
        first = re.match(r"([A-Za-z0-9_.-]+)==([^\s\\;]+)", block)
        if first:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            entries[normalized(first.group(1))] = (first.group(2), hashes)
    return entries


def test_every_runtime_dependency_is_locked_at_its_pin_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = locked()
    for requirement in project["dependencies"]:
        name, version = re.fullmatch(
            r"([A-Za-z0-9_.-]+)(?:\[[^]]+\])?==(\S+)", requirement
        ).groups()
        assert lock[normalized(name)][0] == version, f"make lock: {name} is not at {version}"
    for name, (_, hashes) in lock.items():
        assert hashes, f"{name} has no hash in requirements.lock"
    # The dev tools stay out of the image.
    for tool in ("pytest", "ruff", "playwright", "uv"):
        assert tool not in lock


def test_the_image_installs_the_lock_with_hashes_on_a_base_pinned_by_digest():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert "pip install --require-hashes --no-deps --only-binary :all: -r requirements.lock" in (
        dockerfile
    )
    assert "pip install --editable" not in dockerfile  # nothing resolved outside the lock
    assert "HEALTHCHECK" in dockerfile


# --- The secret key ----------------------------------------------------------------------------


def env_example(name):
    text = (ROOT / ".env.example").read_text()
    return re.search(rf"^{name}=(.*)$", text, re.M).group(1)


def test_the_example_secret_keys_are_the_ones_production_refuses():
    assert env_example("DJANGO_SECRET_KEY") in PUBLIC_SECRET_KEYS
    local = (ROOT / "clinic/settings/local.py").read_text()
    default = re.search(r'env\("DJANGO_SECRET_KEY", default="([^"]+)"\)', local).group(1)
    assert default in PUBLIC_SECRET_KEYS


@pytest.mark.parametrize(
    "key",
    [
        "replace-me-with-50-or-more-random-characters",
        "local-only-insecure-key-never-in-production",
        "change-me-please-0123456789-abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_production_refuses_a_secret_key_printed_in_the_repository(key):
    result = manage("check", DJANGO_SECRET_KEY=key, **DEPLOYMENT)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is the example from the repository" in result.stderr


def web_health(url):
    return subprocess.run(
        [sys.executable, "-m", "clinic.healthcheck", url],
        cwd=ROOT,
        env={**env_for(), "DJANGO_ALLOWED_HOSTS": "localhost"},
        timeout=60,
    ).returncode


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_asks_healthz(live_server):
    assert web_health(f"{live_server.url}/healthz") == 0
    assert web_health(f"{live_server.url}/no-such-page") == 1
    assert web_health(f"http://127.0.0.1:{free_port()}/healthz") == 1  # nothing listening
