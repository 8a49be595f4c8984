"""The figures behind the clinic overview, each aggregated in the database in one query.

Each function returns plain data (dates, counts, durations) whatever the number of rows; the
page turns them into charts and tables.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Aggregate, Count, DurationField, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import Case, Enquiry, Tier

WEEKS = 12
PERIOD_DAYS = 90


class Median(Aggregate):
    """PostgreSQL's exact median of an ordered set."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


@dataclass(frozen=True)
class Week:
    starts: datetime.date
    by_tier: dict[Tier, int]

    @property
    def total(self) -> int:
        return sum(self.by_tier.values())


@dataclass(frozen=True)
class TargetRecord:
    tier: Tier
    met: int
    breached: int
    waiting: int

    @property
    def due(self) -> int:
        return self.met + self.breached

    @property
    def percent_met(self) -> float | None:
        return 100 * self.met / self.due if self.due else None


@dataclass(frozen=True)
class Acknowledgement:
    median: datetime.timedelta | None
    count: int


def week_start(now: datetime.datetime) -> datetime.datetime:
    """Local midnight on the Monday of the week `now` falls in."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return datetime.datetime.combine(monday, datetime.time(), tzinfo=local.tzinfo)


def enquiries_per_week(now: datetime.datetime, weeks: int = WEEKS) -> list[Week]:
    """Enquiries in each of the last `weeks` weeks (this one included), by their case's tier."""
    # Aware arithmetic in the clinic's zone keeps wall time: still midnight after a clock change.
    first = week_start(now) - datetime.timedelta(weeks=weeks - 1)
    rows = (
        Enquiry.objects.filter(created_at__gte=first)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "case__urgency")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(timezone.localtime(r["week"]).date(), r["case__urgency"]): r["n"] for r in rows}
    starts = [first.date() + datetime.timedelta(weeks=i) for i in range(weeks)]
    return [Week(day, {tier: counts.get((day, tier), 0) for tier in Tier}) for day in starts]


def targets_met(now: datetime.datetime, days: int = PERIOD_DAYS) -> list[TargetRecord]:
    """For cases opened in the last `days` days: targets met on time, breached, and not yet due.

    Met on time means met at or before it fell due; a target still unmet once due is breached.
    """
    overdue = Q(target_met_at__isnull=True, target_due_at__lt=now)
    rows = (
        Case.objects.filter(opened_at__gte=now - datetime.timedelta(days=days))
        .exclude(target_due_at=None)
        .values("urgency")
        .annotate(
            met=Count("id", filter=Q(target_met_at__lte=F("target_due_at"))),
            breached=Count("id", filter=Q(target_met_at__gt=F("target_due_at")) | overdue),
            waiting=Count("id", filter=Q(target_met_at__isnull=True, target_due_at__gte=now)),
        )
        .order_by()
    )
    found = {r["urgency"]: r for r in rows}
    empty = {"met": 0, "breached": 0, "waiting": 0}
    return [
        TargetRecord(tier, **{k: found.get(tier, empty)[k] for k in ("met", "breached", "waiting")})
        for tier in Tier
    ]


def emergency_acknowledgement(now: datetime.datetime, days: int = PERIOD_DAYS) -> Acknowledgement:
    """Median time from opening to acknowledgement, for emergencies opened in the last `days`."""
    cases = Case.objects.filter(
        urgency=Tier.EMERGENCY,
        opened_at__gte=now - datetime.timedelta(days=days),
        acknowledged_at__isnull=False,
    )
    waited = F("acknowledged_at") - F("opened_at")
    result = cases.aggregate(median=Median(waited, output_field=DurationField()), count=Count("id"))
    return Acknowledgement(result["median"], result["count"])


def open_cases_by_status() -> dict[Case.Status, int]:
    """How many cases are open in each open status, zeros included."""
    rows = (
        Case.objects.filter(status__in=Case.OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {r["status"]: r["n"] for r in rows}
    return {status: counts.get(status, 0) for status in Case.OPEN_STATUSES}
