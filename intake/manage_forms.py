"""Forms for clinic admins: the triage targets."""

from django import forms

from clinic.text import LineField

from .models import ClosedDay, EscalationContact, OpeningHours, TriageTargets
from .targets import EDITABLE

MAX_WORKING_DAYS = 60


def working_days(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_WORKING_DAYS,
        help_text="Working days (Monday to Friday) after the day the case arrives; "
        "0 means by the end of that day.",
    )


class TriageTargetsForm(forms.ModelForm):
    emergency_ack_minutes = forms.IntegerField(
        label="Emergency: acknowledge within (minutes)",
        min_value=1,
        max_value=24 * 60,
        help_text="Day or night, from the moment the case arrives. At most 1440 (a day).",
    )
    urgent_working_days = working_days("Urgent: contact within (working days)")
    soon_working_days = working_days("Soon: contact within (working days)")
    routine_working_days = working_days("Routine: contact within (working days)")
    working_day_ends_hour = forms.IntegerField(
        label="The working day ends at (hour, 24-hour clock)",
        min_value=1,
        max_value=23,
        help_text="Cases that arrive after this hour count from the next working day.",
    )

    class Meta:
        model = TriageTargets
        fields = EDITABLE

    def clean(self):
        cleaned = super().clean()
        urgent, soon, routine = (
            cleaned.get(f"{tier}_working_days") for tier in ("urgent", "soon", "routine")
        )
        if None not in (urgent, soon) and soon < urgent:
            self.add_error("soon_working_days", "Soon cannot be sooner than urgent.")
        if None not in (soon, routine) and routine < soon:
            self.add_error("routine_working_days", "Routine cannot be sooner than soon.")
        return cleaned


class OpeningHoursForm(forms.Form):
    """The clinic's opening hours, one line per day of the week."""

    def __init__(self, *args, week=None, **kwargs):
        super().__init__(*args, **kwargs)
        week = week or {}
        for weekday, name in OpeningHours.Weekday.choices:
            hours = week.get(weekday)
            self.fields[f"open_{weekday}"] = forms.BooleanField(
                required=False, label=f"Open on {name}s", initial=hours is not None
            )
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                required=False,
                label=f"{name}: opens at",
                initial=hours[0] if hours else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                required=False,
                label=f"{name}: closes at",
                initial=hours[1] if hours else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def days(self):
        """(weekday, name, open field, opens field, closes field) for the template's rows."""
        return [
            (
                weekday,
                name,
                self[f"open_{weekday}"],
                self[f"opens_{weekday}"],
                self[f"closes_{weekday}"],
            )
            for weekday, name in OpeningHours.Weekday.choices
        ]

    def clean(self):
        cleaned = super().clean()
        for weekday, name in OpeningHours.Weekday.choices:
            if not cleaned.get(f"open_{weekday}"):
                continue
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if opens is None and f"opens_{weekday}" not in self.errors:
                self.add_error(f"opens_{weekday}", f"When does the clinic open on {name}s?")
            if closes is None and f"closes_{weekday}" not in self.errors:
                self.add_error(f"closes_{weekday}", f"When does the clinic close on {name}s?")
            if opens is not None and closes is not None and closes <= opens:
                self.add_error(f"closes_{weekday}", "Closing time must be after opening time.")
        if not any(cleaned.get(f"open_{weekday}") for weekday in range(7)):
            raise forms.ValidationError("The clinic must be open on at least one day of the week.")
        return cleaned

    def week(self):
        cleaned = self.cleaned_data
        return {
            weekday: (cleaned[f"opens_{weekday}"], cleaned[f"closes_{weekday}"])
            if cleaned.get(f"open_{weekday}")
            else None
            for weekday in range(7)
        }


class ClosedDayForm(forms.ModelForm):
    day = forms.DateField(
        label="Closed on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A bank "
        "holiday, a training day: a day the clinic is closed although it is usually open.",
    )

    reason = LineField(label="Why (optional, shown to staff only)", max_length=100, required=False)

    class Meta:
        model = ClosedDay
        fields = ["day", "reason"]


class EscalationContactForm(forms.ModelForm):
    name = LineField(
        label="Name or role",
        max_length=100,
        help_text="Who this is, as staff will recognise it: “Clinical lead”, “Practice manager”.",
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Escalation emails go here as well as to every practitioner and clinic admin.",
    )

    class Meta:
        model = EscalationContact
        fields = ["name", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if EscalationContact.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("This address is already an escalation contact.")
        return email
