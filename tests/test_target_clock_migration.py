"""The migration that adds a case's target clock fills it for existing cases: the last override,
or else the opening; due times stay as they were."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("intake", "0014_case_recovered_at")]
AFTER = [("intake", "0015_case_target_started_at")]
OPENED = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
OVERRIDDEN = OPENED + datetime.timedelta(days=3)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_cases_start_their_clock_at_the_last_override_or_the_opening():
    try:
        apps = migrate(BEFORE)
        Patient = apps.get_model("intake", "Patient")
        Case = apps.get_model("intake", "Case")
        patient = Patient.objects.create(first_name="Sam", last_name="Sample")
        due = OPENED + datetime.timedelta(minutes=15)
        plain, overridden = (
            Case.objects.create(
                patient=patient,
                computed_urgency=3,
                urgency=urgency,
                opened_at=OPENED,
                overridden_at=at,
                target_due_at=due,
            )
            for urgency, at in ((3, None), (0, OVERRIDDEN))
        )
        Case = migrate(AFTER).get_model("intake", "Case")
        assert Case.objects.get(pk=plain.pk).target_started_at == OPENED
        assert Case.objects.get(pk=overridden.pk).target_started_at == OVERRIDDEN
        assert set(Case.objects.values_list("target_due_at", flat=True)) == {due}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
