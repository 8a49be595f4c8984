"""When each tier's target falls due: minutes for emergencies, working days for the rest."""

import datetime

from django.db import transaction

from clinic import audit

from . import calendar
from .models import Case, Tier, TriageTargets

BATCH_SIZE = 2000
EDITABLE = [
    "emergency_ack_minutes",
    "urgent_working_days",
    "soon_working_days",
    "routine_working_days",
    "working_day_ends_hour",
]


def due_at(tier: int, started_at: datetime.datetime, targets: TriageTargets) -> datetime.datetime:
    """The moment the target for this tier falls due when its clock started at `started_at`
    (a case's `target_started_at`: when it opened or last changed urgency).

    Emergencies: `emergency_ack_minutes` after the start, day or night. Other tiers: the end of
    the working day N working days after the day it started; a clock that starts after the end
    of a working day, or on a day the clinic is closed, counts from the next working day.
    Working days and their ends come from the clinic's hours and closed days (calendar.py).
    """
    if tier == Tier.EMERGENCY:
        return started_at + datetime.timedelta(minutes=targets.emergency_ack_minutes)
    days = {
        Tier.URGENT: targets.urgent_working_days,
        Tier.SOON: targets.soon_working_days,
        Tier.ROUTINE: targets.routine_working_days,
    }[Tier(tier)]
    return calendar.of(targets).due_after_working_days(started_at, days)


def recompute_open_targets(targets: TriageTargets, batch_size: int = BATCH_SIZE) -> int:
    """Move the due time of every open case still waiting for its target to these targets,
    counted from when each target's clock started (never from the opening of a case whose
    urgency changed since: that would make a raised case overdue at once).

    Works through the cases in batches by id, each batch locked while it is read and written,
    so that an override made meanwhile (which sets its own due time) is never overwritten with
    a stale one. Returns how many cases got a new due time.
    """
    waiting = Case.objects.filter(status__in=Case.OPEN_STATUSES, target_met_at__isnull=True)
    moved, last_id = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                waiting.filter(pk__gt=last_id)
                .order_by("pk")
                .only("pk", "urgency", "opened_at", "target_started_at", "target_due_at")
                .select_for_update()[:batch_size]
            )
            if not batch:
                return moved
            last_id = batch[-1].pk
            changed = []
            for case in batch:
                started = case.target_started_at or case.opened_at
                due = due_at(case.urgency, started, targets)
                if case.target_due_at != due or case.target_started_at is None:
                    case.target_started_at, case.target_due_at = started, due
                    changed.append(case)
            Case.objects.bulk_update(
                changed, ["target_started_at", "target_due_at"], batch_size=batch_size
            )
            moved += len(changed)


def change_targets(targets: TriageTargets, *, actor, ip=None) -> int:
    """Save edited targets as `actor` (from `ip`, on a page), audit the change, and re-time the
    open cases still waiting."""
    targets.changed_by = actor
    with transaction.atomic():
        if targets.pk is None:
            targets.save()
        else:
            targets.save(update_fields=[*EDITABLE, "changed_by", "changed_at"])
        audit.change(actor, "targets", None, "targets", ip)
    return recompute_open_targets(targets)
