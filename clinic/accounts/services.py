"""Staff accounts, shared by the sign-in hooks, the clinic admins' page and `create_staff`.

Services take the actor (who is doing it) and, where there is one, the request for its address;
every change writes an audit row. Sessions are ended through allauth's record of them
(`allauth.usersessions`), which every sign-in writes.
"""

import datetime
import secrets
import time

from allauth.account.internal.userkit import get_user_by_username
from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import audit, roles
from clinic.models import AuditEntry

Action = AuditEntry.Action
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# The role names staff and commands use, and the group each one is.
ROLE_CHOICES = {
    "reception": roles.RECEPTION,
    "practitioner": roles.PRACTITIONER,
    "admin": roles.CLINIC_ADMIN,
}

# Session keys: when the person signed in and when they last did something (epoch seconds),
# and that this session has passed the second-factor check.
SIGNED_IN_AT = "clinic.signed_in_at"
LAST_ACTIVE_AT = "clinic.last_active_at"
SECOND_FACTOR_OK = "clinic.second_factor_ok"


# --- second factor ---------------------------------------------------------------------------


def second_factor_required(user) -> bool:
    required = settings.MFA_REQUIRED_ROLES
    return bool(required) and user.groups.filter(name__in=required).exists()


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def second_factor_ok(user) -> bool:
    """May this person use staff pages: not required, or set up."""
    return not second_factor_required(user) or has_second_factor(user)


def reset_second_factor(user, *, actor, request=None):
    """A clinic admin removes every authenticator of a colleague (lost phone, lost key): they
    set one up again at their next sign-in, and every session of theirs ends now."""
    with transaction.atomic():
        removed = Authenticator.objects.filter(user=user).delete()[0]
        audit.event(
            Action.SECOND_FACTOR,
            request=request,
            actor=actor,
            object_id=user.pk,
            what=f"reset by clinic admin ({removed} removed)",
        )
    end_sessions(user, actor=actor, request=request, why="second factor reset")


# --- sessions --------------------------------------------------------------------------------


def start_session(request, user):
    """On every sign-in: the clocks the idle and absolute limits read, and whether the second
    factor is settled for this session (so pages need not ask again)."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVE_AT] = now
    if second_factor_ok(user):
        request.session[SECOND_FACTOR_OK] = True


def end_sessions(user, *, actor=None, request=None, why="", keep=None):
    """Sign the user out everywhere (except the session `keep`, if given)."""
    ended = 0
    for session in UserSession.objects.filter(user=user):
        if session.session_key != keep:
            session.end()
            ended += 1
    audit.event(
        Action.ACCOUNT,
        request=request,
        actor=actor,
        object_id=user.pk,
        what=f"sessions ended: {why}",
    )
    return ended


# --- sign-in throttling ----------------------------------------------------------------------


def _rates():
    return ratelimit.get_rates(app="allauth.account", action="login_failed")


def account_key(username: str) -> str:
    """What the per-account limit counts: the name typed, whether or not anyone has it (so an
    unknown name is throttled exactly like a real one), and nothing from the request."""
    return username.strip().lower()


def _limit_keys(request, username):
    """(scope, rate, cache key) for each sign-in limit this attempt counts against."""
    for rate in _rates():
        if rate.per == "key":
            key = ratelimit.get_cache_key(
                request,
                app="allauth.account",
                action="login_failed",
                rate=rate,
                key=account_key(username),
            )
            yield "account", rate, key
        elif rate.per == "ip":
            key = ratelimit.get_cache_key(
                request, app="allauth.account", action="login_failed", rate=rate
            )
            yield "address", rate, key


def _exhausted(rate, cache_key) -> bool:
    allowed, _ = ratelimit.apply_rate(
        list(cache.get(cache_key, [])), time.time(), rate, dry_run=True
    )
    return not allowed


def record_failed_sign_in(request, username):
    """A wrong password, or a name nobody has. The row names the account only when there is
    one; the text typed is never stored (people type passwords into the username box)."""
    user = get_user_by_username(username) if username else None
    audit.event(
        Action.SIGN_IN_FAILED,
        request=request,
        actor=None,
        object_id=user.pk if user else None,
        what="password",
    )
    record_lockout(request, username)


def record_lockout(request, username):
    """One row when a limit starts refusing (per account, per address), not one per refusal:
    a flood of attempts cannot flood the audit."""
    user = None
    for scope, rate, cache_key in _limit_keys(request, username):
        if not _exhausted(rate, cache_key):
            continue
        if not cache.add(f"{cache_key}:audited", True, timeout=rate.duration):
            continue
        if user is None and username:
            user = get_user_by_username(username)
        audit.event(
            Action.LOCKOUT,
            request=request,
            actor=None,
            object_id=user.pk if user and scope == "account" else None,
            what=scope,
        )


def account_locked(request, username) -> bool:
    return any(
        _exhausted(rate, key)
        for scope, rate, key in _limit_keys(request, username)
        if scope == "account"
    )


def unlock_account(user, *, actor, request=None):
    for scope, _, key in _limit_keys(request, user.get_username()):
        if scope == "account":
            cache.delete_many([key, f"{key}:audited"])
    audit.event(Action.ACCOUNT, request=request, actor=actor, object_id=user.pk, what="unlocked")


def address_cache_key(rate, address):
    """The per-address limit's cache key for `address` (as allauth's get_cache_key builds it
    from a request from that address)."""
    truncated = ratelimit.truncate_ip(address)
    return ":".join(
        ["allauth", "rl", "allauth.account", "login_failed", str(rate), "ip", truncated]
    )


def locked_addresses():
    """Addresses refused now, from the lockout rows of the last lockout window."""
    rates = [rate for rate in _rates() if rate.per == "ip"]
    if not rates:
        return []
    window = max(rate.duration for rate in rates)
    since = datetime.datetime.fromtimestamp(time.time() - window, tz=datetime.UTC)
    recent = (
        AuditEntry.objects.filter(action=Action.LOCKOUT, what="address", at__gte=since)
        .exclude(ip=None)
        .values_list("ip", flat=True)
        .distinct()
    )
    return sorted(
        address
        for address in recent
        if any(_exhausted(rate, address_cache_key(rate, address)) for rate in rates)
    )


def unlock_address(address, *, actor, request=None):
    for rate in _rates():
        if rate.per == "ip":
            key = address_cache_key(rate, address)
            cache.delete_many([key, f"{key}:audited"])
    audit.event(
        Action.ACCOUNT,
        request=request,
        actor=actor,
        object_type="address",
        what=f"unlocked {address}",
    )


# --- accounts --------------------------------------------------------------------------------


class StaffError(ValueError):
    """Bad input for an account change, in words for the person who gave it."""


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, about 120 bits


def _check(validate, *args):
    try:
        validate(*args)
    except ValidationError as error:
        raise StaffError(" ".join(error.messages)) from None


def create_staff(
    username,
    role,
    *,
    password=None,
    email="",
    first_name="",
    last_name="",
    actor=None,
    request=None,
):
    """A new member of staff with one role. Returns (user, password): the password generated
    when none was given, to be shown once to whoever created the account."""
    User = get_user_model()
    if role not in ROLE_CHOICES:
        raise StaffError(f"The role must be one of {', '.join(ROLE_CHOICES)}, not {role!r}.")
    username = username.strip().lower()
    if not username:
        raise StaffError("The username is empty.")
    _check(User._meta.get_field("username").run_validators, username)
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(f"There is already an account called {username!r}.")
    password = password or generate_password()
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    _check(validate_password, password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=ROLE_CHOICES[role]))
        audit.event(
            Action.ACCOUNT, request=request, actor=actor, object_id=user.pk, what=f"created: {role}"
        )
    return user, password


def role_name(user):
    """The create_staff name of the user's role (highest first), or None."""
    role = roles.role_of(user)
    return next((name for name, group in ROLE_CHOICES.items() if group == role), None)


def change_role(user, role, *, actor, request=None):
    """One role instead of another. Their sessions end: pages and the second-factor rule
    follow the new role from their next sign-in."""
    if role not in ROLE_CHOICES:
        raise StaffError(f"The role must be one of {', '.join(ROLE_CHOICES)}, not {role!r}.")
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=ROLE_CHOICES.values()))
        user.groups.add(Group.objects.get(name=ROLE_CHOICES[role]))
        audit.event(
            Action.ACCOUNT, request=request, actor=actor, object_id=user.pk, what=f"role: {role}"
        )
    end_sessions(user, actor=actor, request=request, why="role changed")


def set_password(user, password, *, actor, request=None):
    """A clinic admin sets a colleague's password (there is no emailed reset): every session of
    theirs ends."""
    _check(validate_password, password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.event(
            Action.ACCOUNT, request=request, actor=actor, object_id=user.pk, what="password set"
        )
    end_sessions(user, actor=actor, request=request, why="password set")


def set_active(user, active, *, actor, request=None):
    """Close or reopen an account; closing ends every session of theirs. Nobody closes their
    own account (a clinic must keep at least the admin doing it)."""
    if not active and actor is not None and actor.pk == user.pk:
        raise StaffError("You cannot close your own account.")
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.event(
            Action.ACCOUNT,
            request=request,
            actor=actor,
            object_id=user.pk,
            what="reopened" if active else "closed",
        )
    if not active:
        end_sessions(user, actor=actor, request=request, why="account closed")
