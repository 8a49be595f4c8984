"""Who an enquiry is about: the matching rule, and staff's decision on a possible match.

The rule (README, "Matching a returning patient"):

- Contact details match an existing patient when the email is the same (case and spaces
  ignored), or the phone number (however written) and the date of birth are both the same.
  Records merged into another are never matched; erased records have no details to match.
- Anonymous input never changes an existing record. An enquiry nobody signed in for (the public
  questionnaire) that matches an existing patient opens a patient record of its own, holding the
  names and details exactly as typed, and a case of its own marked "possible match" with the
  candidate. It touches nothing of the existing patient: details, consent, opt-out, cases,
  follow-ups. Safety is not delayed: the new case is judged, pinned and alerted like any other.
- Staff confirm the match on the case page (the record is merged into the candidate's, see
  intake/records.py) or reject it (it stays a patient of its own), in one step.
- Reception (signed in, talking to the patient) matches directly when the name and any date of
  birth agree, filling in contact details the record lacks, and joins the patient's open case
  as before. When the name or the date of birth differ it is a possible match too: the names
  typed are kept and a practitioner decides.
- A check-in from a follow-up link is signed for one patient: it acts on that patient, whatever
  the details say.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic import audit
from clinic.models import AuditEntry
from clinic.text import clean_line

from .models import Case, CaseEvent, Patient, PossibleMatch

log = logging.getLogger(__name__)

BY_EMAIL = "email"
BY_PHONE_AND_BIRTH_DATE = "phone and date of birth"
# Differences that make reception's enquiry a possible match rather than the same patient.
IDENTITY = ("name", "date of birth")


def phone_digits(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    # 0044 ... is +44 ...: the international prefix is not part of the number.
    if digits.startswith("00"):
        digits = digits[2:]
    # A UK number written +44 7700 ..., +44 (0)7700 ... and 07700 ... is the same number.
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:].removeprefix("0")
    return digits


@dataclass(frozen=True)
class Match:
    """The patient an enquiry is recorded on; for a possible match, the record it resembles."""

    patient: Patient
    candidate: Patient | None = None
    matched_on: str = ""
    differences: tuple[str, ...] = field(default=())

    @property
    def review_reason(self) -> str:
        if self.candidate is None:
            return ""
        reason = f"Possible match: the {self.matched_on} of an existing patient"
        if self.differences:
            differ = " and ".join(self.differences)
            verb = "differs" if len(self.differences) == 1 else "differ"
            reason += f", but the {differ} {verb}"
        return reason + "."


def candidate_for(email: str, digits: str, date_of_birth) -> tuple[Patient | None, str]:
    """The existing patient these details match (the oldest record), and on what."""
    patients = Patient.objects.filter(merged_into__isnull=True).order_by("id")
    if email:
        patient = patients.filter(email=email).first()
        if patient is not None:
            return patient, BY_EMAIL
    if digits and date_of_birth:
        patient = patients.filter(phone_digits=digits, date_of_birth=date_of_birth).first()
        if patient is not None:
            return patient, BY_PHONE_AND_BIRTH_DATE
    return None, ""


def differences(patient: Patient, first, last, email, digits, date_of_birth) -> tuple[str, ...]:
    """Which details typed differ from the record (both given, and not the same)."""
    found = []
    if (patient.first_name.casefold(), patient.last_name.casefold()) != (
        first.casefold(),
        last.casefold(),
    ):
        found.append("name")
    if date_of_birth and patient.date_of_birth not in (None, date_of_birth):
        found.append("date of birth")
    if email and patient.email and email != patient.email:
        found.append("email")
    if digits and patient.phone_digits and digits != patient.phone_digits:
        found.append("phone")
    return tuple(found)


def match(contact, *, logged_by=None, patient: Patient | None = None) -> Match:
    """The patient record an enquiry from `contact` is recorded on (see the module's rule).

    `patient`: the record a signed link speaks for (a follow-up check-in); `logged_by`: the
    member of staff who logged it, None when nobody signed in.
    """
    first, last = clean_line(contact.first_name), clean_line(contact.last_name)
    email = clean_line(contact.email).lower()
    phone = clean_line(contact.phone)
    digits = phone_digits(phone)
    dob = contact.date_of_birth
    if patient is not None:
        fill_in(patient, email, phone, digits, dob)
        return Match(patient)
    candidate, matched_on = candidate_for(email, digits, dob)
    if candidate is None:
        return Match(_new_patient(first, last, email, phone, digits, dob))
    differ = differences(candidate, first, last, email, digits, dob)
    if logged_by is not None and not set(differ) & set(IDENTITY):
        fill_in(candidate, email, phone, digits, dob)
        return Match(candidate)
    return Match(
        _new_patient(first, last, email, phone, digits, dob), candidate, matched_on, differ
    )


def _new_patient(first, last, email, phone, digits, date_of_birth) -> Patient:
    return Patient.objects.create(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        phone_digits=digits,
        date_of_birth=date_of_birth,
    )


def fill_in(patient, email, phone, digits, date_of_birth):
    """Staff's enquiry (or the patient's own link) completes the details a record lacks; it
    never overwrites one."""
    fill = {}
    if not patient.email and email:
        fill["email"] = email
    if not patient.phone and phone:
        fill.update(phone=phone, phone_digits=digits)
    if not patient.date_of_birth and date_of_birth:
        fill["date_of_birth"] = date_of_birth
    for name, value in fill.items():
        setattr(patient, name, value)
    if fill:
        patient.save(update_fields=list(fill))


def record_possible_match(case: Case, found: Match) -> PossibleMatch:
    """Mark the case opened for a possible match, for staff to decide."""
    possible = PossibleMatch.objects.create(
        case=case,
        patient=found.patient,
        candidate=found.candidate,
        matched_on=found.matched_on,
        differences=list(found.differences),
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.MATCH,
        data={"status": PossibleMatch.Status.PENDING, "candidate": found.candidate.pk},
    )
    log.info("case %s: possible match with patient %s", case.pk, found.candidate.pk)
    return possible


# --- Staff's decision ----------------------------------------------------------------------------


class AlreadyDecided(Exception):
    """Someone decided this match first."""


def _pending(case_id) -> PossibleMatch:
    possible = PossibleMatch.objects.select_for_update().select_related("case").get(case_id=case_id)
    if possible.status != PossibleMatch.Status.PENDING:
        raise AlreadyDecided(possible.get_status_display())
    return possible


def confirm(case_id: int, actor, ip=None) -> PossibleMatch:
    """Same person: merge the record opened for the enquiry into the candidate's."""
    from . import records

    with transaction.atomic():
        possible = _pending(case_id)
        records.merge(possible.patient_id, possible.candidate_id, actor, ip=ip)
        possible.refresh_from_db()
    return possible


def reject(case_id: int, actor, ip=None) -> PossibleMatch:
    """Another person: the record opened for the enquiry stays a patient of its own."""
    with transaction.atomic():
        possible = _pending(case_id)
        possible.status = PossibleMatch.Status.REJECTED
        possible.decided_by, possible.decided_at = actor, timezone.now()
        possible.save(update_fields=["status", "decided_by", "decided_at"])
        decided(possible.case, possible, actor)
        audit.log(actor, AuditEntry.Action.CHANGE, "case", case_id, "match-rejected", ip)
    return possible


def decided(case: Case, possible: PossibleMatch, actor):
    """The case no longer waits for a decision: say so on it and its timeline."""
    Case.objects.filter(pk=case.pk).update(
        needs_review=False, review_reason="", version=F("version") + 1, updated_at=timezone.now()
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.MATCH,
        actor=actor,
        data={"status": possible.status, "candidate": possible.candidate_id},
    )
