"""When each tier's target falls due: minutes for emergencies, working days for the rest."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Tier, TriageTargets


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
