"""The clinic's calendar: opening hours per weekday, closed days, and the working-day arithmetic.

Targets in working days (intake/targets.py) and every time promised to a patient
(intake/promises.py) come from here, so a promise and the target staff are held to are always
the same moment. Times are the clinic's (settings.TIME_ZONE).

A working day is a weekday with opening hours that is not a closed day. Its deadline, the
moment a target in working days falls due on it, is the targets' "working day ends" hour, or
closing time if the clinic closes earlier that day: a patient told "by 6pm" must be able to
call the clinic until then.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

# Monday to Friday 09:00-18:00, closed at weekends: the hours of a weekday with no row.
DEFAULT_HOURS = {
    **{weekday: (datetime.time(9), datetime.time(18)) for weekday in range(5)},
    5: None,
    6: None,
}
# Looking further ahead than this for a working day means the calendar has none (refused by
# the hours form; this only stops a loop).
MAX_DAYS_AHEAD = 800


class NoWorkingDay(ValueError):
    """The calendar has no working day within MAX_DAYS_AHEAD days."""


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    hours: Mapping[int, tuple[datetime.time, datetime.time] | None]  # weekday -> open, close
    closed_days: frozenset[datetime.date]
    day_ends: datetime.time  # the targets' "working day ends at"

    @classmethod
    def load(cls, day_ends_hour: int = 18) -> Calendar:
        """The calendar as clinic admins set it (two queries)."""
        from .models import ClosedDay

        return cls(
            tz=ZoneInfo(settings.TIME_ZONE),
            hours=week(),
            closed_days=frozenset(ClosedDay.objects.values_list("day", flat=True)),
            day_ends=datetime.time(day_ends_hour),
        )

    # --- days ---

    def opening_hours(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """When the clinic is open on `day`, or None if it is closed all day."""
        if day in self.closed_days:
            return None
        return self.hours.get(day.weekday())

    def is_working_day(self, day: datetime.date) -> bool:
        return self.opening_hours(day) is not None

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day after `day`."""
        for ahead in range(1, MAX_DAYS_AHEAD + 1):
            candidate = day + datetime.timedelta(days=ahead)
            if self.is_working_day(candidate):
                return candidate
        raise NoWorkingDay(f"no working day within {MAX_DAYS_AHEAD} days of {day}")

    def _at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, time, tzinfo=self.tz)

    def deadline(self, day: datetime.date) -> datetime.datetime:
        """When a target falls due on working day `day`: the working day's end, or closing time
        if the clinic closes earlier (never before it opens)."""
        opens, closes = self.opening_hours(day)
        ends = min(closes, self.day_ends)
        return self._at(day, ends if ends > opens else closes)

    # --- moments ---

    def is_open(self, at: datetime.datetime) -> bool:
        local = at.astimezone(self.tz)
        hours = self.opening_hours(local.date())
        return hours is not None and self._at(local.date(), hours[0]) <= local < self._at(
            local.date(), hours[1]
        )

    def closes_at(self, at: datetime.datetime) -> datetime.datetime | None:
        """When the clinic closes, if it is open at `at`."""
        if not self.is_open(at):
            return None
        local = at.astimezone(self.tz)
        return self._at(local.date(), self.opening_hours(local.date())[1])

    def next_opening(self, at: datetime.datetime) -> datetime.datetime:
        """The next moment after `at` that the clinic opens."""
        local = at.astimezone(self.tz)
        hours = self.opening_hours(local.date())
        if hours is not None and local < self._at(local.date(), hours[0]):
            return self._at(local.date(), hours[0])
        day = self.next_working_day(local.date())
        return self._at(day, self.opening_hours(day)[0])

    def due_after_working_days(self, arrived: datetime.datetime, days: int) -> datetime.datetime:
        """The deadline `days` working days after the day something arrived; 0 is the day it
        arrived. Something that arrives on a day the clinic is closed, or after that working
        day's deadline, counts from the next working day."""
        local = arrived.astimezone(self.tz)
        day = local.date()
        if not self.is_working_day(day) or local >= self.deadline(day):
            day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return self.deadline(day)


def of(targets) -> Calendar:
    """The calendar with these targets' end of the working day, loaded once per targets object
    (so a loop over many cases with one targets object reads the calendar once)."""
    cached = getattr(targets, "_calendar", None)
    if cached is None or cached.day_ends.hour != targets.working_day_ends_hour:
        cached = Calendar.load(targets.working_day_ends_hour)
        targets._calendar = cached
    return cached


def week() -> dict[int, tuple[datetime.time, datetime.time] | None]:
    """The opening hours per weekday as they stand (defaults for weekdays without a row)."""
    from .models import OpeningHours

    hours = dict(DEFAULT_HOURS)
    for row in OpeningHours.objects.all():
        hours[row.weekday] = None if row.opens is None else (row.opens, row.closes)
    return hours


def save_week(hours: Mapping[int, tuple[datetime.time, datetime.time] | None]) -> None:
    """Set the opening hours of every weekday (None: closed that day), in one transaction."""
    from django.db import transaction

    from .models import OpeningHours

    if not any(hours.get(weekday) for weekday in range(7)):
        raise NoWorkingDay("the clinic must be open on at least one day of the week")
    with transaction.atomic():
        for weekday in range(7):
            opens, closes = hours.get(weekday) or (None, None)
            OpeningHours.objects.update_or_create(
                weekday=weekday, defaults={"opens": opens, "closes": closes}
            )
