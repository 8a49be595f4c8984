"""Forms for follow-up: the patient's check-in, and the staff's plan, reschedule and period."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from clinic.text import LineField
from intake import rules
from intake.forms import YES_NO, question_field, to_answer

from .models import FollowUpPlan

# The red-flag facts asked again at a check-in, in the intake's order and sections. Whether this
# is the first episode of back pain is not asked: the recovered case says it is not. Facts not
# asked are never counted as unanswered (which would mark the screen incomplete).
SCREEN_QUESTIONS = tuple(q for q in rules.QUESTIONS if q.red_flag and q.id != "first_episode")
NEVER_ASKED = ("first_episode",)
PAIN = rules.QUESTIONS_BY_ID["pain_score"]
DURATION = rules.QUESTIONS_BY_ID["pain_duration_weeks"]

ASSESSMENT_LABEL = "I would like an assessment of the underlying cause of my back pain"


class CheckInForm(forms.Form):
    """Pain now, whether it came back, every red-flag fact again; nothing is pre-selected."""

    recurred = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Has your back pain come back?"
    )
    wants_assessment = forms.BooleanField(
        required=False,
        label=ASSESSMENT_LABEL,
        help_text="A back spasm is often a warning sign: the cause is usually still there. "
        "Tick this and we will contact you to book an assessment.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pain_now"] = question_field(PAIN)
        # Asked only when the pain is back; one of the facts of the inflammatory-pain rule.
        self.fields["pain_duration_weeks"] = question_field(DURATION, required=False)
        self.fields[
            "pain_duration_weeks"
        ].help_text = f"Only if your back pain has come back. {DURATION.help}"
        for question in SCREEN_QUESTIONS:
            self.fields[question.id] = question_field(question)
        self.order_fields(["pain_now", "recurred", "pain_duration_weeks"])
        for name in ("pain_now", "pain_duration_weeks"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        self.helper = FormHelper()
        # The server judges what is sent, whatever is missing (an emergency answer wins over a
        # question left out): the browser's own checks must not hold the form back.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                "How your back is now",
                "pain_now",
                "recurred",
                "pain_duration_weeks",
                css_class="mb-4",
            ),
            HTML(
                '<p class="mb-4">Please answer every question below, even if your pain has not '
                "come back. They are the warning signs we asked about before.</p>"
            ),
            *self.screen_fieldsets(),
            Fieldset("An assessment", "wants_assessment", css_class="mb-4"),
            Submit("submit", "Send my answers", css_class="btn-lg w-100"),
        )

    @staticmethod
    def screen_fieldsets():
        for section_id, title in rules.SECTIONS:
            ids = [q.id for q in SCREEN_QUESTIONS if q.section == section_id]
            if ids:
                yield Fieldset(title, *ids, css_class="mb-4")

    def clean(self):
        data = super().clean()
        if data.get("recurred") == "yes" and data.get("pain_duration_weeks") is None:
            if "pain_duration_weeks" not in self.errors:
                self.add_error("pain_duration_weeks", "As your pain has come back, how long ago?")
        elif data.get("recurred") == "no":
            data["pain_duration_weeks"] = None  # no current episode to measure
        return data

    @property
    def pain_came_back(self) -> bool:
        return self.cleaned_data["recurred"] == "yes"

    def answers(self) -> dict:
        """The answers as intake's rules read them; the date of birth is the record's to add."""
        data = self.cleaned_data
        answers = {q.id: to_answer(q, data.get(q.id)) for q in SCREEN_QUESTIONS}
        answers["pain_score"] = data["pain_now"]
        answers["pain_duration_weeks"] = data.get("pain_duration_weeks")
        return answers

    def not_asked(self) -> tuple[str, ...]:
        """Facts this check-in did not ask: how long the pain has been back is asked only when
        it has come back (there is no current episode to measure otherwise)."""
        if self.pain_came_back:
            return NEVER_ASKED
        return (*NEVER_ASKED, "pain_duration_weeks")

    def readable_answers(self) -> dict:
        """The answers that passed their checks, however many others did not (call after
        is_valid()): what an emergency is judged on when the form has errors."""
        cleaned = getattr(self, "cleaned_data", {})
        answers = {q.id: to_answer(q, cleaned.get(q.id)) for q in SCREEN_QUESTIONS}
        answers["pain_score"] = cleaned.get("pain_now")
        answers["pain_duration_weeks"] = cleaned.get("pain_duration_weeks")
        return answers

    def readable_not_asked(self) -> tuple[str, ...]:
        """not_asked() for a form that may have errors: the duration counts as asked only when
        the pain is said to have come back."""
        if getattr(self, "cleaned_data", {}).get("recurred") == "yes":
            return NEVER_ASKED
        return (*NEVER_ASKED, "pain_duration_weeks")


# --- Staff -------------------------------------------------------------------------------------

MAX_STEP_DAYS = 3660  # ten years: beyond that a date is a typing mistake
MAX_STEPS = 12


class StepsField(LineField):
    """Days after recovery written "14, 42, 91"; the model checks that they rise."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [part for part in text.replace(";", ",").replace(",", " ").split() if part]
        if not parts:
            return []
        if not all(part.isdecimal() for part in parts):
            raise forms.ValidationError(
                "Write whole numbers of days separated by commas, for example 14, 42, 91."
            )
        days = [int(part) for part in parts]
        if len(days) > MAX_STEPS:
            raise forms.ValidationError(f"At most {MAX_STEPS} follow-ups.")
        if max(days) > MAX_STEP_DAYS:
            raise forms.ValidationError(f"Each follow-up at most {MAX_STEP_DAYS} days after.")
        return days


class FollowUpPlanForm(forms.ModelForm):
    steps = StepsField(
        label="Follow-ups, in days after recovery",
        help_text="Separated by commas, each later than the last. The default is "
        "14, 42, 91, 152, 365: 2 weeks, 6 weeks, 3 months, 5 months and 12 months.",
    )
    quiet_start = forms.TimeField(
        label="Quiet hours start",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="No follow-up email is sent from this time…",
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="…until this time. The same time twice means no quiet hours.",
    )

    class Meta:
        model = FollowUpPlan
        fields = ["steps", "quiet_start", "quiet_end"]


class RescheduleForm(forms.Form):
    due_on = forms.DateField(label="New date")

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if due_on < today:
            raise forms.ValidationError("Choose today or a later date.")
        if due_on > today + datetime.timedelta(days=MAX_STEP_DAYS):
            raise forms.ValidationError("Choose a date within ten years.")
        return due_on


MAX_PERIOD_DAYS = 3 * 366
# A browser's date input reads and writes ISO dates only, whatever the language.
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """The period of recoveries the came-back figure counts; both days included."""

    # Whole days around a period are added up (figures.py); within these years that never
    # leaves the calendar, and no clinic's recoveries lie outside them.
    EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
    OUT_OF_RANGE = "Choose a date between 1900 and 2999."

    start = forms.DateField(label="Recovered from", widget=ISO_DATE)
    end = forms.DateField(label="to", widget=ISO_DATE)

    def _within_years(self, name):
        day = self.cleaned_data[name]
        if not self.EARLIEST <= day <= self.LATEST:
            raise forms.ValidationError(self.OUT_OF_RANGE)
        return day

    def clean_start(self):
        return self._within_years("start")

    def clean_end(self):
        return self._within_years("end")

    @staticmethod
    def default_period(today: datetime.date) -> dict:
        """The last twelve months, this one included: from the 1st of the month 11 months ago."""
        months = today.year * 12 + today.month - 1 - 11
        return {"start": datetime.date(months // 12, months % 12 + 1, 1), "end": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end cannot be before the start.")
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", "Choose a period of at most three years.")
        return data
