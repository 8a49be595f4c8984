"""Alerting practitioners on duty about emergency and urgent responses, through the outbox.

Each alert is an outbox row first (clinic/outbox.py), written in the same transaction as the
response, and handed to a worker once it commits; the outbox's safety policy retries it, sends
it again if its sender died mid-send, and marks it failed (a banner on every practitioner's
page) if it cannot be delivered.
"""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone

from clinic import outbox, roles
from clinic.models import OutgoingEmail

from .models import Case, CaseEvent, IntakeResponse, Tier, TriageTargets

log = logging.getLogger(__name__)

KIND = OutgoingEmail.Kind.ALERT


def recipients():
    """Practitioners on duty; if nobody is on duty, every practitioner and clinic admin."""
    staff = roles.clinical_staff().exclude(email="")
    on_duty = staff.filter(staff_profile__on_duty=True)
    if on_duty.exists():
        return on_duty
    log.warning("no practitioner is on duty: alerting every practitioner and clinic admin")
    return staff


def raise_alerts(case: Case, response: IntakeResponse) -> list[int]:
    """Write one outbox row per recipient and send them once the transaction commits."""
    rows = OutgoingEmail.objects.bulk_create(
        OutgoingEmail(
            kind=KIND,
            template="alert",
            case=case,
            recipient=user.email,
            recipient_user=user,
            context={"tier": response.urgency, "response": response.pk},
            dedupe_key=f"alert:{response.pk}:{user.pk}",
        )
        for user in recipients()
    )
    ids = [row.pk for row in rows]
    if not ids:
        log.error("case %s needs an alert but no practitioner has an email address", case.pk)
    outbox.send_on_commit(ids)
    return ids


def prepare(email: OutgoingEmail):
    """What the alert says: the tier, the case number, what to do by when (from the case's
    target and the clinic's targets, never a fixed figure), what the patient was told, and a
    link behind sign-in. Never an answer, a flag's name or the patient's name."""
    case = email.case
    tier = Tier(email.context["tier"])
    targets = TriageTargets.current()
    due = timezone.localtime(case.target_due_at) if case.target_due_at else None
    context = {
        "tier": tier,
        "emergency": tier == Tier.EMERGENCY,
        "case_id": case.pk,
        "ack_minutes": targets.emergency_ack_minutes,
        "due_time": dateformat.format(due, "H:i") if due else "",
        "due": dateformat.format(due, "l j F, H:i") if due else "",
        "repeat_minutes": settings.ESCALATION_REPEAT_MINUTES,
        "link": settings.SITE_URL + reverse("case_detail", args=[case.pk]),
    }
    urgent = {"X-Priority": "1 (Highest)", "Importance": "high"} if context["emergency"] else {}
    return context, urgent


def on_change(email: OutgoingEmail, event: str, actor=None):
    if event == OutgoingEmail.Status.SENT:
        CaseEvent.objects.create(
            case_id=email.case_id,
            kind=CaseEvent.Kind.ALERT,
            at=email.sent_at,
            data={
                "to": email.recipient_user.get_username(),
                "tier": Tier(email.context["tier"]).key,
            },
        )


def register():
    outbox.register(KIND, prepare, on_change, related=("case",))
