"""Follow-ups react to intake without intake knowing: a case's status changes, a new case opens."""

import logging

from django.db import transaction

from intake.models import Case

from . import plan

log = logging.getLogger(__name__)

S = Case.Status


def on_case_status_changed(sender, case_id, old, new, actor=None, **kwargs):
    """Recovered: schedule the plan. Closed: the plan goes on. Anything else: it stops."""
    # Sent after intake's change has committed: a failure here must not undo it or show the
    # person a 500 for a change that happened, so it is logged loudly instead.
    try:
        if new == S.RECOVERED:
            plan.schedule(case_id)
        elif new != S.CLOSED:
            plan.stop_plan(case_id, plan.BOOKED if new == S.BOOKED else plan.REOPENED, actor)
    except Exception:
        log.exception("case %s: follow-ups not updated after status %s -> %s", case_id, old, new)


def on_case_saved(sender, instance, created, raw=False, **kwargs):
    """A new case for the patient (they came back): the older cases' reminders have done their
    job. After commit, and robust, so that it can never cost an intake submission."""
    if created and not raw:
        patient_id, case_id = instance.patient_id, instance.pk
        transaction.on_commit(
            lambda: plan.stop_patient_plans(patient_id, plan.NEW_CASE, keep_case_id=case_id),
            robust=True,
        )


def on_patients_merged(sender, source_id, target_id, actor=None, **kwargs):
    """Two records became one (inside the merge's transaction): an opt-out of either stands, and
    only the newest case's plan goes on."""
    plan.merge_opt_outs(source_id, target_id)
    plan.stop_superseded_plans(target_id, actor)
