"""Escalation: a case that missed its target is made impossible to miss.

- An emergency not acknowledged by its target (intake/targets.py: minutes, day or night) is
  escalated to every practitioner and clinic admin, on duty or not, and to the escalation
  contacts clinic admins keep; then again every ESCALATION_REPEAT_MINUTES until someone
  acknowledges it. Round n of a target falls due at `target + (n - 1) x repeat`: a pass that
  runs late sends the round due now (never a burst of the rounds it missed).
- An urgent case not contacted by its due time (the end of a working day, from the clinic's
  hours: intake/calendar.py) is escalated once, to the practitioners on duty (everyone when
  nobody is).

Each round is an Escalation row, a line on the case's timeline and one outbox row per recipient
(clinic/outbox.py, kind "escalation": the safety policy retries it and shows a banner if it
fails), all in one transaction. `run(now)` is one pass; beat runs it every minute
(intake/tasks.py) and `manage.py escalate` runs it by hand. Two passes at once never send a
round twice: a pass locks each case it escalates (FOR UPDATE SKIP LOCKED: a case another pass
holds is left to it), reads the rounds again once it holds the lock, and the database refuses
a second row for the same round (the `escalation_once` unique constraint) whatever happens.

The emails carry the case number, the tier, how long it has waited and a link behind login;
never a name, an answer or a flag.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import dateformat, timezone

from clinic import outbox, roles
from clinic.models import OutgoingEmail

from . import alerts
from .models import Case, CaseEvent, Escalation, EscalationContact, Tier, TriageTargets

log = logging.getLogger(__name__)

KIND = OutgoingEmail.Kind.ESCALATION
E = Escalation.Kind


def repeat_every() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ESCALATION_REPEAT_MINUTES)


def round_due(kind: str, target_due_at: datetime.datetime, now: datetime.datetime) -> int | None:
    """The round of this target due at `now` (1 at the target), or None before the target."""
    if now < target_due_at:
        return None
    if kind == E.NOT_CONTACTED:
        return 1
    return int((now - target_due_at) // repeat_every()) + 1


def _last_round(kind):
    """The latest round already written about each case's current target (None: none yet)."""
    return Subquery(
        Escalation.objects.filter(
            case=OuterRef("pk"), kind=kind, target_due_at=OuterRef("target_due_at")
        )
        .order_by("-number")
        .values("number")[:1]
    )


def waiting(kind: str) -> QuerySet:
    """The open cases that are past their target and still waiting for what the kind needs."""
    if kind == E.NOT_ACKNOWLEDGED:
        # What the queue pins: an emergency nobody has acknowledged (queue_rank 0), open.
        return Case.objects.filter(queue_rank=0, status__in=Case.OPEN_STATUSES)
    # queue_rank is urgency + 1 below emergencies: it lets the open-queue index find them
    # (about 1 ms instead of 60 ms at half a million cases).
    return Case.objects.filter(
        queue_rank=Tier.URGENT + 1,
        urgency=Tier.URGENT,
        status__in=Case.OPEN_STATUSES,
        target_met_at__isnull=True,
    )


def due(now: datetime.datetime) -> list[tuple[str, int]]:
    """(kind, case id) of every case with a round due now; one query per kind."""
    found = []
    for kind in (E.NOT_ACKNOWLEDGED, E.NOT_CONTACTED):
        rows = (
            waiting(kind)
            .filter(target_due_at__lte=now)
            .annotate(last_round=_last_round(kind))
            .order_by("target_due_at", "pk")
            .values_list("pk", "target_due_at", "last_round")
        )
        for pk, target, last in rows:
            if (last or 0) < round_due(kind, target, now):
                found.append((kind, pk))
    return found


# --- Who is told ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    user: object | None = None  # a member of staff, or None for an escalation contact
    key: str = ""  # what makes the outbox row one of a kind


def recipients(kind: str) -> list[Recipient]:
    if kind == E.NOT_CONTACTED:
        return [Recipient(u.email, u, f"u{u.pk}") for u in alerts.recipients()]
    staff = [Recipient(u.email, u, f"u{u.pk}") for u in roles.clinical_staff().exclude(email="")]
    known = {r.email.casefold() for r in staff}
    contacts = [
        Recipient(c.email, None, f"c{c.pk}")
        for c in EscalationContact.objects.all()
        if c.email.casefold() not in known
    ]
    return staff + contacts


# --- One pass ------------------------------------------------------------------------------------


@dataclass
class Summary:
    emergencies: int = 0  # rounds written about unacknowledged emergencies
    urgent: int = 0  # urgent cases escalated
    emails: int = 0
    skipped: int = 0  # due when looked at, but another pass had it (or it was acknowledged)

    @property
    def rounds(self) -> int:
        return self.emergencies + self.urgent


def run(
    now: datetime.datetime | None = None,
    progress: Callable[[Escalation], None] | None = None,
) -> Summary:
    """One pass: write every round due at `now`; `progress(escalation)` after each."""
    now = now or timezone.now()
    summary = Summary()
    for kind, case_id in due(now):
        escalation = escalate(kind, case_id, now)
        if escalation is None:
            summary.skipped += 1
            continue
        if kind == E.NOT_ACKNOWLEDGED:
            summary.emergencies += 1
        else:
            summary.urgent += 1
        summary.emails += escalation.recipients
        if progress is not None:
            progress(escalation)
    return summary


def escalate(kind, case_id, now) -> Escalation | None:
    """Write the round of `kind` due now about this case, with its emails and timeline line;
    None if none is due any more or another pass holds (or has written) it."""
    with transaction.atomic():
        case = (
            waiting(kind)
            .select_for_update(skip_locked=True, no_key=True)
            .filter(pk=case_id, target_due_at__lte=now)
            .first()
        )
        if case is None:  # another pass holds it, or it was acknowledged or contacted
            return None
        number = round_due(kind, case.target_due_at, now)
        # Read now that the case is ours: a pass that held it a moment ago has committed.
        done = Escalation.objects.filter(
            case=case, kind=kind, target_due_at=case.target_due_at
        ).aggregate(last=Max("number"))["last"]
        if number is None or (done or 0) >= number:
            return None
        told = recipients(kind)
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    case=case,
                    kind=kind,
                    target_due_at=case.target_due_at,
                    number=number,
                    waiting_since=waiting_since(case),
                    at=now,
                    recipients=len(told),
                )
        except IntegrityError:  # the database's own word: this round is already written
            log.info("case %s escalation %s %s already written", case.pk, kind, number)
            return None
        rows = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                kind=KIND,
                template="escalation",
                case=case,
                recipient=recipient.email,
                recipient_user=recipient.user,
                context={"escalation": escalation.pk},
                dedupe_key=f"escalation:{escalation.pk}:{recipient.key}",
                created_at=now,
                next_attempt_at=now,
            )
            for recipient in told
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.ESCALATED,
            at=now,
            data={
                "reason": kind,
                "number": number,
                "minutes": minutes(escalation.waited),
                "recipients": len(told),
            },
        )
        outbox.send_on_commit([row.pk for row in rows])
    if told:
        log.warning(
            "case %s escalated (%s, round %s) to %s recipients", case.pk, kind, number, len(told)
        )
    else:
        log.error("case %s needs escalating but nobody has an email address", case.pk)
    return escalation


def waiting_since(case) -> datetime.datetime:
    """When the clock of the missed target started: when the case opened or last changed
    urgency (an old case made an emergency has waited since then, not since it opened)."""
    return case.target_started_at or case.opened_at


def minutes(delta: datetime.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def duration_words(total_minutes: int) -> str:
    """'25 minutes', '1 hour 5 minutes', '2 hours'."""
    hours, mins = divmod(total_minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not hours:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


# --- The email -----------------------------------------------------------------------------------


def prepare(email: OutgoingEmail):
    escalation = Escalation.objects.get(pk=email.context["escalation"])
    targets = TriageTargets.current()
    due = timezone.localtime(escalation.target_due_at)
    context = {
        "case_id": escalation.case_id,
        "emergency": escalation.kind == E.NOT_ACKNOWLEDGED,
        "number": escalation.number,
        "waited": duration_words(minutes(escalation.waited)),
        "ack_minutes": targets.emergency_ack_minutes,
        "repeat": duration_words(settings.ESCALATION_REPEAT_MINUTES),
        "due": dateformat.format(due, "l j F, H:i"),
        "link": settings.SITE_URL + reverse("case_detail", args=[escalation.case_id]),
        "to_contact": email.recipient_user_id is None,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
    }
    priority = {"X-Priority": "1 (Highest)", "Importance": "high"} if context["emergency"] else {}
    return context, priority


def register():
    outbox.register(KIND, prepare)
