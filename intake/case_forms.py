"""Forms for what staff do on a case page; each carries the version the person saw."""

from django import forms

from clinic import roles
from clinic.text import LineField, TextField

from . import casework
from .models import Case, Tier


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # What the change depends on as the person saw it (casework.seen_state): another change
    # since conflicts only if it changed this.
    seen = LineField(widget=forms.HiddenInput, required=False, max_length=100)


class AcknowledgeForm(VersionedForm):
    pass


class AssignForm(VersionedForm):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = roles.clinical_staff()
        self.fields["assignee"].choices = [("", "Nobody")] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in staff
        ]


class OverrideForm(VersionedForm):
    tier = forms.TypedChoiceField(label="New urgency", choices=Tier.choices, coerce=int)
    reason = TextField(
        label="Why (kept in the audit trail)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class NoteForm(VersionedForm):
    text = TextField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ContactForm(VersionedForm):
    outcome = forms.ChoiceField(
        label="What happened", choices=list(casework.CONTACT_OUTCOMES.items())
    )
    text = LineField(label="Detail (optional)", required=False, max_length=2000)


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label="Move to", choices=Case.Status.choices)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            moves = casework.allowed_moves(case.status)
            self.fields["status"].choices = [(s.value, s.label) for s in moves]


ACTIONS = {
    "acknowledge": AcknowledgeForm,
    "assign": AssignForm,
    "override": OverrideForm,
    "note": NoteForm,
    "contact": ContactForm,
    "status": StatusForm,
}
