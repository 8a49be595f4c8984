"""Helpers for the follow-up tests: recovered cases with or without consent, due follow-ups."""

from django.utils import timezone

from clinic.models import OutgoingEmail
from followup import emails, plan
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


def followup_emails(**lookups):
    """The outbox rows of follow-ups, by the follow-up's fields (case=..., step=...)."""
    return OutgoingEmail.objects.filter(
        kind=OutgoingEmail.Kind.FOLLOWUP, **{f"followup__{k}": v for k, v in lookups.items()}
    )


def make_due(case, step=1):
    """Bring one step forward to now; returns it."""
    followup_emails(case=case, step=step).update(next_attempt_at=timezone.now())
    return FollowUp.objects.get(case=case, step=step)


def with_status(case, step, status, **fields):
    """Put one step's email in `status` (and set other fields of the email); returns the step."""
    followup_emails(case=case, step=step).update(status=status, **fields)
    return FollowUp.objects.get(case=case, step=step)


def new_followup(case, step=1, due_at=None):
    """One follow-up step written by hand (its email queued for `due_at`, default now)."""
    due_at = due_at or timezone.now()
    case = Case.objects.select_related("patient").get(pk=case.pk)
    email = emails.new_email(case, step, due_at)
    email.save()
    return FollowUp.objects.create(case=case, step=step, due_at=due_at, email=email)
