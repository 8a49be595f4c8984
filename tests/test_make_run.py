"""`make run`'s console: the demo logins printed last, once the web server answers
(`manage.py demo_ready`, the last process of Procfile.dev), and a 403 logged as one line."""

import http.client
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils.log import configure_logging

from clinic.demo.staff import seed_staff
from clinic.management.commands import demo_ready

from .realservices import free_port, wait_for


@pytest.fixture
def demo_staff(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "correct-horse-battery")
    seed_staff(io.StringIO().write, io.StringIO().write)


def test_the_url_and_the_demo_logins_are_printed_once_the_web_server_answers(
    live_server, settings, demo_staff
):
    settings.SITE_URL = live_server.url
    out, err = io.StringIO(), io.StringIO()
    demo_ready.Command(stdout=out, stderr=err).announce()
    printed = out.getvalue()
    assert f"The clinic is running at {live_server.url}/" in printed
    assert f"{live_server.url}/accounts/login/" in printed
    assert "Demo logins: reception, practitioner, admin" in printed
    assert "password correct-horse-battery   (from DEMO_PASSWORD" in printed
    assert err.getvalue() == ""


def test_the_password_file_is_named_where_seed_demo_kept_the_password(
    live_server, settings, transactional_db, monkeypatch, tmp_path
):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = live_server.url
    seed_staff(io.StringIO().write, io.StringIO().write)
    kept = (tmp_path / "demo-password").read_text().strip()
    out = io.StringIO()
    demo_ready.Command(stdout=out).announce()
    assert f"password {kept}   (kept in {tmp_path / 'demo-password'}" in out.getvalue()


def test_a_web_server_that_never_answers_is_named_instead_of_logins(
    settings, demo_staff, monkeypatch
):
    monkeypatch.setattr(demo_ready, "WEB_WAIT_SECONDS", 1)
    settings.SITE_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    out, err = io.StringIO(), io.StringIO()
    demo_ready.Command(stdout=out, stderr=err).announce()
    assert out.getvalue() == ""
    assert "has not answered at http://127.0.0.1:9/healthz" in err.getvalue()


@pytest.fixture
def console(settings, monkeypatch):
    """What the logging configuration prints to the console, as under `make run` (DEBUG on)."""
    settings.DEBUG = True
    printed = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", printed)  # the handlers configured now write here
        configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    yield printed
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def test_a_403_is_logged_as_one_line_without_a_traceback(console, reception_client):
    response = reception_client.get("/staff/duty/")
    assert response.status_code == 403
    printed = console.getvalue().splitlines()
    assert len(printed) == 1, printed
    assert "WARNING django.request Forbidden (Permission denied): /staff/duty/" in printed[0]


def test_a_500_keeps_its_traceback(console, client, monkeypatch):
    from clinic import views

    monkeypatch.setattr(views.health, "database_ok", lambda: 1 / 0)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
    printed = console.getvalue()
    assert printed.count("Traceback") == 1
    assert "ZeroDivisionError" in printed


def test_under_make_run_a_403_is_one_line_on_the_console(transactional_db, client, reception):
    """The real thing: runserver with make run's settings (on the test database), asked by a
    receptionist for the duty rota. Its access line is the only line about the request."""
    client.force_login(reception)
    port = free_port()
    database = django_settings.DATABASES["default"]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings.local",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}",
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,  # the session's hash was made with it
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "GET", path, headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        )
        return conn.getresponse().status

    try:
        assert wait_for(lambda: _answers(get), timeout=30), "runserver did not start"
        assert get("/staff/duty/") == 403
    finally:
        server.terminate()
        printed = server.communicate(timeout=10)[0]
    about_it = [line for line in printed.splitlines() if "/staff/duty/" in line]
    assert len(about_it) == 1, printed
    assert '"GET /staff/duty/ HTTP/1.1" 403' in about_it[0]
    assert "Traceback" not in printed


def _answers(get):
    try:
        return get("/healthz") == 200
    except OSError:
        return False
