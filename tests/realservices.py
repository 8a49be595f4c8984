"""Fixtures that start real services on loopback: an SMTP server, a Celery worker, a Redis."""

import asyncio
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from clinic.celery import app

ROOT = Path(__file__).resolve().parent.parent


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


class RefusesRecipients(Inbox):
    """Answers every RCPT with `reply` ("550 ..." or "451 ..."); {address} is the recipient."""

    def __init__(self, reply):
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply.format(address=address)


class StallsOnData(Inbox):
    """Takes the whole message, then never answers it: the sender waits with the message in
    doubt. `stalled` counts the messages held so."""

    def __init__(self):
        super().__init__()
        self.stalled = 0

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.stalled += 1
        await asyncio.sleep(3600)  # cancelled when the server stops

    def wait_stalled(self, count, timeout=30.0):
        return wait_for(lambda: self.stalled >= count, timeout)


class SmtpServer:
    def __init__(self, inbox=None):
        self.port = free_port()
        self.inbox = inbox or Inbox()
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
def refusing_server(settings):
    """start(reply): a real SMTP server that refuses every recipient with `reply`."""
    servers = []

    def start(reply):
        server = SmtpServer(RefusesRecipients(reply))
        server.start()
        settings.MAILERS = {"default": server.mailer()}
        servers.append(server)
        return server

    yield start
    for server in servers:
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


class WorkerProcess:
    """A real `celery -A clinic worker` process (prefork pool) on the test database and broker,
    sending mail to `smtp_port`; `kill()` is kill -9 to the whole process group."""

    def __init__(self, smtp_port, concurrency=2):
        from django.db import connection

        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "CELERY_BROKER_URL": app.conf.broker_url,
        }
        self.concurrency = concurrency
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--quiet", "-A", "clinic", "worker",
             "--pool", "prefork", "--concurrency", str(self.concurrency),
             "--loglevel", "WARNING", "--hostname", f"outbox-test-{free_port()}@%h"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its pool processes share its group: kill() ends them all
        )  # fmt: skip
        ready = wait_for(lambda: self.process.poll() is not None or app.control.ping(timeout=0.5),
                         timeout=60)  # fmt: skip
        assert ready and self.process.poll() is None, "the worker process did not start"

    def kill(self):
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None


@contextmanager
def worker_process(smtp_port, concurrency=2):
    worker = WorkerProcess(smtp_port, concurrency)
    app.control.purge()  # no task left over from another test
    worker.start()
    try:
        yield worker
    finally:
        worker.kill()


@contextmanager
def celery_worker():
    """A real Celery worker (in a thread of this process) consuming from the current broker."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        yield
