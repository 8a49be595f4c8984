"""The questionnaire as Django forms: one public form, one for reception, same questions."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from clinic.text import LineField, TextField

from . import rules
from .models import Enquiry

YES_NO = [("yes", "Yes"), ("no", "No")]
# Ages the questionnaire is for: a date of birth outside them is almost always a typing mistake,
# and a wrong year can move a patient across an age line of the rules (50/51).
MIN_AGE, MAX_AGE = 16, 110
LEG_LABELS = {"none": "No", "one": "Yes, one leg", "both": "Yes, both legs"}

CONSENT_WORDING = (
    "I agree that the clinic may email me after I recover, to check how my back is and to "
    "invite me to have the cause of my back pain assessed. I can stop these emails at any time."
)


# What each question is about, in a few words: error messages name the question, so that a
# page of them never reads as the same "This field is required." over and over.
TOPICS = {
    "date_of_birth": "your date of birth",
    "first_episode": "whether this is your first back pain",
    "pain_score": "how bad your back pain is",
    "pain_duration_weeks": "how many weeks ago this episode started",
    "bladder_change": "new bladder problems",
    "bowel_change": "new bowel problems",
    "saddle_numbness": "numbness between your legs",
    "sexual_change": "changes in sex or genital feeling",
    "leg_symptoms": "pain, pins and needles or numbness down your legs",
    "leg_weakness": "weakness in your legs",
    "weakness_worsening": "whether the weakness is getting worse",
    "major_trauma": "a major accident",
    "minor_trauma": "a minor fall or lifting",
    "osteoporosis_or_steroids": "osteoporosis or steroid tablets",
    "chest_pain": "chest pain",
    "abdominal_pain_or_fainting": "tummy pain, fainting or a pulsing feeling",
    "cancer_history": "cancer",
    "fever": "fever, chills or night sweats",
    "infection_risk": "your immune system and infection risk",
    "weight_loss": "weight loss",
    "night_pain": "pain at night",
    "morning_stiffness": "morning stiffness",
    "better_with_movement": "pain easing with movement",
}


def missing_answer(question) -> str:
    """The message for a question left unanswered, naming it."""
    topic = TOPICS.get(question.id, "this question")
    match question.kind:
        case "yesno":
            return f"Answer yes or no: {topic}."
        case "leg":
            return f"Choose an answer: {topic}."
        case "date":
            return "Enter your date of birth, for example 02/07/1991."
        case "score":
            return f"Enter a number from 0 to 10: {topic}."
    return f"Enter a whole number of weeks (0 if less than a week): {topic}."


def question_field(question, required=True):
    """A form field for one fact of the clinical reference; no answer is ever pre-selected."""
    messages = {"required": missing_answer(question)}
    if question.kind in ("score", "weeks"):
        messages["invalid"] = missing_answer(question)
    common = {
        "label": question.text,
        "help_text": question.help,
        "required": required,
        "error_messages": messages,
    }
    match question.kind:
        case "yesno":
            return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
        case "leg":
            choices = [(c, LEG_LABELS[c]) for c in rules.LEG_CHOICES]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        case "date":
            widget = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
            return forms.DateField(widget=widget, **common)
        case "score":
            return forms.IntegerField(min_value=0, max_value=10, **common)
        case "weeks":
            return forms.IntegerField(
                min_value=0, max_value=rules.MAX_PAIN_DURATION_WEEKS, **common
            )
    raise ValueError(f"unknown question kind {question.kind!r}")


def to_answer(question, value):
    """The cleaned form value as the rules expect it (None when left empty)."""
    if value in (None, ""):
        return None
    if question.kind == "yesno":
        return value == "yes"
    return value


class QuestionsMixin:
    """Adds every question of the clinical reference to a form, and reads the answers back."""

    questions_required = True

    def add_questions(self):
        for question in rules.QUESTIONS:
            self.fields[question.id] = question_field(question, self.questions_required)

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob is None:
            return dob
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("Date of birth cannot be in the future.")
        if dob.year < rules.MIN_BIRTH_YEAR:
            raise forms.ValidationError("Please check the year of your date of birth.")
        age = rules.age_on(dob, today)
        if age < MIN_AGE:
            raise forms.ValidationError(
                f"That date makes you {age}. This questionnaire is for people aged {MIN_AGE} or "
                "over: please check the year, or call us about a child's back pain."
            )
        if age > MAX_AGE:
            raise forms.ValidationError(
                f"That date makes you {age}. Please check the year of your date of birth."
            )
        # Shown back beside the field, so a wrong day or year is seen before it counts (the
        # bound field keeps its own copy of the help text).
        shown = f"You were born on {born_text(dob)} (age {age}). " + (
            rules.QUESTIONS_BY_ID["date_of_birth"].help
        )
        self.fields["date_of_birth"].help_text = self["date_of_birth"].help_text = shown
        return dob

    def answers(self):
        return {q.id: to_answer(q, self.cleaned_data.get(q.id)) for q in rules.QUESTIONS}

    def readable_answers(self):
        """The answers that passed their checks, however many others did not (call after
        is_valid()): what an emergency is judged on when the form has errors."""
        cleaned = getattr(self, "cleaned_data", {})
        return {q.id: to_answer(q, cleaned.get(q.id)) for q in rules.QUESTIONS}

    def question_fieldsets(self):
        for section_id, title in rules.SECTIONS:
            ids = [q.id for q in rules.QUESTIONS if q.section == section_id]
            yield Fieldset(title, *ids, css_class="mb-4")


def born_text(dob: datetime.date) -> str:
    """A date of birth as people write it: 2 July 1991."""
    return f"{dob.day} {dob:%B %Y}"


def readable(value):
    """Refuse text that reached us with unreadable bytes (a body that was not UTF-8).

    Django puts U+FFFD in place of each such byte; saving it would silently mangle a name.
    """
    if "\ufffd" in value:
        raise forms.ValidationError("Some characters could not be read. Please type this again.")


class ContactFields(forms.Form):
    first_name = LineField(
        max_length=100, validators=[readable], error_messages={"required": "Enter a first name."}
    )
    last_name = LineField(
        max_length=100, validators=[readable], error_messages={"required": "Enter a last name."}
    )
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter an email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )
    phone = LineField(
        max_length=32,
        help_text="A number we can call you on today.",
        error_messages={"required": "Enter a phone number."},
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and not 7 <= len(digits) <= 15:
            raise forms.ValidationError("Please enter a phone number of 7 to 15 digits.")
        if any(not (c.isdigit() or c in " +-()") for c in phone):
            raise forms.ValidationError("A phone number may contain digits, spaces, + - ( ) only.")
        return phone

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class IntakeForm(QuestionsMixin, ContactFields):
    """The public questionnaire: every fact required, consent its own unticked box."""

    consent_followup = forms.BooleanField(required=False, label=CONSENT_WORDING)
    # A field people never see; bots fill it in.
    website = LineField(required=False, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_questions()
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's <form> also carries a draft token
        self.helper.layout = Layout(
            Fieldset(
                "Your contact details",
                "first_name",
                "last_name",
                "email",
                "phone",
                css_class="mb-4",
            ),
            *self.question_fieldsets(),
            Fieldset("Follow-up", "consent_followup", css_class="mb-4"),
            Div("website", css_class="visually-hidden", aria_hidden="true"),
            Submit("submit", "Send my answers", css_class="btn-lg w-100"),
        )

    @property
    def is_bot(self):
        return bool(self.data.get("website"))


class ReceptionEnquiryForm(QuestionsMixin, ContactFields):
    """Reception logs an enquiry; the questionnaire is optional, but all or nothing.

    It is shown only when reception opens it, and any answered question brings it in: a
    questionnaire filled in is never dropped, and once started every question needs an answer.
    """

    questions_required = False

    # Check-ins arrive from follow-up emails, never through reception.
    source = forms.ChoiceField(
        choices=[c for c in Enquiry.Source.choices if c[0] != Enquiry.Source.CHECKIN]
    )
    reason = TextField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        validators=[readable],
        label="Reason for the enquiry",
    )
    consent_followup = forms.BooleanField(
        required=False, label=f"The patient agrees: “{CONSENT_WORDING}”"
    )

    def __init__(self, *args, completing=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Adding the questionnaire to an enquiry logged without one: nothing else to post.
        self.completing = completing
        self.fields["email"].required = False
        self.fields["phone"].required = False
        self.fields["phone"].help_text = ""
        self.add_questions()
        # One <form> in the template holds both parts: the questionnaire sits in a disclosure.
        self.contact_helper = FormHelper()
        self.contact_helper.form_tag = False
        self.contact_helper.layout = Layout(
            Fieldset(
                "Contact",
                "first_name",
                "last_name",
                "phone",
                "email",
                "source",
                "reason",
                css_class="mb-4",
            )
        )
        self.questions_helper = FormHelper()
        self.questions_helper.form_tag = False
        self.questions_helper.disable_csrf = True
        self.questions_helper.layout = Layout(
            *self.question_fieldsets(), Fieldset("Follow-up", "consent_followup")
        )

    @property
    def has_questionnaire(self) -> bool:
        """Whether any question was answered (or follow-up consent given): then the whole
        questionnaire is processed, never silently dropped."""
        if not self.is_bound:
            return False
        if self.completing:
            return True
        names = [q.id for q in rules.QUESTIONS] + ["consent_followup"]
        return any(str(self.data.get(name, "")).strip() for name in names)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            self.add_error("phone", "Enter a phone number or an email address.")
        if self.has_questionnaire:
            for question in rules.QUESTIONS:
                if question.id not in self.errors and data.get(question.id) in (None, ""):
                    self.add_error(question.id, missing_answer(question))
        return data

    def answers(self):
        return super().answers() if self.has_questionnaire else None
