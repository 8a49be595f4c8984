"""Your own account (second factor, sessions, sign out everywhere) and the clinic admins' staff
page (new colleagues, roles, passwords, second-factor reset, unlock, close)."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic import roles

from . import services
from .forms import NewStaffForm, RoleForm
from .signals import SIGN_OUT_REASON


@require_GET
@login_required
def account_security(request):
    user = request.user
    return render(
        request,
        "staff/account.html",
        {
            "has_second_factor": services.has_second_factor(user),
            "second_factor_required": services.second_factor_required(user),
            "sessions": UserSession.objects.filter(user=user).order_by("-created_at"),
            "current_session": request.session.session_key,
        },
    )


@require_POST
@login_required
def sign_out_everywhere(request):
    user = request.user
    services.end_sessions(user, actor=user, request=request, why="signed out everywhere")
    setattr(request, SIGN_OUT_REASON, "signed out everywhere")
    logout(request)
    messages.success(request, "You are signed out everywhere: on this device and every other.")
    return redirect("account_login")


def staff_users():
    return (
        get_user_model()
        .objects.filter(groups__name__in=services.ROLE_CHOICES.values())
        .distinct()
        .prefetch_related("groups")
        .order_by("-is_active", "username")
    )


def role_label(person):
    """The label of the highest role, from prefetched groups (no query per person)."""
    names = {group.name for group in person.groups.all()}
    for role in (roles.CLINIC_ADMIN, roles.PRACTITIONER, roles.RECEPTION):
        if role in names:
            return roles.ROLE_LABELS[role]
    return ""


@require_GET
@roles.require(roles.MANAGE_CLINIC)
def staff_accounts(request):
    people = list(staff_users())
    enrolled = set(
        Authenticator.objects.filter(user__in=people, type__in=services.SECOND_FACTORS).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        {
            "user": person,
            "role": role_label(person),
            "second_factor": person.pk in enrolled,
            "locked": services.account_locked(request, person.get_username()),
        }
        for person in people
    ]
    return render(
        request,
        "staff/accounts.html",
        {"rows": rows, "locked_addresses": services.locked_addresses()},
    )


@never_cache
@roles.require(roles.MANAGE_CLINIC)
def staff_account_new(request):
    form = NewStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = form.create(actor=request.user, request=request)
        if created:
            user, password = created
            return render(
                request,
                "staff/password_once.html",
                {"person": user, "password": password, "new": True},
            )
    return render(request, "staff/account_new.html", {"form": form})


@never_cache
@roles.require(roles.MANAGE_CLINIC)
def staff_account(request, pk):
    person = get_object_or_404(staff_users(), pk=pk)
    role_form = RoleForm(initial={"role": services.role_name(person)})
    return render(
        request,
        "staff/account_detail.html",
        {
            "person": person,
            "role_form": role_form,
            "second_factor": services.has_second_factor(person),
            "locked": services.account_locked(request, person.get_username()),
            "is_self": person.pk == request.user.pk,
        },
    )


def _change_role(request, person):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return
    services.change_role(person, form.cleaned_data["role"], actor=request.user, request=request)
    messages.success(request, f"{person.username}'s role changed; their sessions ended.")


def _reset_second_factor(request, person):
    services.reset_second_factor(person, actor=request.user, request=request)
    messages.success(
        request,
        f"{person.username}'s second factor was removed and their sessions ended. "
        "They set up a new one when they next sign in.",
    )


def _unlock(request, person):
    services.unlock_account(person, actor=request.user, request=request)
    messages.success(request, f"{person.username} can sign in again.")


def _close(request, person):
    services.set_active(person, False, actor=request.user, request=request)
    messages.success(request, f"{person.username}'s account is closed and their sessions ended.")


def _reopen(request, person):
    services.set_active(person, True, actor=request.user, request=request)
    messages.success(request, f"{person.username}'s account is open again.")


ACTIONS = {
    "role": _change_role,
    "reset-second-factor": _reset_second_factor,
    "unlock": _unlock,
    "close": _close,
    "reopen": _reopen,
}


@never_cache
@require_POST
@roles.require(roles.MANAGE_CLINIC)
def staff_account_action(request, pk, action):
    person = get_object_or_404(staff_users(), pk=pk)
    if action == "password":
        # Shown once, on this page, never stored: the colleague changes it after signing in.
        password = services.generate_password()
        services.set_password(person, password, actor=request.user, request=request)
        return render(request, "staff/password_once.html", {"person": person, "password": password})
    act = ACTIONS.get(action)
    if act is None:
        return render(request, "errors/404.html", status=404)
    try:
        act(request, person)
    except services.StaffError as error:
        messages.error(request, str(error))
    return redirect("staff_account", pk=person.pk)


@require_POST
@roles.require(roles.MANAGE_CLINIC)
def unlock_address(request):
    address = request.POST.get("address", "")
    if address in services.locked_addresses():
        services.unlock_address(address, actor=request.user, request=request)
        messages.success(request, f"Sign-ins from {address} are allowed again.")
    else:
        messages.info(request, "That address is not locked.")
    return redirect("staff_accounts")
