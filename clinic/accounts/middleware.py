"""Middleware for staff sessions: a body limit on the sign-in pages, idle and absolute session
limits, and the second factor that some roles must set up before any staff page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect, render

from . import services
from .signals import SIGN_OUT_REASON

# Everything under here is sign-in, second factor, password and sessions (clinic/urls.py).
ACCOUNT_PATHS = "/accounts/"


def sign_in_body_limit(get_response):
    """A post to the sign-in, second-factor or password pages larger than a few kilobytes is
    refused with 413 before anything reads it (multipart included: the length is the whole
    body). A body with no length is never read by Django."""

    def middleware(request):
        if request.method == "POST" and request.path.startswith(ACCOUNT_PATHS):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = settings.SIGNIN_MAX_BODY_BYTES + 1
            if length > settings.SIGNIN_MAX_BODY_BYTES:
                return render(request, "errors/413.html", status=413)
        return get_response(request)

    return middleware


def is_activity(request) -> bool:
    """A page opened or a form sent by the person, not a script's background request (the
    queue's refresh): browsers mark fetch() and XHR with Sec-Fetch-Dest: empty."""
    return request.headers.get("Sec-Fetch-Dest") != "empty"


def session_expiry(session, now):
    """Why this signed-in session must end now, or None."""
    signed_in, last_active = (
        session.get(services.SIGNED_IN_AT),
        session.get(services.LAST_ACTIVE_AT),
    )
    if signed_in is None or last_active is None:
        return "session without sign-in time"
    if now - signed_in >= settings.SESSION_LIFETIME_HOURS * 3600:
        return "session lifetime"
    if now - last_active >= settings.SESSION_IDLE_MINUTES * 60:
        return "idle timeout"
    return None


EXPIRED_MESSAGES = {
    "session lifetime": "You were signed out: a session lasts {hours} hours. Sign in again.",
    "idle timeout": "You were signed out after {minutes} minutes without activity. Sign in again.",
}

# Renewing the idle clock writes the session; once a minute is enough.
ACTIVITY_RESOLUTION_SECONDS = 60


def session_lifetime(get_response):
    """Signs out a session idle for SESSION_IDLE_MINUTES or older than SESSION_LIFETIME_HOURS.
    Reads only the session: no query for a session that is within both."""

    def middleware(request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            why = session_expiry(session, now)
            if why is not None:
                setattr(request, SIGN_OUT_REASON, why)
                logout(request)
                template = EXPIRED_MESSAGES.get(why, "You were signed out. Sign in again.")
                messages.info(
                    request,
                    template.format(
                        hours=settings.SESSION_LIFETIME_HOURS,
                        minutes=settings.SESSION_IDLE_MINUTES,
                    ),
                )
            elif (
                is_activity(request)
                and now - session[services.LAST_ACTIVE_AT] >= ACTIVITY_RESOLUTION_SECONDS
            ):
                session[services.LAST_ACTIVE_AT] = now
        return get_response(request)

    return middleware


def second_factor_required(get_response):
    """Staff whose role needs a second factor and who have none are sent to set one up from
    every page but the account pages (sign-out included) and static files."""

    exempt = (
        ACCOUNT_PATHS,
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
    )

    def middleware(request):
        if (
            settings.MFA_REQUIRED_ROLES
            and SESSION_KEY in request.session
            and not request.session.get(services.SECOND_FACTOR_OK)
            and not request.path.startswith(exempt)
            and request.user.is_authenticated
        ):
            if not services.second_factor_ok(request.user):
                messages.warning(
                    request,
                    "Your role needs a second factor. Set up an authenticator app or a passkey "
                    "to continue.",
                )
                return redirect("mfa_index")
            request.session[services.SECOND_FACTOR_OK] = True
        return get_response(request)

    return middleware
