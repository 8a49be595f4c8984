"""Triage search without patient data in page addresses.

What staff search for is a name, an email or a phone number: in a URL it would sit in the
access logs of gunicorn and of any proxy in front, in browser history and in bookmarks. So the
search box posts (POST /triage/search/) and the search text is kept in the cache (Redis in
production) under a random token bound to the member of staff, for at most a staff session
(SESSION_COOKIE_AGE, 8 hours); the queue's URL carries `search=<token>` and the other filters,
so paging, the live fragment and the CSV export keep the search. A `q` typed into a URL is
ignored. We chose this over only changing gunicorn's log format, which it also does
(clinic/gunicorn.py), because it keeps the names out of every other place a URL is written,
and it needs no change to how the queue is rendered: the queue still reads one `q` filter.

If the cache is down, searching says so and the queue still works without the search.
"""

import logging
import re
import secrets

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _key(user, token: str) -> str:
    return f"intake:search:{user.pk}:{token}"


def remember(user, text: str) -> str | None:
    """A token for this search, good for this member of staff; None if the cache is down."""
    token = secrets.token_urlsafe(16)
    try:
        cache.set(_key(user, token), text, timeout=settings.SESSION_COOKIE_AGE)
    except Exception as exc:  # the cache is down: the queue works, without the search
        log.warning("search not kept: %s", type(exc).__name__)
        return None
    return token


def recall(user, token: str) -> str | None:
    """The search a token stands for, if it is this person's and not expired."""
    if not TOKEN.fullmatch(token or ""):
        return None
    try:
        return cache.get(_key(user, token))
    except Exception as exc:
        log.warning("search not read: %s", type(exc).__name__)
        return None
