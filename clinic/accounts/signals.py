"""Audit rows and session clocks for sign-in, sign-out and second-factor changes.

Who and when, from which address; never a password, a code, or the text typed as a username.
"""

from allauth.account.signals import password_changed
from allauth.mfa import signals as mfa
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from clinic import audit
from clinic.models import AuditEntry

from . import services

Action = AuditEntry.Action

# Why a session ended, when it was not the person's own "Sign out" (set on the request).
SIGN_OUT_REASON = "_clinic_sign_out_reason"


@receiver(user_logged_in, dispatch_uid="clinic.signed_in")
def signed_in(sender, request, user, **kwargs):
    services.start_session(request, user)
    audit.event(Action.SIGN_IN, request=request, actor=user, object_id=user.pk)


@receiver(user_logged_out, dispatch_uid="clinic.signed_out")
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        why = getattr(request, SIGN_OUT_REASON, "")
        audit.event(Action.SIGN_OUT, request=request, actor=user, object_id=user.pk, what=why)


def _second_factor_changed(user, request, what):
    audit.event(Action.SECOND_FACTOR, request=request, object_id=user.pk, what=what)


@receiver(mfa.authenticator_added, dispatch_uid="clinic.mfa_added")
def second_factor_added(sender, request, user, authenticator, **kwargs):
    _second_factor_changed(user, request, f"added: {authenticator.type}")
    if request.user.pk == user.pk and services.second_factor_ok(user):
        request.session[services.SECOND_FACTOR_OK] = True


@receiver(mfa.authenticator_removed, dispatch_uid="clinic.mfa_removed")
def second_factor_removed(sender, request, user, authenticator, **kwargs):
    _second_factor_changed(user, request, f"removed: {authenticator.type}")


@receiver(mfa.authenticator_reset, dispatch_uid="clinic.mfa_reset")
def second_factor_reset(sender, request, user, authenticator, **kwargs):
    _second_factor_changed(user, request, f"renewed: {authenticator.type}")


@receiver(mfa.authentication_failed, dispatch_uid="clinic.mfa_failed")
def second_factor_failed(sender, request, user, **kwargs):
    what = "reauthentication" if kwargs.get("reauthentication") else "second factor"
    audit.event(Action.SIGN_IN_FAILED, request=request, actor=None, object_id=user.pk, what=what)


@receiver(password_changed, dispatch_uid="clinic.password_changed")
def own_password_changed(sender, request, user, **kwargs):
    # This session goes on (allauth updated its hash); every other one ends.
    audit.event(
        Action.ACCOUNT, request=request, actor=user, object_id=user.pk, what="password changed"
    )
    services.end_sessions(
        user, actor=user, request=request, why="password changed", keep=request.session.session_key
    )
