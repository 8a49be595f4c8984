"""Erasure (GDPR Art. 17), limited by the clinic's duty to keep records: anonymise, keep counts.

A clinic admin (or the retention job, clinic/retention.py) erases a patient's record with a
written reason. In one transaction:

- every message still to go out about them is cancelled (`cancel_pending_messages`);
- the record and every record merged into it lose their names, contact details and date of
  birth; every free-text field and every answer about them is removed (what each table loses is
  declared in clinic/patient_data.py, and docs/data.md says it per field);
- what carries no identity stays: cases with their tier, status and times, the flags the rules
  raised, timeline lines without their text, check-in scores, so the overview's counts survive;
- the erasure is audited: who, when, which record, "erase", and nothing identifying. The reason
  is kept on the record, and refused if it names the patient or gives their contact details.

Audit rows are never changed: they hold who looked at or changed which record and when, never a
patient's name, contact details, answers or notes (clinic/audit.py refuses anything else), so
once the record they point at is anonymised they identify nobody. The PostgreSQL trigger that
keeps them append-only (clinic migration 0002) therefore stays as it is.

Refused, with a reason a person can act on: a record already erased; a record merged into
another (erase that one); a record with an open case (close it first: care is going on); a
record with a possible match waiting for staff (decide it first: it may be someone else).
"""

import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from followup import plan
from intake.models import Case, Patient, PossibleMatch

from . import audit
from .models import AuditEntry, OutgoingEmail
from .patient_data import TABLES, patient_ids
from .text import clean_text

log = logging.getLogger(__name__)

MAX_REASON = 2000


class ErasureRefused(Exception):
    """An erasure refused for a reason the person can act on; the message says which."""


@dataclass(frozen=True)
class Erased:
    patient_id: int
    records: int
    cases: int
    messages_cancelled: int


def cancel_pending_messages(case_ids, actor=None) -> int:
    """Cancel every message still to go out about these cases; how many.

    Every message waits in the one outbox. Follow-ups go through follow-up's own API, which
    records on each plan why it stopped; every other email about these cases not yet delivered
    (queued, being sent, failed, of unknown outcome) is cancelled in the outbox itself.
    """
    followups = plan.cancel_unsent(case_ids, plan.ERASED, actor)
    S = OutgoingEmail.Status
    others = OutgoingEmail.objects.filter(
        case_id__in=case_ids, status__in=[S.QUEUED, S.SENDING, S.FAILED, S.UNKNOWN]
    ).update(status=S.CANCELLED)
    return followups + others


def identifying_values(patients) -> list[str]:
    """What would identify the patient in free text: names, emails, phones, birth dates."""
    values = set()
    for patient in patients:
        for name in (patient.first_name, patient.last_name):
            if len(name) >= 2:
                values.add(name)
        values.update(v for v in (patient.email, patient.phone, patient.phone_digits) if v)
        if patient.date_of_birth:
            dob = patient.date_of_birth
            values.update({dob.isoformat(), f"{dob:%d/%m/%Y}", f"{dob.day}/{dob.month}/{dob.year}"})
    return sorted(values)


def names_the_patient(text: str, values) -> bool:
    folded = text.casefold()
    digits = "".join(c for c in text if c.isdigit())
    for value in values:
        value = value.casefold()
        if value.isdigit() and len(value) >= 7:
            if value in digits:
                return True
        elif re.search(rf"(?<!\w){re.escape(value)}(?!\w)", folded):
            return True
    return False


def _open_cases(patient):
    return Case.objects.filter(patient=patient, status__in=Case.OPEN_STATUSES)


def _waiting_matches(patient):
    return PossibleMatch.objects.filter(
        Q(patient=patient) | Q(candidate=patient), status=PossibleMatch.Status.PENDING
    )


def refusal(patient: Patient) -> str | None:
    """Why this record cannot be erased now, or None. (A record merged into another has no
    cases or matches of its own: the merge moved them.)"""
    if patient.erased_at is not None:
        return f"Patient record {patient.pk} was erased on {patient.erased_at:%d %b %Y}."
    if patient.merged_into_id is not None:
        return (
            f"Patient record {patient.pk} was merged into record {patient.merged_into_id}: "
            "erase that one, which takes this one with it."
        )
    if _open_cases(patient.pk).exists():
        return "The patient has an open case: close it before erasing the record."
    if _waiting_matches(patient.pk).exists():
        return (
            "A possible match with this record waits for staff: confirm or reject it first "
            "(it may be another person)."
        )
    return None


def clean_reason(reason: str, patient: Patient) -> str:
    """The written reason, refused if empty or if it names the patient."""
    reason = clean_text(reason)
    if not reason:
        raise ErasureRefused("Write down why the record is erased.")
    if len(reason) > MAX_REASON:
        raise ErasureRefused(f"Keep the reason under {MAX_REASON} characters.")
    records = Patient.objects.filter(pk__in=patient_ids(patient))
    if names_the_patient(reason, identifying_values(records)):
        raise ErasureRefused(
            "The reason is kept after the erasure: write it without the patient's name, "
            "contact details or date of birth."
        )
    return reason


def _anonymise(main_ids: list[int], reason: str, actor, ip, what) -> tuple[int, int, int]:
    """Anonymise these records and every record merged into them (inside a transaction);
    (records, cases, messages cancelled)."""
    ids = [
        *main_ids,
        *Patient.objects.filter(merged_into__in=main_ids).values_list("pk", flat=True),
    ]
    case_ids = list(Case.objects.filter(patient_id__in=ids).values_list("pk", flat=True))
    cancelled = cancel_pending_messages(case_ids, actor)
    for table in TABLES:
        if table.erase:
            table.rows_of(ids).update(**table.erase)
    Patient.objects.filter(pk__in=ids).update(erased_at=timezone.now())
    Patient.objects.filter(pk__in=main_ids).update(erased_by=actor, erasure_reason=reason)
    audit.log_many(actor, AuditEntry.Action.CHANGE, "patient", main_ids, what, ip)
    return len(ids), len(case_ids), cancelled


def erase(patient_id: int, reason: str, actor=None, *, ip=None, what="erase") -> Erased:
    """Anonymise the patient's record (see the module); ErasureRefused says why not."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(pk=patient_id).first()
        if patient is None:
            raise ErasureRefused(f"There is no patient record {patient_id}.")
        problem = refusal(patient)
        if problem:
            raise ErasureRefused(problem)
        reason = clean_reason(reason, patient)
        records, cases, cancelled = _anonymise([patient.pk], reason, actor, ip, what)
    log.info("patient %s erased (%s records, %s cases)", patient.pk, records, cases)
    return Erased(patient.pk, records, cases, cancelled)


def erasable(patients):
    """Of these records, those erase() would not refuse (for a batch, in one query)."""
    mine = OuterRef("pk")
    return patients.filter(erased_at__isnull=True, merged_into__isnull=True).exclude(
        Exists(_open_cases(mine)) | Exists(_waiting_matches(mine))
    )


def erase_batch(ids, reason: str, *, what: str) -> list[int]:
    """Anonymise many records in one transaction, with a reason that names nobody (the
    retention job's); those that cannot be erased now, or that another process holds, are left.
    The ids anonymised."""
    with transaction.atomic():
        ready = erasable(Patient.objects.filter(pk__in=list(ids)))
        main_ids = list(
            ready.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)
        )
        if main_ids:
            _anonymise(main_ids, clean_text(reason), None, None, what)
    log.info("%s patient records anonymised (%s)", len(main_ids), what)
    return main_ids
