"""Helpers for the follow-up tests: recovered cases with or without consent, due follow-ups."""

from django.utils import timezone

from followup import plan
from followup.models import FollowUp
from intake.forms import CONSENT_WORDING
from intake.models import Case
from intake.services import Contact, record_enquiry

from .factories import answers


def recovered_case(
    consent=True, email="alex.example@example.test", first_name="Alex", logged_by=None, **changes
):
    """A web enquiry with these answers, its case marked recovered (without the signal).

    With `logged_by` (staff), reception logged it: it joins the patient with these details."""
    recorded = record_enquiry(
        contact=Contact(first_name, "Example", email, "07700 900123"),
        source="phone" if logged_by else "web",
        logged_by=logged_by,
        answers=answers(**changes),
        consent_followup=consent,
        consent_wording=CONSENT_WORDING,
    )
    Case.objects.filter(pk=recorded.case.pk).update(status=Case.Status.RECOVERED)
    return Case.objects.get(pk=recorded.case.pk)


def scheduled_case(**kwargs):
    case = recovered_case(**kwargs)
    assert plan.schedule(case.pk) == 5
    return case


def make_due(case, step=1):
    """Bring one step forward to now; returns it."""
    FollowUp.objects.filter(case=case, step=step).update(next_attempt_at=timezone.now())
    return FollowUp.objects.get(case=case, step=step)
