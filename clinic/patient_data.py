"""Where a patient's data lives: every table with rows about a patient, and how to reach them.

One declaration serves the subject-access export (clinic/export.py), erasure (clinic/erasure.py)
and the test that keeps docs/data.md true: a model that gains a relation to a patient, or a
field, fails that test until it is declared here and documented there.

The audit trail (clinic.AuditEntry) is about patients too, but by object id: it holds who looked
at or changed which record and when, never a patient's name, contact details, answers or notes
(clinic/audit.py refuses anything but a short label in `what`), so it is exported and never
erased.
"""

from dataclasses import dataclass, field

from django.db import models

from clinic.models import OutgoingEmail
from followup.models import CheckIn, FollowUp, OptOut
from intake.models import (
    Case,
    CaseEvent,
    Enquiry,
    Escalation,
    Flag,
    IntakeResponse,
    Patient,
    PossibleMatch,
)


@dataclass(frozen=True)
class Table:
    """Rows about a patient: `model`, reached from the patient's ids through `lookups`;
    `erase` is what erasure writes over the fields that could identify them (the rest carry
    nothing identifying and are kept, so that the clinic's counts survive)."""

    model: type[models.Model]
    section: str
    title: str
    lookups: tuple[str, ...]
    erase: dict = field(default_factory=dict)

    def rows_of(self, patient_ids):
        """The rows about any of these patient records (a record and those merged into it)."""
        condition = models.Q()
        for lookup in self.lookups:
            condition |= models.Q(**{f"{lookup}__in": patient_ids})
        return self.model.objects.filter(condition).order_by("pk")


# What an erased patient's name becomes: a word, not a person.
ERASED_NAME = "Erased"

TABLES = (
    Table(
        Patient,
        "patient",
        "Patient records",
        ("pk",),
        erase={
            "first_name": ERASED_NAME,
            "last_name": "",
            "email": "",
            "phone": "",
            "phone_digits": "",
            "date_of_birth": None,
            "search_text": "",
        },
    ),
    Table(PossibleMatch, "possible_matches", "Possible matches", ("patient", "candidate")),
    Table(Case, "cases", "Cases", ("patient",), erase={"override_reason": "", "review_reason": ""}),
    Table(Enquiry, "enquiries", "Enquiries", ("patient",), erase={"reason": ""}),
    Table(
        IntakeResponse,
        "questionnaires",
        "Questionnaires",
        ("case__patient",),
        erase={"answers": {}, "consent_wording": ""},
    ),
    Table(Flag, "flags", "Red flags raised", ("response__case__patient",)),
    Table(CaseEvent, "timeline", "Timeline", ("case__patient",), erase={"text": ""}),
    Table(Escalation, "escalations", "Escalations of missed targets", ("case__patient",)),
    Table(
        OutgoingEmail,
        "emails",
        "Emails (alerts to staff, follow-ups to the patient)",
        ("case__patient",),
        erase={"recipient": "", "last_error": ""},
    ),
    Table(FollowUp, "follow_ups", "Follow-up plan", ("case__patient",)),
    Table(CheckIn, "check_ins", "Check-ins", ("case__patient",)),
    Table(OptOut, "opt_out", "Opt-out of follow-up emails", ("patient",)),
)


def patient_ids(patient: Patient) -> list[int]:
    """The record and every record merged into it (a merge never leaves a chain)."""
    return [patient.pk, *patient.merged_records.order_by("pk").values_list("pk", flat=True)]
