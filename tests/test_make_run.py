"""`make run`'s console: the demo logins printed last, once the web server answers
(`manage.py demo_ready`, the last process of Procfile.dev), and a 403 logged as one line."""

import io
import sys

import pytest
from django.conf import settings as django_settings
from django.utils.log import configure_logging

from clinic.demo.staff import seed_staff
from clinic.management.commands import demo_ready


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
