"""The address of the person at the other end of a request, for the rate limits, the sign-in
lockouts and the audit alike.

With no proxy in front (`TRUSTED_PROXY_COUNT` 0, the default) it is the connection's own address,
REMOTE_ADDR, and X-Forwarded-For is ignored: anyone can write that header. Behind N proxies of
the clinic's own, each appends the address it was reached from to X-Forwarded-For, so the
client's address is the N-th entry from the right: entries further left were written by the
client and are never believed. A header shorter than that (a request that came round a proxy)
gives its leftmost entry; no header, or an entry that is not an address, gives REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings

UNKNOWN = "0.0.0.0"  # noqa: S104 (an address to count under, not one to bind)


def _address(value):
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def client_ip(request):
    """The client's address as text, or None when the request carries none (a command)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    chosen = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    return _address(chosen) or remote


def rate_limit_key(request):
    """django-ratelimit's RATELIMIT_IP_META_KEY: never empty, or it would refuse to count."""
    return client_ip(request) or UNKNOWN
