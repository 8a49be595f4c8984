"""Shared fixtures: one named user per role, and clients signed in as each."""

import pytest

from clinic import roles

from .factories import staff
from .realservices import (  # noqa: F401 (fixtures)
    refusing_server,
    smtp_down,
    smtp_server,
    spare_redis,
)


@pytest.fixture
def reception(db):
    return staff(roles.RECEPTION, username="reception")


@pytest.fixture
def practitioner(db):
    return staff(roles.PRACTITIONER, username="practitioner", on_duty=True)


@pytest.fixture
def clinic_admin(db):
    return staff(roles.CLINIC_ADMIN, username="admin")


@pytest.fixture
def reception_client(client, reception):
    client.force_login(reception)
    return client


@pytest.fixture
def practitioner_client(client, practitioner):
    client.force_login(practitioner)
    return client


@pytest.fixture
def admin_client_(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


@pytest.fixture(autouse=True)
def _clear_rate_limits(settings):
    """Each test starts with fresh rate-limit counters (they live in the Redis cache)."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["fragments"].clear()
