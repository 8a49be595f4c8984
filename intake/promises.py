"""What a patient is promised, computed from the targets, the clinic's hours and its time zone.

Patient pages never say "today" or "as soon as you send them" by themselves: they print a
Promise (when the clinic will be in touch, whether that is today, whether the clinic is open
now and when it opens next) prepared here, so that the moment promised is the target staff
are held to (`Case.target_due_at`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from . import calendar, targets
from .models import Case, Tier, TriageTargets


@dataclass(frozen=True)
class ClinicNow:
    """Whether the clinic is open at a moment, until when, or when it opens next."""

    is_open: bool
    closes: datetime.datetime | None  # when open
    opens: datetime.datetime | None  # when closed: the next opening

    @property
    def opens_today(self) -> bool:
        return self.opens is not None and _same_day(self.opens, _now())


@dataclass(frozen=True)
class Promise:
    tier: str  # the tier the patient is spoken to by
    due: datetime.datetime | None  # when the clinic will be in touch (None for emergencies)
    working_days: int | None  # the tier's target in working days
    clinic: ClinicNow

    @property
    def due_today(self) -> bool:
        return self.due is not None and _same_day(self.due, _now())


def _now() -> datetime.datetime:
    return timezone.now()


def _same_day(a: datetime.datetime, b: datetime.datetime) -> bool:
    return timezone.localtime(a).date() == timezone.localtime(b).date()


def clinic_now(cal: calendar.Calendar | None = None, now=None) -> ClinicNow:
    cal = cal or calendar.of(TriageTargets.current())
    now = now or _now()
    if cal.is_open(now):
        return ClinicNow(True, cal.closes_at(now), None)
    return ClinicNow(False, None, cal.next_opening(now))


def for_case(case: Case, tier: Tier, since: datetime.datetime | None = None) -> Promise:
    """The promise for a patient whose answers put them in `tier` on this case.

    The case's own due time when it is of that tier and still waiting (what staff see);
    otherwise the tier's target counted from `since` (default now).
    """
    current = TriageTargets.current()
    cal = calendar.of(current)
    clinic = clinic_now(cal)
    if tier == Tier.EMERGENCY:
        return Promise("emergency", None, None, clinic)
    if case.urgency == tier and case.target_met_at is None and case.target_due_at is not None:
        due = case.target_due_at
    else:
        due = targets.due_at(tier, since or _now(), current)
    days = {
        Tier.URGENT: current.urgent_working_days,
        Tier.SOON: current.soon_working_days,
        Tier.ROUTINE: current.routine_working_days,
    }[tier]
    return Promise(tier.key, timezone.localtime(due), days, clinic)
