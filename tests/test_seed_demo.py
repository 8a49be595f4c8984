"""Tests of `manage.py seed_demo`: demo logins, demo patients in every tier, bulk cases."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clinic import roles
from clinic.demo.patients import DEMO_EMAILS
from clinic.models import OutgoingEmail
from followup.models import FollowUp
from intake import rules
from intake.models import Case, CaseEvent, Enquiry, Flag, IntakeResponse, Patient, Tier

from .factories import alert_emails

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-password-for-tests"
STAFF_ROLES = {
    "reception": roles.RECEPTION,
    "practitioner": roles.PRACTITIONER,
    "admin": roles.CLINIC_ADMIN,
}


def generated_cases():
    return Case.objects.exclude(patient__email__in=DEMO_EMAILS)


@pytest.fixture(autouse=True)
def _demo_env(db, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)


def seed(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_the_three_staff_users_in_their_roles(client):
    out, _ = seed()

    assert f"Demo logins (password: {PASSWORD}): reception / practitioner / admin\n" in out
    for username, role in STAFF_ROLES.items():
        user = get_user_model().objects.get(username=username)
        assert [g.name for g in user.groups.all()] == [role]
        assert user.email == f"{username}@clinic.example.test"
        assert user.first_name and user.last_name
        assert client.login(username=username, password=PASSWORD)


def test_the_practitioner_is_on_duty():
    seed()
    practitioner = get_user_model().objects.get(username="practitioner")
    assert practitioner.staff_profile.on_duty


def test_a_rerun_creates_no_duplicate_users_or_demo_patients():
    def counts():
        return get_user_model().objects.count(), Patient.objects.count(), Case.objects.count()

    seed()
    first = counts()

    out, _ = seed()

    assert counts() == first == (3, 12, 12)
    assert "Demo patients: already there." in out


def test_a_rerun_sets_the_password_it_prints(monkeypatch):
    seed()
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")

    out, _ = seed()

    assert "(password: another-demo-password)" in out
    assert (
        get_user_model().objects.get(username="reception").check_password("another-demo-password")
    )


def test_it_leaves_someone_elses_account_alone():
    owner = get_user_model().objects.create_user("admin", "owner@example.test", "their-own")

    out, err = seed()

    owner.refresh_from_db()
    assert owner.check_password("their-own")
    assert not owner.groups.exists()
    assert "'admin' exists and is not a demo account" in err
    assert "reception / practitioner\n" in out


def test_a_generated_password_is_kept_in_var_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("DEMO_PASSWORD")

    out, _ = seed()

    kept = tmp_path / "demo-password"
    password = kept.read_text().strip()
    assert len(password) >= 16
    assert kept.stat().st_mode & 0o777 == 0o600
    assert f"(password: {password})" in out
    assert get_user_model().objects.get(username="admin").check_password(password)

    out, _ = seed()
    assert f"(password: {password})" in out
    assert kept.read_text().strip() == password


def test_demo_patients_cover_every_tier():
    seed()
    assert set(Case.objects.values_list("urgency", flat=True)) == set(Tier.values)
    assert Patient.objects.count() == Case.objects.count() == 12


def test_demo_patients_include_an_incomplete_screen():
    seed()
    response = IntakeResponse.objects.get(screen_incomplete=True)
    assert "bowel_change" not in response.answers
    assert response.case.screen_incomplete


def test_demo_patients_include_a_phone_call_logged_without_a_questionnaire():
    seed()
    enquiry = Enquiry.objects.get(responses=None)
    assert enquiry.source == Enquiry.Source.PHONE
    assert enquiry.logged_by.username == "reception"
    assert enquiry.case.screen_incomplete
    sources = set(Enquiry.objects.values_list("source", flat=True))
    assert sources == set(Enquiry.Source.values) - {Enquiry.Source.CHECKIN}  # check-ins: later


def test_demo_patients_are_alerted_like_real_ones():
    seed()
    alerted = Case.objects.filter(urgency__lte=Tier.URGENT)
    assert alerted.exists()
    assert alert_emails().count() == alerted.count()
    assert {a.recipient_user.username for a in alert_emails()} == {"practitioner"}


def test_demo_contact_details_are_invented():
    seed()
    for email, phone in Patient.objects.values_list("email", "phone"):
        assert email == "" or email.endswith("@example.test")
        assert phone.startswith("07700 900")


def test_cases_adds_exactly_that_many_cases_with_their_responses():
    seed()
    before = set(Case.objects.values_list("id", flat=True))
    alerts = alert_emails().count()

    out, err = seed("--cases", "500")

    cases = Case.objects.exclude(id__in=before)
    assert cases.count() == 500
    assert IntakeResponse.objects.filter(case__in=cases).count() == 500
    assert alert_emails().count() == alerts  # generated cases must never email anyone
    assert "Added 500 cases in" in out
    assert "500 / 500 cases (" in err


def test_generated_flags_are_what_the_rules_say_about_the_stored_answers():
    seed("--cases", "500")
    responses = IntakeResponse.objects.filter(case__in=generated_cases())
    checked = 0
    for response in responses.select_related("case").prefetch_related("flags"):
        verdict = rules.assess(response.answers, response.assessed_on)
        assert Tier(response.urgency).key == verdict.urgency
        assert response.case.computed_urgency == response.urgency == response.case.urgency
        assert response.screen_incomplete == verdict.screen_incomplete
        assert response.case.screen_incomplete == verdict.screen_incomplete
        assert [f.rule_id for f in response.flags.all()] == [f.id for f in verdict.flags]
        checked += 1
    assert checked == 500


def test_generated_cases_are_mostly_routine_or_soon_and_spread_over_months():
    seed("--cases", "500")
    cases = generated_cases()
    tiers = [Tier(u).key for u in cases.values_list("urgency", flat=True)]
    assert tiers.count("routine") + tiers.count("soon") > 450
    opened = sorted(cases.values_list("opened_at", flat=True))
    assert opened[-1] - opened[0] > datetime.timedelta(days=31)
    assert len(set(cases.values_list("status", flat=True))) >= 5
    assert cases.filter(screen_incomplete=True).exists()


def test_generated_patients_have_their_own_invented_email():
    seed("--cases", "200")
    seed("--cases", "200")
    emails = list(Patient.objects.exclude(email="").values_list("email", flat=True))
    assert len(emails) == len(set(emails)) == 411
    assert all(email.endswith("@example.test") for email in emails)


def test_the_same_seed_gives_the_same_cases():
    def generated():
        new = Case.objects.exclude(id__in=seen).order_by("id")
        return list(new.values_list("urgency", "status", "enquiries__source"))

    seed()
    seen = set(Case.objects.values_list("id", flat=True))
    seed("--cases", "60", "--seed", "7")
    first = generated()
    seen |= set(Case.objects.values_list("id", flat=True))
    seed("--cases", "60", "--seed", "7")
    assert generated() == first


@pytest.mark.parametrize("count", ["0", "-3", "x", "1.5", "", "²", "1000001"])
def test_a_bad_case_count_exits_2(count):
    with pytest.raises(SystemExit) as raised:
        seed(f"--cases={count}")
    assert raised.value.code == 2
    assert not get_user_model().objects.exists()


def test_a_bad_case_count_is_one_line_and_status_2_from_the_shell():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--cases", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "--cases must be a whole number of 1 or more, not '0'\n"


def test_it_refuses_where_the_settings_allow_no_demo_data(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="No default accounts in production"):
        seed()
    assert not get_user_model().objects.exists()


def test_force_runs_it_where_the_settings_allow_no_demo_data(settings):
    settings.DEMO_DATA_ALLOWED = False
    seed("--force")
    assert get_user_model().objects.count() == 3


def test_the_production_settings_allow_no_demo_data_and_the_others_do():
    def allowed(module):
        env = {
            **os.environ,
            "DJANGO_SECRET_KEY": "a-key-for-reading-the-settings-only-0123456789",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "EMAIL_URL": "smtp://127.0.0.1:2525",
        }
        code = f"import {module} as s; print(s.DEMO_DATA_ALLOWED)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert allowed("clinic.settings.production") == "False"
    assert allowed("clinic.settings.test") == "True"
    assert allowed("clinic.settings.local") == "True"


def planner_rows(*models):
    """What the planner believes each model's table holds (pg_class.reltuples; -1: never
    analysed), as the last ANALYZE left it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in models]],
        )
        found = dict(cursor.fetchall())
    return {model.__name__: found[model._meta.db_table] for model in models}


def test_a_bulk_load_of_cases_leaves_the_tables_analysed():
    _, err = seed("--cases", "400")
    # The rows are this test's own, uncommitted: only seed_demo's ANALYZE can have counted them.
    rows = planner_rows(Patient, Case, Enquiry, IntakeResponse)
    assert all(count >= 400 for count in rows.values()), rows
    assert planner_rows(Flag)["Flag"] > 0
    assert "analysed 5 tables" in err


def test_a_bulk_load_of_follow_ups_leaves_the_tables_analysed():
    seed("--followups-due", "300")
    rows = planner_rows(Case, FollowUp, OutgoingEmail, CaseEvent)
    assert all(count >= 300 for count in rows.values()), rows


def test_generated_cases_are_searchable_and_carry_their_targets():
    seed("--cases", "200")
    cases = generated_cases().select_related("patient")
    assert all(c.patient.last_name.casefold() in c.patient.search_text for c in cases)
    assert all(c.target_due_at is not None for c in cases)
    sources = {c.pk: c.source for c in cases}
    for enquiry in Enquiry.objects.filter(case__in=cases):
        assert sources[enquiry.case_id] == enquiry.source
    moved_on = cases.exclude(status="new").exclude(urgency=Tier.EMERGENCY)
    assert all(c.target_met_at is not None for c in moved_on)


def test_demo_followups_are_added_once_for_make_run():
    from followup.models import FollowUp

    seed("--demo-followups")
    seed("--demo-followups")
    due = FollowUp.objects.filter(step=1, email__status="queued")
    assert due.count() == 3
