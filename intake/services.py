"""Recording an enquiry: one path for the public form, reception and the demo seed."""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import alerts, rules, targets
from .models import Case, CaseEvent, Enquiry, Flag, IntakeResponse, Patient, Tier, TriageTargets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    date_of_birth: datetime.date | None = None


@dataclass(frozen=True)
class Recorded:
    enquiry: Enquiry
    case: Case
    response: IntakeResponse | None
    assessment: rules.Assessment | None


def phone_digits(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    # 0044 ... is +44 ...: the international prefix is not part of the number.
    if digits.startswith("00"):
        digits = digits[2:]
    # A UK number written +44 7700 ..., +44 (0)7700 ... and 07700 ... is the same number.
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:].removeprefix("0")
    return digits


def match_patient(contact: Contact) -> tuple[Patient, str]:
    """The existing patient this contact is, or a new one; and why the case needs review, if so.

    Same email, or same phone and date of birth, is the same patient. Same email with another
    name or birth date is attached but not trusted: the case is marked for review.
    """
    email = contact.email.strip().lower()
    digits = phone_digits(contact.phone)
    patient = None
    if email:
        patient = Patient.objects.filter(email=email).order_by("id").first()
    if patient is None and digits and contact.date_of_birth:
        patient = (
            Patient.objects.filter(phone_digits=digits, date_of_birth=contact.date_of_birth)
            .order_by("id")
            .first()
        )
    if patient is None:
        patient = Patient.objects.create(
            first_name=contact.first_name.strip(),
            last_name=contact.last_name.strip(),
            email=email,
            phone=contact.phone.strip(),
            phone_digits=digits,
            date_of_birth=contact.date_of_birth,
        )
        return patient, ""

    differences = []
    same_name = (patient.first_name.casefold(), patient.last_name.casefold()) == (
        contact.first_name.strip().casefold(),
        contact.last_name.strip().casefold(),
    )
    if not same_name:
        differences.append("name")
    if contact.date_of_birth and patient.date_of_birth not in (None, contact.date_of_birth):
        differences.append("date of birth")
    fill = {}
    if not patient.email and email:
        fill["email"] = email
    if not patient.phone and contact.phone:
        fill.update(phone=contact.phone.strip(), phone_digits=digits)
    if not patient.date_of_birth and contact.date_of_birth:
        fill["date_of_birth"] = contact.date_of_birth
    if fill:
        for field, value in fill.items():
            setattr(patient, field, value)
        patient.save(update_fields=list(fill))
    review = ""
    if differences:
        differ = " and ".join(differences)
        verb = "differs" if len(differences) == 1 else "differ"
        review = f"Matched an existing patient by contact details, but the {differ} {verb}."
    return patient, review


def _continued_patient(continuing: IntakeResponse, contact: Contact) -> Patient:
    """The patient of a response being finished. Only a name left blank on the unfinished form
    is filled in, and only on a record that has no name at all (one that form created)."""
    patient = continuing.case.patient
    first, last = contact.first_name.strip(), contact.last_name.strip()
    if not (patient.first_name or patient.last_name) and (first or last):
        patient.first_name, patient.last_name = first, last
        patient.save(update_fields=["first_name", "last_name"])
    return patient


def _answers_as_json(answers):
    return {
        qid: value.isoformat() if isinstance(value, datetime.date) else value
        for qid, value in answers.items()
        if value is not None
    }


@transaction.atomic
def record_enquiry(
    *,
    contact: Contact,
    source: str,
    reason: str = "",
    answers: dict | None = None,
    not_asked: tuple[str, ...] = (),
    consent_followup: bool = False,
    consent_wording: str = "",
    logged_by=None,
    on: datetime.date | None = None,
    continuing: IntakeResponse | None = None,
) -> Recorded:
    """Save who called and what they answered, judge the answers, and queue the alerts.

    Everything is committed before any alert is handed to the broker, so a broker outage
    never costs a submission; alerts wait as rows until they can be sent.

    `continuing` is a response recorded moments ago from the same, unfinished form (an
    emergency answer recorded at once, intake/emergency.py): these answers finish it. They go
    on its enquiry and case, with no new patient match and no second round of alerts.
    """
    on = on or timezone.localdate()
    if continuing is None:
        patient, review_reason = match_patient(contact)
    else:
        patient, review_reason = _continued_patient(continuing, contact), ""
    assessment = rules.assess(answers, on, not_asked) if answers is not None else None

    open_cases = Case.objects.select_for_update().filter(status__in=Case.OPEN_STATUSES)
    if continuing is None:
        case = open_cases.filter(patient=patient).order_by("-opened_at").first()
    else:
        case = open_cases.filter(pk=continuing.case_id).first()
    tier = Tier.of(assessment.urgency) if assessment else Tier.ROUTINE
    now = timezone.now()
    if case is None:
        case = Case.objects.create(
            patient=patient,
            source=source,
            opened_at=now,
            target_due_at=targets.due_at(tier, now, TriageTargets.current()),
            computed_urgency=tier,
            urgency=tier,
            screen_incomplete=assessment is None or assessment.screen_incomplete,
            needs_review=bool(review_reason),
            review_reason=review_reason,
        )
    else:
        # A new answer never quietly lowers an open case's urgency: a person does that.
        changes = {}
        if tier < case.computed_urgency:
            changes["computed_urgency"] = tier
            if not case.overridden_at or tier < case.urgency:
                changes["urgency"] = tier
                due = targets.due_at(tier, now, TriageTargets.current())
                changes.update(target_due_at=due, target_met_at=None)
            if tier == Tier.EMERGENCY:
                changes.update(acknowledged_at=None, acknowledged_by=None)
        if assessment is not None:
            changes["screen_incomplete"] = assessment.screen_incomplete
        if review_reason:
            changes.update(needs_review=True, review_reason=review_reason)
        for field, value in changes.items():
            setattr(case, field, value)
        if changes:
            # Anyone looking at the case must reload before changing it.
            case.version += 1
            case.save(update_fields=[*changes, "version", "updated_at"])

    events = []
    # Finishing a form whose case is still open; if staff closed it meanwhile, a new case.
    continued = continuing is not None and continuing.case_id == case.pk
    if continued:
        enquiry = continuing.enquiry
    else:
        enquiry = Enquiry.objects.create(
            patient=patient, case=case, source=source, reason=reason.strip(), logged_by=logged_by
        )
        events.append(
            CaseEvent(
                case=case, kind=CaseEvent.Kind.ENQUIRY, actor=logged_by, data={"source": source}
            )
        )
    response = None
    if assessment is not None:
        response = IntakeResponse.judged(
            assessment,
            answers=_answers_as_json(answers),
            on=on,
            case=case,
            enquiry=enquiry,
            entered_by=logged_by,
            consent_followup=consent_followup,
            consent_wording=consent_wording if consent_followup else "",
        )
        response.save()
        Flag.objects.bulk_create(Flag.fired(response, flag) for flag in assessment.flags)
        events.append(
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.RESPONSE,
                actor=logged_by,
                data={"response": response.pk, "urgency": assessment.urgency},
            )
        )
        if tier <= Tier.URGENT and not continued:
            alerts.raise_alerts(case, response)
    CaseEvent.objects.bulk_create(events)
    log.info("enquiry %s recorded on case %s (source %s)", enquiry.pk, case.pk, source)
    return Recorded(enquiry=enquiry, case=case, response=response, assessment=assessment)
