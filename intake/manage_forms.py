"""Forms for clinic admins: the triage targets."""

from django import forms

from .models import TriageTargets
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
