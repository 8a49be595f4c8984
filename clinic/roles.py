"""Staff roles (auth groups) and the permission each staff page checks."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

RECEPTION = "reception"
PRACTITIONER = "practitioner"
CLINIC_ADMIN = "clinic_admin"

# Permission codenames live on intake.Case (see its Meta); roles are groups holding them,
# created by intake/migrations/0002_roles.py.
LOG_ENQUIRY = "intake.log_enquiry"
VIEW_CLINICAL = "intake.view_clinical"
TRIAGE = "intake.triage_case"
MANAGE_CLINIC = "intake.manage_clinic"


# What each role may do; the data migration intake/0002_roles keeps its own frozen copy.
ROLE_PERMISSIONS = {
    RECEPTION: ["log_enquiry"],
    PRACTITIONER: ["log_enquiry", "view_clinical", "triage_case"],
    CLINIC_ADMIN: ["log_enquiry", "view_clinical", "triage_case", "manage_clinic"],
}


def ensure_roles(**kwargs):
    """Make sure the three role groups exist with their permissions (after every migrate and
    every test-database flush, which would otherwise leave the clinic without roles)."""
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=role)
        if created:
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="intake", codename__in=codenames)
            )


def landing_url(user):
    """Where a person's work is, the page they land on after signing in: the triage queue for
    practitioners and admins, the enquiries (with "Log a new enquiry" and the patient search)
    for reception, their account page for anyone without a role."""
    from django.urls import reverse

    if user.has_perm(TRIAGE):
        return reverse("triage_queue")
    if user.has_perm(LOG_ENQUIRY):
        return reverse("enquiry_list")
    return reverse("account_security")


def require(perm):
    """Login first (redirect to the login page), then the permission (403, never a leak)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def clinical_staff():
    """Active practitioners and clinic admins: who can be alerted, assigned or put on duty."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[PRACTITIONER, CLINIC_ADMIN])
        .distinct()
        .order_by("username")
    )


ROLE_LABELS = {RECEPTION: "Reception", PRACTITIONER: "Practitioner", CLINIC_ADMIN: "Clinic admin"}


def role_of(user):
    """The highest role a staff user holds, for display."""
    if not user.is_authenticated:
        return None
    names = set(user.groups.values_list("name", flat=True))
    for role in (CLINIC_ADMIN, PRACTITIONER, RECEPTION):
        if role in names:
            return role
    return None


def request_role(request):
    """role_of(request.user), looked up once per request however many templates ask."""
    try:
        return request._clinic_role
    except AttributeError:
        user = getattr(request, "user", None)
        request._clinic_role = role_of(user) if user is not None else None
        return request._clinic_role
