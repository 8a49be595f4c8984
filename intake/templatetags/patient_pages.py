"""Template helpers for patient pages and emails: clock times, phone links, the CES safety net."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()

# The cauda equina safety net in plain words (docs/clinical-reference.md: the CES facts of the
# red-flag screen), shown on every patient page and in every follow-up email, HTML and plain
# text alike.
CES_SIGNS = (
    "new problems starting, stopping or controlling your pee, less feeling when you pee, not "
    "being able to tell when your bladder is full, or leaking pee",
    "not being able to hold in a poo, leaking from your bottom, or less feeling when you have "
    "a poo",
    "numbness or pins and needles between your legs: in your inner thighs, genitals, back "
    "passage or buttocks, or it feels different when you wipe",
    "a new change in getting an erection or in ejaculating, or less feeling in your genitals "
    "during sex",
    "pain, numbness, pins and needles or weakness in both legs, or weakness in a leg that is "
    "getting worse",
)


@register.simple_tag
def ces_signs():
    return CES_SIGNS


@register.filter
def clock(value):
    """A clock time as people say it: 6pm, 5:30pm, 9am, midday, midnight (clinic time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).time()
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


@register.filter
def tel(number):
    """A phone number as a tel: link target: its digits, and a leading + if it has one."""
    text = str(number).strip()
    digits = "".join(c for c in text if c.isdigit())
    return f"tel:{'+' if text.startswith('+') else ''}{digits}"
