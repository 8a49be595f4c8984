"""Template context every page needs: the clinic's name and phone, and the user's role."""

from django.conf import settings

from .roles import ROLE_LABELS, request_role


def clinic(request):
    role = request_role(request)
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "staff_role": role,
        "staff_role_label": ROLE_LABELS.get(role, ""),
    }
