"""Follow-up emails in the clinic's outbox (clinic/outbox.py): how a step's row is written,
turned into an email when it is due, and shown on the case's timeline.

The outbox sends them one at a time with its follow-up policy: transient errors retried after
1, 2, 4 ... minutes (at most an hour apart, failed after 10 attempts), a 5xx reply failed at
once, and a row found stuck mid-send marked 'outcome unknown' for a person to retry or cancel,
never resent blindly (a doubled reminder costs a patient's trust; a missed one is caught by the
person who sees it). Quiet hours (FollowUpPlan, clinic time) hold them;
FOLLOWUP_QUIET_HOURS=off lifts them. Nothing here holds clinical content.
"""

from django.conf import settings
from django.utils import timezone

from clinic import outbox
from clinic.emails import OneLineHeader
from clinic.models import OutgoingEmail
from intake.models import CaseEvent

from . import links
from .models import FollowUp, FollowUpPlan

KIND = OutgoingEmail.Kind.FOLLOWUP
S = OutgoingEmail.Status
# What the timeline shows; a transient error that will be retried is not news.
ON_TIMELINE = {S.SENT, S.FAILED, S.UNKNOWN, S.CANCELLED, outbox.RETRY}
STAFF = "staff"  # FollowUp.cancelled_reason when a person cancelled it


def new_email(case, step: int, due_at) -> OutgoingEmail:
    """The unsaved outbox row for one step of a case's plan (its patient loaded)."""
    return OutgoingEmail(
        kind=KIND,
        template="followup",
        case=case,
        recipient=case.patient.email,
        context={"step": step},
        next_attempt_at=due_at,
    )


def quiet_now() -> bool:
    return settings.FOLLOWUP_QUIET_HOURS and FollowUpPlan.current().is_quiet(timezone.now())


def prepare(email: OutgoingEmail):
    followup = email.followup  # loaded with the claim (RELATED) or looked up now
    unsubscribe = links.unsubscribe_url(followup.pk)
    context = {
        "first_name": followup.case.patient.first_name,
        "checkin_url": links.checkin_url(followup.pk),
        "unsubscribe_url": unsubscribe,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
    }
    headers = {
        "List-Unsubscribe": OneLineHeader("List-Unsubscribe", f"<{unsubscribe}>"),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return context, headers


def on_change(email: OutgoingEmail, event: str, actor=None):
    """A line on the case's timeline (the step and what happened, nothing else)."""
    if event not in ON_TIMELINE:
        return
    data = {"step": email.context["step"], "status": event}
    if event == S.CANCELLED:
        FollowUp.objects.filter(email=email).update(cancelled_reason=STAFF)
        data["reason"] = STAFF
    CaseEvent.objects.create(
        case_id=email.case_id, kind=CaseEvent.Kind.FOLLOWUP, actor=actor, data=data
    )


# What prepare reads, loaded by the outbox with the row it claims.
RELATED = ("followup__case__patient",)


def register():
    outbox.register(KIND, prepare, on_change, held=quiet_now, related=RELATED)
