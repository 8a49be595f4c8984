"""A case's follow-up plan: scheduled when it recovers, stopped when the patient comes back.

Scheduling needs the patient's consent, as recorded on the case's latest questionnaire, and an
email address; an opt-out made after that consent stops it. A case recovers once (intake never
moves a recovered case anywhere but closed), so scheduling a case that has follow-ups already
does nothing; a recurrence is a new case with a plan of its own.

Every change here runs in one transaction and leaves a follow-up line on the case timeline
(steps and statuses only, never clinical detail). What staff do takes the staff member acting
(`actor`) and, from a page, their address (`ip`), never the request, and writes its audit row
in the same transaction: a page, a task and a command act alike.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from clinic import audit, outbox
from clinic.models import OutgoingEmail
from intake.models import Case, CaseEvent, IntakeResponse

from . import emails
from .models import FollowUp, FollowUpPlan, OptOut

log = logging.getLogger(__name__)

# Clinic time of day a step falls due (quiet hours permitting).
SEND_TIME = datetime.time(10)

# Why a plan stopped (FollowUp.cancelled_reason).
OPTED_OUT = "opted_out"
REOPENED = "reopened"
BOOKED = "booked"
NEW_CASE = "new_case"
ASSESSMENT_REQUESTED = "assessment_requested"
STAFF = emails.STAFF
ERASED = "erased"
# The patient (or staff) undid an opt-out.
RESUMED = "resumed"

S = OutgoingEmail.Status
SCHEDULED = "scheduled"  # the timeline's word for steps written (their emails queued)


def due_times(recovered_at: datetime.datetime, steps: list[int]) -> list[datetime.datetime]:
    """SEND_TIME in the clinic's time zone, each step's number of days after recovery."""
    zone = timezone.get_default_timezone()
    day = timezone.localtime(recovered_at, zone).date()
    return [
        datetime.datetime.combine(day + datetime.timedelta(days=days), SEND_TIME, tzinfo=zone)
        for days in steps
    ]


def opt_out_of(patient_id: int, email: str = "") -> OptOut | None:
    """The latest opt-out of this patient, or of any record with the same email address."""
    asked = Q(patient_id=patient_id)
    if email:
        asked |= Q(patient__email=email)
    return OptOut.objects.filter(asked).order_by("-at").first()


def consented(case: Case) -> bool:
    """The case's latest questionnaire says yes to follow-up email, and no opt-out stands.

    An opt-out stands until the patient resumes the emails through their own link or staff do
    (`resume`), or until a later consent that staff recorded with the patient: a consent on
    the anonymous questionnaire never undoes it, since anyone can type a patient's details there.
    """
    latest = IntakeResponse.objects.latest_for(case)
    if latest is None or not latest.consent_followup:
        return False
    opted_out = opt_out_of(case.patient_id, case.patient.email)
    if opted_out is None:
        return True
    return opted_out.at < latest.submitted_at and latest.entered_by_id is not None


def _event(case_id, actor=None, **data):
    return CaseEvent(case_id=case_id, kind=CaseEvent.Kind.FOLLOWUP, actor=actor, data=data)


def schedule(case_id: int, recovered_at: datetime.datetime | None = None) -> int:
    """Write the plan's follow-ups for a recovered case, dated from `recovered_at` (else when the
    case recovered, else now); how many were written (0: none due)."""
    with transaction.atomic():
        # The lock makes "has it follow-ups already?" true for anyone asking after us.
        case = Case.objects.select_for_update().select_related("patient").get(pk=case_id)
        if case.status != Case.Status.RECOVERED or case.followups.exists():
            return 0
        if not case.patient.email or not consented(case):
            return 0
        plan = FollowUpPlan.current()
        recovered_at = recovered_at or case.recovered_at or timezone.now()
        steps = list(enumerate(due_times(recovered_at, plan.steps), start=1))
        # Each step's email waits in the outbox for its due time.
        outgoing = OutgoingEmail.objects.bulk_create(
            emails.new_email(case, step, due) for step, due in steps
        )
        rows = FollowUp.objects.bulk_create(
            FollowUp(case=case, step=step, due_at=due, email=email)
            for (step, due), email in zip(steps, outgoing, strict=True)
        )
        _event(case.pk, status=SCHEDULED, steps=[row.step for row in rows]).save()
    log.info("case %s: %s follow-ups scheduled", case_id, len(rows))
    return len(rows)


def stop_plan(case_id: int, reason: str, actor=None) -> int:
    """Cancel the case's scheduled follow-ups; how many. One already being sent goes out."""
    with transaction.atomic():
        pending = FollowUp.objects.filter(case_id=case_id, email__status=S.QUEUED)
        rows = list(pending.select_for_update().order_by("step").values_list("step", "email_id"))
        if not rows:
            return 0
        steps = [step for step, _ in rows]
        OutgoingEmail.objects.filter(pk__in=[pk for _, pk in rows]).update(status=S.CANCELLED)
        FollowUp.objects.filter(case_id=case_id, step__in=steps).update(cancelled_reason=reason)
        _event(case_id, actor, status=S.CANCELLED, steps=steps, reason=reason).save()
    log.info("case %s: %s follow-ups cancelled (%s)", case_id, len(steps), reason)
    return len(steps)


def stop_patient_plans(patient_id: int, reason: str, actor=None, keep_case_id=None) -> int:
    """Cancel the scheduled follow-ups of every case of the patient (but keep_case_id's)."""
    case_ids = (
        FollowUp.objects.filter(case__patient_id=patient_id, email__status=S.QUEUED)
        .exclude(case_id=keep_case_id)
        .values_list("case_id", flat=True)
        .distinct()
    )
    return sum(stop_plan(case_id, reason, actor) for case_id in list(case_ids))


def stop_superseded_plans(patient_id: int, actor=None) -> int:
    """Cancel the scheduled follow-ups of every case of the patient but the newest: a newer case
    stops an older plan (used when two records become one)."""
    newest = Case.objects.filter(patient_id=patient_id).order_by("-opened_at", "-pk").first()
    if newest is None:
        return 0
    return stop_patient_plans(patient_id, NEW_CASE, actor, keep_case_id=newest.pk)


def _steps_by_case(rows) -> dict[int, list[int]]:
    """case id -> the steps of these follow-ups, in order (for the timeline lines)."""
    by_case = {}
    for case_id, step in rows.order_by("case_id", "step").values_list("case_id", "step"):
        by_case.setdefault(case_id, []).append(step)
    return by_case


def cancel_unsent(case_ids, reason: str, actor=None) -> int:
    """Cancel every follow-up of these cases that has not gone: scheduled, failed or of unknown
    outcome (one being sent right now goes out); how many."""
    with transaction.atomic():
        unsent = FollowUp.objects.select_for_update().filter(
            case_id__in=case_ids, email__status__in=[S.QUEUED, S.FAILED, S.UNKNOWN]
        )
        by_case = _steps_by_case(unsent)
        ids = list(unsent.values_list("pk", flat=True))
        cancelled = OutgoingEmail.objects.filter(followup__in=ids).update(status=S.CANCELLED)
        FollowUp.objects.filter(pk__in=ids).update(cancelled_reason=reason)
        CaseEvent.objects.bulk_create(
            _event(case_id, actor, status=S.CANCELLED, steps=steps, reason=reason)
            for case_id, steps in by_case.items()
        )
    return cancelled


def opt_out(patient_id: int, source: str) -> int:
    """Record the patient's opt-out and cancel all their scheduled follow-ups; how many."""
    with transaction.atomic():
        OptOut.objects.update_or_create(
            patient_id=patient_id, defaults={"at": timezone.now(), "source": source}
        )
        cancelled = stop_patient_plans(patient_id, OPTED_OUT)
    log.info("patient %s opted out of follow-ups (%s)", patient_id, source)
    return cancelled


# --- What staff do to one follow-up (the clinic's follow-ups page, the case page) -----------------


def _email_id(followup_id):
    return FollowUp.objects.filter(pk=followup_id).values_list("email_id", flat=True).first()


def _audited(followup_id, what, actor, ip, change) -> bool:
    """One staff change of a follow-up and, if it was made, its audit row: one transaction."""
    with transaction.atomic():
        done = change()
        if done:
            audit.change(actor, "followup", followup_id, what, ip)
    return done


def cancel(followup_id: int, actor, ip=None) -> bool:
    """Cancel one follow-up that is scheduled, failed or of unknown outcome."""
    email_id = _email_id(followup_id)
    return _audited(
        followup_id,
        "cancel",
        actor,
        ip,
        lambda: outbox.cancel(email_id, actor, [S.QUEUED, S.FAILED, S.UNKNOWN]),
    )


def retry(followup_id: int, actor, ip=None) -> bool:
    """Send a failed or unknown-outcome follow-up again at once (quiet hours permitting).

    For an unknown one this is the person's decision that a second copy is acceptable.
    """
    email_id = _email_id(followup_id)
    return _audited(
        followup_id,
        "retry",
        actor,
        ip,
        lambda: outbox.retry(email_id, actor, [S.FAILED, S.UNKNOWN]),
    )


def reschedule(followup_id: int, due_at: datetime.datetime, actor, ip=None) -> bool:
    """Move a scheduled follow-up to another time."""
    return _audited(
        followup_id, "reschedule", actor, ip, lambda: _reschedule(followup_id, due_at, actor)
    )


def _reschedule(followup_id, due_at, actor) -> bool:
    followup = (
        FollowUp.objects.select_for_update().filter(pk=followup_id, email__status=S.QUEUED).first()
    )
    if followup is None:
        return False
    FollowUp.objects.filter(pk=followup.pk).update(due_at=due_at)
    OutgoingEmail.objects.filter(pk=followup.email_id).update(next_attempt_at=due_at)
    _event(
        followup.case_id,
        actor,
        step=followup.step,
        status="rescheduled",
        due_at=due_at.isoformat(),
    ).save()
    return True


def change_plan(new_plan: FollowUpPlan, *, actor, ip=None) -> FollowUpPlan:
    """Save the clinic's edited plan (steps, quiet hours) as `actor`, audited. Cases that recover
    from now on follow it; follow-ups already scheduled keep their dates."""
    with transaction.atomic():
        new_plan.changed_by = actor
        new_plan.save()
        audit.change(actor, "followup_plan", new_plan.pk, "plan", ip)
    return new_plan


def resume(patient_id: int, source: str, actor=None, ip=None) -> int:
    """Undo the patient's opt-out: only their own link or staff (`actor`, audited) call this.
    Follow-ups the opt-out cancelled that are still ahead are scheduled again; how many."""
    now = timezone.now()
    with transaction.atomic():
        if actor is not None:
            audit.change(actor, "patient", patient_id, "followups-resumed", ip)
        deleted, _ = OptOut.objects.filter(patient_id=patient_id).delete()
        if not deleted:
            return 0
        rows = FollowUp.objects.select_for_update().filter(
            case__patient_id=patient_id,
            email__status=S.CANCELLED,
            cancelled_reason=OPTED_OUT,
            due_at__gt=now,
        )
        by_case = _steps_by_case(rows)
        ids = list(rows.values_list("pk", flat=True))
        OutgoingEmail.objects.filter(followup__in=ids).update(
            status=S.QUEUED,
            next_attempt_at=Subquery(
                FollowUp.objects.filter(email=OuterRef("pk")).values("due_at")
            ),
        )
        FollowUp.objects.filter(pk__in=ids).update(cancelled_reason="")
        latest = Case.objects.filter(patient_id=patient_id).order_by("-opened_at").first()
        events = [
            _event(case_id, actor, status=SCHEDULED, steps=steps, reason=RESUMED)
            for case_id, steps in by_case.items()
        ]
        if latest is not None and latest.pk not in by_case:
            events.append(_event(latest.pk, actor, status=RESUMED, source=source))
        CaseEvent.objects.bulk_create(events)
    log.info("patient %s resumed follow-ups (%s)", patient_id, source)
    return sum(len(steps) for steps in by_case.values())


def merge_opt_outs(source_id: int, target_id: int) -> None:
    """Two records became one: an opt-out of either stands for both (the later one is kept)."""
    theirs = OptOut.objects.filter(patient_id=source_id).first()
    if theirs is None:
        return
    ours = OptOut.objects.filter(patient_id=target_id).first()
    if ours is None:
        OptOut.objects.filter(pk=theirs.pk).update(patient_id=target_id)
        return
    if theirs.at > ours.at:
        OptOut.objects.filter(pk=ours.pk).update(at=theirs.at, source=theirs.source)
    theirs.delete()
