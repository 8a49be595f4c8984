"""A recovered patient's check-in: judged by intake's rules and, when it raises anything,
recorded the way intake records an enquiry.

A check-in raises something when a red-flag rule fires or the patient asks for an assessment of
the underlying cause. Then it goes through `intake.services.record_enquiry` (source "checkin"),
which gives it the computed urgency, the flags, the timeline lines and the alerts of any
enquiry, and the recovered case's remaining follow-ups stop (reason "reopened" when a flag
fired, "assessment_requested" when only an assessment was asked for).

We open a new case rather than reopen the recovered one. A recovered case only moves to closed
(intake's transitions), and a recurrence is a new episode: it gets its own triage target, queue
place, questionnaire and, once it recovers, a plan of its own (plan.py says the same), while the
recovered case keeps the history that the came-back figure counts. record_enquiry already does
this when the patient has no open case; if they have one (they came back some other way), the
check-in joins it and can only raise its urgency, never lower it.

Whatever the answers, a CheckIn row and a "check-in" line on the recovered case's timeline are
kept; neither holds the red-flag answers, which live on the new case's questionnaire.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from intake import rules
from intake.emergency import REFUSALS
from intake.models import Case, CaseEvent, Enquiry, IntakeResponse, Tier
from intake.services import Contact, Recorded, record_enquiry

from . import plan
from .models import CheckIn, FollowUp

log = logging.getLogger(__name__)


def kept_consent(case: Case) -> tuple[bool, str]:
    """The follow-up consent as it stands for this case (an opt-out since then withdraws it)."""
    if not plan.consented(case):
        return False, ""
    latest = IntakeResponse.objects.latest_for(case)
    return True, latest.consent_wording


def date_of_birth_on_record(case: Case, on: datetime.date) -> datetime.date | None:
    """The patient record's date of birth, else the one given on the case's latest questionnaire
    (a patient logged by reception may have a record without one). None if neither is usable:
    the age rules then count as unanswered, never as "no"."""
    dob = case.patient.date_of_birth
    if dob is None:
        latest = IntakeResponse.objects.latest_for(case)
        given = latest.answers.get("date_of_birth") if latest else None
        try:
            dob = datetime.date.fromisoformat(given) if isinstance(given, str) else None
        except ValueError:
            dob = None
    return dob if dob is not None and dob <= on else None


def _record_enquiry(case, answers, not_asked, wants_assessment, on, continuing=None) -> Recorded:
    """Record what the check-in raised as an enquiry of the patient (source "checkin");
    `continuing`: the response an emergency answer on this check-in recorded at once, which
    these answers finish (same case, no second round of alerts)."""
    patient = case.patient
    consent, wording = kept_consent(case)
    recorded = record_enquiry(
        contact=Contact(
            first_name=patient.first_name,
            last_name=patient.last_name,
            email=patient.email,
            phone=patient.phone,
            date_of_birth=(answers or {}).get("date_of_birth") or patient.date_of_birth,
        ),
        source=Enquiry.Source.CHECKIN,
        reason="Follow-up check-in"
        + (": asked for an assessment of the underlying cause" if wants_assessment else ""),
        answers=answers,
        not_asked=not_asked,
        consent_followup=consent,
        consent_wording=wording,
        # The signed link speaks for this patient: their own record, whatever the details say,
        # and nobody else's.
        patient=patient,
        on=on,
        continuing=continuing,
    )
    return recorded


def judge(followup: FollowUp, answers: dict, not_asked, on=None) -> rules.Assessment:
    """What the answers of a check-in fire, with the date of birth on record (no change)."""
    on = on or timezone.localdate()
    case = Case.objects.select_related("patient").get(pk=followup.case_id)
    return rules.assess(
        {**answers, "date_of_birth": date_of_birth_on_record(case, on)}, on, not_asked
    )


def locked_case(followup: FollowUp) -> Case:
    """The follow-up's case, locked for the rest of the transaction: one check-in of a case at a
    time, so a double submission cannot open two cases."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=followup.case_id)
    )


def record_emergency(
    followup: FollowUp, *, answers: dict, not_asked, refusal: str, on=None
) -> IntakeResponse:
    """An answer that fires an emergency rule, on a check-in that could not be taken as it stood
    (a question left out, the rate limit): recorded at once, the way a flagged check-in is (a
    new case, or the patient's open one; the alerts; the plan stopped), with what was answered;
    the rest stays unanswered, so the screen is incomplete. The signed link says who the patient
    is. No CheckIn row yet: it is written when the patient finishes the form (with the returned
    response as `continuing`), or never, if they go straight to A&E as told."""
    on = on or timezone.localdate()
    with transaction.atomic():
        case = locked_case(followup)
        answers = {**answers, "date_of_birth": date_of_birth_on_record(case, on)}
        recorded = _record_enquiry(case, answers, not_asked, False, on)
        plan.stop_plan(case.pk, plan.REOPENED)
        CaseEvent.objects.create(
            case=recorded.case,
            kind=CaseEvent.Kind.NOTE,
            text="Recorded at once from a follow-up check-in because an answer fires an "
            f"emergency rule, although {REFUSALS[refusal]}.",
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.NOTE,
            text=f"A follow-up check-in's emergency answer was recorded at once on case "
            f"{recorded.case.pk}, before the check-in was finished.",
        )
    log.info(
        "check-in emergency recorded as response %s on case %s (%s)",
        recorded.response.pk,
        recorded.case.pk,
        refusal,
    )
    return recorded.response


def record_checkin(
    followup: FollowUp,
    *,
    pain_now: int,
    recurred: bool,
    wants_assessment: bool,
    answers: dict,
    not_asked: tuple[str, ...] = (),
    on: datetime.date | None = None,
    continuing: IntakeResponse | None = None,
) -> CheckIn:
    """Judge the answers (intake's rules, on today's date, with the date of birth on record)
    and record the check-in. `not_asked` names the facts the check-in did not ask;
    `continuing` is the response `record_emergency` wrote from this check-in unfinished."""
    on = on or timezone.localdate()
    with transaction.atomic():
        case = locked_case(followup)
        date_of_birth = date_of_birth_on_record(case, on)
        answers = {**answers, "date_of_birth": date_of_birth}
        assessment = rules.assess(answers, on, not_asked)
        flagged = bool(assessment.flags)
        new_case, urgency = None, None
        if flagged or wants_assessment or continuing is not None:
            new_case = _record_enquiry(
                case, answers, not_asked, wants_assessment, on, continuing
            ).case
            urgency = Tier(new_case.urgency) if continuing else Tier.of(assessment.urgency)
            plan.stop_plan(case.pk, plan.REOPENED if flagged else plan.ASSESSMENT_REQUESTED)
        checkin = CheckIn.objects.create(
            followup=followup,
            case=case,
            pain_now=pain_now,
            recurred=recurred,
            wants_assessment=wants_assessment,
            urgency=urgency,
            new_case=new_case,
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.CHECKIN,
            data={
                "step": followup.step,
                "pain_now": pain_now,
                "recurred": recurred,
                "wants_assessment": wants_assessment,
                "new_case": new_case.pk if new_case else None,
                "urgency": urgency.key if urgency is not None else None,
            },
        )
    log.info(
        "check-in %s on case %s: %s",
        checkin.pk,
        case.pk,
        f"recorded on case {new_case.pk}" if new_case else "nothing raised",
    )
    return checkin


def request_assessment(checkin: CheckIn) -> CheckIn:
    """The patient whose pain came back asks for the assessment the page recommended.

    Recorded like a check-in that asked for one (a routine case, the plan stopped), except that
    the check-in's answers were not kept (nothing was raised), so the new case has no
    questionnaire and shows its screen as incomplete for staff to complete when they call.
    Asking twice changes nothing.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("patient")
        case = case.get(pk=checkin.case_id)
        checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if checkin.new_case_id is not None:
            return checkin
        checkin.new_case = _record_enquiry(case, None, (), True, timezone.localdate()).case
        checkin.wants_assessment = True
        checkin.urgency = Tier.ROUTINE
        checkin.save(update_fields=["new_case", "wants_assessment", "urgency"])
        plan.stop_plan(case.pk, plan.ASSESSMENT_REQUESTED)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.CHECKIN,
            data={
                "step": checkin.followup.step,
                "pain_now": checkin.pain_now,
                "recurred": checkin.recurred,
                "wants_assessment": True,
                "new_case": checkin.new_case_id,
                "urgency": Tier.ROUTINE.key,
            },
        )
    log.info("check-in %s: assessment asked for on case %s", checkin.pk, checkin.new_case_id)
    return checkin
