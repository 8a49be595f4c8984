"""Template context every page needs: the clinic's name and phone, the user's role, and whether
a safety alert could not be delivered."""

from django.conf import settings
from django.utils.functional import cached_property

from .outbox import failed_urgent_cases
from .roles import ROLE_LABELS, TRIAGE, request_role


def clinic(request):
    role = request_role(request)
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "staff_role_label": ROLE_LABELS.get(role, ""),
    }


class FailedAlerts:
    """Cases whose safety alert could not be delivered, for the banner on every practitioner's
    and clinic admin's page. Asked for by the template only, so a page without the banner (a
    fragment, a CSV) pays nothing; then one query, however often the template asks."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def case_ids(self) -> list[int]:
        user = getattr(self.request, "user", None)
        if user is None or not user.has_perm(TRIAGE):
            return []
        return failed_urgent_cases()


def outbox(request):
    return {"failed_alerts": FailedAlerts(request)}
