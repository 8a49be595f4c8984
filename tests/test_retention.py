"""Retention: records are anonymised RETENTION_YEARS (default 8) after the last activity, by a
daily beat job; `manage.py retention --dry-run` counts; exactly the expired records go."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from clinic import retention
from clinic.models import AuditEntry
from clinic.tasks import apply_retention
from intake.models import Case, CaseEvent, Patient
from intake.services import Contact, record_enquiry

from .factories import answers

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2035, 6, 1, 12, 0, tzinfo=datetime.UTC)
numbers = iter(range(1, 10**6))


def patient_last_seen(years_ago, days=0, status=Case.Status.CLOSED, reception=None):
    """A patient whose record was last touched `years_ago` years (and `days` days) before NOW."""
    n = next(numbers)
    moment = retention.cutoff(NOW, years_ago) - datetime.timedelta(days=days)
    with time_machine.travel(moment, tick=False):
        recorded = record_enquiry(
            contact=Contact("Pat", f"Sample{n}", f"pat{n}@example.test", f"07700 9{n:05d}"),
            source="phone",
            answers=answers(),
            logged_by=reception,
        )
        Case.objects.filter(pk=recorded.case.pk).update(status=status, updated_at=moment)
    return recorded.enquiry.patient


def test_the_default_is_eight_years():
    assert settings.RETENTION_YEARS == 8


def test_the_retention_job_anonymises_exactly_the_expired_records(reception):
    expired = [patient_last_seen(8, days=1), patient_last_seen(12)]
    recent = [patient_last_seen(8, days=-1), patient_last_seen(1)]
    with time_machine.travel(NOW, tick=False):
        report = retention.run()
    assert (report.expired, report.anonymised, report.held) == (2, 2, 0)
    assert set(Patient.objects.filter(erased_at__isnull=False)) == set(expired)
    for patient in recent:
        patient.refresh_from_db()
        assert patient.erased_at is None and patient.email
    entries = AuditEntry.objects.filter(what="erase-retention", actor=None)
    assert set(entries.values_list("object_id", flat=True)) == {p.pk for p in expired}


def test_any_later_activity_on_a_case_keeps_the_record(reception):
    patient = patient_last_seen(9)
    case = patient.cases.get()
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.NOTE, at=NOW - datetime.timedelta(days=400)
    )
    with time_machine.travel(NOW, tick=False):
        assert retention.run().expired == 0


def test_an_open_case_holds_a_record_for_a_person_to_look_at(reception):
    held = patient_last_seen(9, status=Case.Status.TRIAGED)
    with time_machine.travel(NOW, tick=False):
        report = retention.run()
    assert (report.expired, report.held, report.anonymised) == (1, 1, 0)
    held.refresh_from_db()
    assert held.erased_at is None


def test_dry_run_prints_counts_and_changes_nothing(reception):
    patient_last_seen(10)
    patient_last_seen(9, status=Case.Status.NEW)
    patient_last_seen(2)
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", "--dry-run", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Retention 8 years: last activity before 2027-06-01." in text
    assert "Expired records: 2" in text
    assert "Held (open case or possible match waiting): 1" in text
    assert "Would anonymise: 1 (dry run)" in text
    assert not Patient.objects.filter(erased_at__isnull=False).exists()


def test_the_command_anonymises_and_shows_progress(reception):
    patient_last_seen(10)
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", stdout=out, stderr=err)
    assert "Anonymised: 1" in out.getvalue()
    assert "anonymised 1 of 1" in err.getvalue()


def test_the_period_comes_from_retention_years(settings, reception):
    settings.RETENTION_YEARS = 3
    patient_last_seen(4)
    with time_machine.travel(NOW, tick=False):
        assert retention.run(dry_run=True).expired == 1


def test_beat_runs_the_retention_job_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == apply_retention.name == "clinic.tasks.apply_retention"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


def test_the_task_reports_counts_only(reception):
    patient_last_seen(10)
    with time_machine.travel(NOW, tick=False):
        assert apply_retention.apply().get() == {
            "expired": 1,
            "anonymised": 1,
            "held": 0,
            "unfinished": 0,
        }


def test_the_29th_of_february_falls_back_to_the_28th():
    leap = datetime.datetime(2032, 2, 29, 9, 0, tzinfo=datetime.UTC)
    assert retention.cutoff(leap, 8) == datetime.datetime(2024, 2, 29, 9, 0, tzinfo=datetime.UTC)
    assert retention.cutoff(leap, 1) == datetime.datetime(2031, 2, 28, 9, 0, tzinfo=datetime.UTC)


def test_a_failure_costs_one_record_only(reception, monkeypatch):
    first, second = patient_last_seen(10), patient_last_seen(11)
    real = retention.erasure._anonymise

    def flaky(main_ids, *args, **kwargs):
        if first.pk in main_ids:
            raise RuntimeError("database hiccup")
        return real(main_ids, *args, **kwargs)

    monkeypatch.setattr(retention.erasure, "_anonymise", flaky)
    with time_machine.travel(NOW, tick=False):
        report = retention.run()
    assert (report.anonymised, report.failed) == (1, [first.pk])
    assert Patient.objects.get(pk=first.pk).erased_at is None
    assert Patient.objects.get(pk=second.pk).erased_at is not None


def test_a_batch_anonymises_many_records_in_one_go(reception):
    patients = [patient_last_seen(9) for _ in range(5)]
    with time_machine.travel(NOW, tick=False):
        report = retention.run(batch=2)
    assert report.anonymised == 5
    assert all(p.erased_at for p in Patient.objects.filter(pk__in=[p.pk for p in patients]))
    assert AuditEntry.objects.filter(what="erase-retention").count() == 5


def test_a_spent_budget_leaves_the_rest_for_the_next_run(reception):
    for _ in range(3):
        patient_last_seen(9)
    with time_machine.travel(NOW, tick=False):
        report = retention.run(batch=1, budget=-1)
    assert (report.anonymised, report.unfinished) == (0, 3)
    with time_machine.travel(NOW, tick=False):
        assert retention.run().anonymised == 3
