"""GET /healthz: database and broker status, against the real PostgreSQL and Redis."""

import time

import pytest

from clinic.celery import app

# Nothing listens on port 1: connecting is refused at once, as when Redis is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    # Celery prefers these environment variables to its configuration: clear them first.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    monkeypatch.setattr(app.conf, "broker_url", DEAD_BROKER)
    assert app.conf.broker_write_url == DEAD_BROKER


def test_it_answers_ok_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_it_is_never_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_within_seconds_when_the_broker_is_unreachable(client, db, broker_down):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable", "status": "unavailable"}
    assert elapsed < 3, f"took {elapsed:.1f}s"


def test_it_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
