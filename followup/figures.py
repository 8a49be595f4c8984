"""The figure that matters: of the patients who recovered in a period, how many came back for
an assessment of the underlying cause. Counted in the database, one query per figure.

Recovered: the case moved to recovered (`Case.recovered_at`) in the period. Came back: the same
patient later sent a follow-up check-in that asked for an assessment or raised a red flag, and
so was recorded on a case. Patients are counted once.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from intake.models import Case

from .models import CheckIn


@dataclass(frozen=True)
class CameBack:
    recovered: int
    came_back: int

    @property
    def percent(self) -> float | None:
        return 100 * self.came_back / self.recovered if self.recovered else None


@dataclass(frozen=True)
class Month:
    starts: datetime.date
    recovered: int
    came_back: int


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def recoveries(start: datetime.date, end: datetime.date):
    """Cases that recovered from `start` to `end`, both days included, clinic time."""
    return Case.objects.filter(
        recovered_at__gte=_midnight(start),
        recovered_at__lt=_midnight(end + datetime.timedelta(days=1)),
    )


# Each patient once; came back: a check-in of theirs after this recovery that asked for an
# assessment or opened a case.
PATIENTS = Count("patient_id", distinct=True)
CAME_BACK = Count(
    "patient_id",
    distinct=True,
    filter=Q(
        Exists(
            CheckIn.objects.filter(
                Q(wants_assessment=True) | Q(new_case__isnull=False),
                case__patient_id=OuterRef("patient_id"),
                created_at__gte=OuterRef("recovered_at"),
            )
        )
    ),
)


def came_back(start: datetime.date, end: datetime.date) -> CameBack:
    totals = recoveries(start, end).aggregate(recovered=PATIENTS, came_back=CAME_BACK)
    return CameBack(totals["recovered"], totals["came_back"])


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    first = start.year * 12 + start.month - 1
    last = end.year * 12 + end.month - 1
    return [datetime.date(m // 12, m % 12 + 1, 1) for m in range(first, last + 1)]


def came_back_by_month(start: datetime.date, end: datetime.date) -> list[Month]:
    """The same figure for each month of recovery in the period, empty months included."""
    rows = (
        recoveries(start, end)
        .annotate(month=TruncMonth("recovered_at"))
        .values("month")
        .annotate(recovered=PATIENTS, came_back=CAME_BACK)
        .order_by()
    )
    found = {timezone.localtime(r["month"]).date(): r for r in rows}
    empty = {"recovered": 0, "came_back": 0}
    return [
        Month(day, found.get(day, empty)["recovered"], found.get(day, empty)["came_back"])
        for day in month_starts(start, end)
    ]
