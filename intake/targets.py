"""When each tier's target falls due: minutes for emergencies, working days for the rest."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from clinic import audit

from .models import Case, Tier, TriageTargets

BATCH_SIZE = 2000
EDITABLE = [
    "emergency_ack_minutes",
    "urgent_working_days",
    "soon_working_days",
    "routine_working_days",
    "working_day_ends_hour",
]


def _end_of_working_day(day: datetime.date, hour: int, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)


def _next_working_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def due_at(tier: int, opened_at: datetime.datetime, targets: TriageTargets) -> datetime.datetime:
    """The moment the target for this tier falls due for a case opened at `opened_at`.

    Emergencies: `emergency_ack_minutes` after arrival, day or night. Other tiers: the end of
    the working day (Monday to Friday) N working days after the day it arrived; a case that
    arrives after the end of a working day, or at a weekend, counts from the next working day.
    """
    if tier == Tier.EMERGENCY:
        return opened_at + datetime.timedelta(minutes=targets.emergency_ack_minutes)
    days = {
        Tier.URGENT: targets.urgent_working_days,
        Tier.SOON: targets.soon_working_days,
        Tier.ROUTINE: targets.routine_working_days,
    }[Tier(tier)]
    tz = ZoneInfo(settings.TIME_ZONE)
    local = opened_at.astimezone(tz)
    day = local.date()
    if day.weekday() >= 5 or local.hour >= targets.working_day_ends_hour:
        day = _next_working_day(day)
    for _ in range(days):
        day = _next_working_day(day)
    return _end_of_working_day(day, targets.working_day_ends_hour, tz)


def recompute_open_targets(targets: TriageTargets, batch_size: int = BATCH_SIZE) -> int:
    """Move the due time of every open case still waiting for its target to these targets.

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
                .only("pk", "urgency", "opened_at", "target_due_at")
                .select_for_update()[:batch_size]
            )
            if not batch:
                return moved
            last_id = batch[-1].pk
            changed = []
            for case in batch:
                due = due_at(case.urgency, case.opened_at, targets)
                if case.target_due_at != due:
                    case.target_due_at = due
                    changed.append(case)
            Case.objects.bulk_update(changed, ["target_due_at"], batch_size=batch_size)
            moved += len(changed)


def change_targets(request, targets: TriageTargets) -> int:
    """Save edited targets, audit the change, and re-time the open cases still waiting."""
    targets.changed_by = request.user
    with transaction.atomic():
        if targets.pk is None:
            targets.save()
        else:
            targets.save(update_fields=[*EDITABLE, "changed_by", "changed_at"])
        audit.changed(request, "targets", None, "targets")
    return recompute_open_targets(targets)
