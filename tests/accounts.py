"""Helpers for the staff-account tests: signing in through the real pages, TOTP codes."""

import datetime

import time_machine
from allauth.mfa.totp.internal import auth as totp
from django.urls import reverse
from django.utils import timezone

from .factories import PASSWORD


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": username, "password": password}, **extra)


def code_for(secret, at=None):
    """The authenticator app's code for this secret now (or at `at`)."""
    when = at or timezone.now()
    with time_machine.travel(when, tick=False):
        counter = next(totp.yield_hotp_counters_from_time())
    return totp.format_hotp_value(totp.hotp_value(secret, counter))


def later(seconds):
    return timezone.now() + datetime.timedelta(seconds=seconds)
