"""Fixtures that start real services on loopback: an SMTP server, a Celery worker, a Redis."""

import asyncio
import email
import email.policy
import os
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller

from clinic.celery import app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait(self, count=1, timeout=15.0):
        return wait_for(lambda: len(self.messages) >= count, timeout)


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailer(self):
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
        }


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and Django's default mailer pointed at it."""
    asyncio.set_event_loop_policy(None)
    server = SmtpServer()
    server.start()
    settings.MAILERS = {"default": server.mailer()}
    yield server
    server.stop()


@pytest.fixture
def smtp_down(settings):
    """The default mailer points at a loopback port where no SMTP server listens (yet)."""
    server = SmtpServer()
    settings.MAILERS = {"default": server.mailer()}
    yield server
    server.stop()


class SpareRedis:
    """A Redis server of the test's own, so that it can really be stopped and started."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self._answers, timeout=10), "spare redis-server did not start"

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def spare_redis():
    server = SpareRedis()
    server.start()
    yield server
    server.stop()


@contextmanager
def broker(url):
    """Point the Celery app at another broker for a while, dropping pooled connections."""
    # Celery prefers the CELERY_BROKER_URL environment variable to its configuration.
    old_env = os.environ.get("CELERY_BROKER_URL")
    old = app.conf.broker_url
    os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = url
    app._after_fork()  # forgets the connection and producer pools
    try:
        yield
    finally:
        app.conf.broker_url = old
        if old_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = old_env
        app._after_fork()


@contextmanager
def celery_worker():
    """A real Celery worker (in a thread of this process) consuming from the current broker."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        yield
