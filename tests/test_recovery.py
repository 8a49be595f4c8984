"""A case's recovery is a fact of the case (`Case.recovered_at`): set when staff move it to
recovered, the follow-up plan's dates count from it, and older recoveries are read once from
their timeline lines by the migration that added it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from clinic import roles
from followup import plan
from followup.models import FollowUp
from intake import casework
from intake.models import Case

from .factories import staff
from .followups import recovered_case

RECOVERED = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_moving_a_case_to_recovered_records_when():
    practitioner = staff(roles.PRACTITIONER)
    case = recovered_case()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_TREATMENT)
    with time_machine.travel(RECOVERED, tick=False):
        casework.move_status(case.pk, case.version, Case.Status.RECOVERED, actor=practitioner)
    case.refresh_from_db()
    assert case.recovered_at == RECOVERED


@pytest.mark.django_db
def test_the_plan_counts_from_the_recovery_not_from_when_it_is_written():
    case = recovered_case()
    Case.objects.filter(pk=case.pk).update(recovered_at=RECOVERED)
    with time_machine.travel(RECOVERED + datetime.timedelta(days=3), tick=False):
        assert plan.schedule(case.pk) == 5
    first = FollowUp.objects.get(case=case, step=1)
    zone = timezone.get_default_timezone()
    assert first.due_at == datetime.datetime.combine(
        datetime.date(2026, 3, 16), plan.SEND_TIME, tzinfo=zone
    )


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_reads_each_recovery_from_the_timeline_once():
    apps = migrate([("intake", "0013_escalation")])
    try:
        Patient = apps.get_model("intake", "Patient")
        Case = apps.get_model("intake", "Case")
        CaseEvent = apps.get_model("intake", "CaseEvent")
        patient = Patient.objects.create(first_name="Ann", last_name="Old")
        recovered, closed, open_ = (
            Case.objects.create(patient=patient, computed_urgency=3, urgency=3, status=status)
            for status in ("recovered", "closed", "in_treatment")
        )
        for case, to, at in [
            (recovered, "in_treatment", RECOVERED - datetime.timedelta(days=9)),
            (recovered, "recovered", RECOVERED),
            (closed, "recovered", RECOVERED - datetime.timedelta(days=1)),
            (closed, "closed", RECOVERED),
            (open_, "in_treatment", RECOVERED),
        ]:
            CaseEvent.objects.create(case=case, kind="status", at=at, data={"to": to})
    finally:
        apps = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    after = dict(apps.get_model("intake", "Case").objects.values_list("pk", "recovered_at"))
    assert after == {
        recovered.pk: RECOVERED,
        closed.pk: RECOVERED - datetime.timedelta(days=1),
        open_.pk: None,
    }
