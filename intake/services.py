"""Recording an enquiry: one path for the public form, reception and the demo seed."""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import alerts, matching, rules, targets
from .matching import phone_digits  # noqa: F401  (re-exported for the demo seed)
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
    patient: Patient | None = None,
    on: datetime.date | None = None,
    continuing: IntakeResponse | None = None,
    completing: Enquiry | None = None,
) -> Recorded:
    """Save who called and what they answered, judge the answers, and queue the alerts.

    Who it is about follows intake/matching.py: `logged_by` is the member of staff who logged
    it (None: nobody signed in, and it never changes an existing record); `patient` is the
    record a signed link speaks for (a follow-up check-in).

    Everything is committed before any alert is handed to the broker, so a broker outage
    never costs a submission; alerts wait as rows until they can be sent.

    `continuing` is a response recorded moments ago from the same, unfinished form (an
    emergency answer recorded at once, intake/emergency.py): these answers finish it. They go
    on its enquiry and case, with no new patient match and no second round of alerts.

    `completing` is an enquiry staff logged without a questionnaire: these answers are its
    questionnaire, on its patient, enquiry and case (a new case if that one has closed since),
    judged and alerted as usual.
    """
    on = on or timezone.localdate()
    if continuing is not None:
        found = matching.Match(_continued_patient(continuing, contact))
    elif completing is not None:
        found = matching.match(contact, logged_by=logged_by, patient=completing.patient)
    else:
        found = matching.match(contact, logged_by=logged_by, patient=patient)
    patient, review_reason = found.patient, found.review_reason
    assessment = rules.assess(answers, on, not_asked) if answers is not None else None

    open_cases = Case.objects.select_for_update().filter(status__in=Case.OPEN_STATUSES)
    if continuing is not None:
        case = open_cases.filter(pk=continuing.case_id).first()
    elif completing is not None:
        case = open_cases.filter(pk=completing.case_id).first()
    else:
        case = open_cases.filter(patient=patient).order_by("-opened_at").first()
    tier = Tier.of(assessment.urgency) if assessment else Tier.ROUTINE
    now = timezone.now()
    if case is None:
        case = Case.objects.create(
            patient=patient,
            source=source,
            opened_at=now,
            target_started_at=now,
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
                # The raised tier's target runs from now, not from when the case opened.
                changes.update(target_started_at=now, target_due_at=due, target_met_at=None)
            if tier == Tier.EMERGENCY:
                changes.update(acknowledged_at=None, acknowledged_by=None)
        if assessment is not None:
            changes["screen_incomplete"] = assessment.screen_incomplete
        for field, value in changes.items():
            setattr(case, field, value)
        if changes:
            # Anyone looking at the case must reload before changing it.
            case.version += 1
            case.save(update_fields=[*changes, "version", "updated_at"])

    if found.candidate is not None:
        matching.record_possible_match(case, found)
    events = []
    # Finishing a form whose case is still open; if staff closed it meanwhile, a new case.
    continued = continuing is not None and continuing.case_id == case.pk
    completed = continuing is None and completing is not None and completing.case_id == case.pk
    if continued:
        enquiry = continuing.enquiry
    elif completed:
        enquiry = completing
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
