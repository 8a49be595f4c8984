"""The access audit: every page with patient data, every view of the queue, every export and
every 403 leaves a row; clinic admins read the whole trail on /staff/audit/ (filters, CSV);
the table refuses UPDATE, DELETE and TRUNCATE, and the app's own database role may only read
and add to it."""

import csv
import datetime
import io

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from psycopg import sql

from clinic import roles
from clinic.models import AuditEntry
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db


def recorded(logged_by=None):
    return record_enquiry(
        contact=Contact("Sam", "Sample", "sam.sample@example.test", "07700 900123"),
        source="phone" if logged_by else "web",
        answers=answers(),
        logged_by=logged_by,
    )


def rows(**match):
    return list(
        AuditEntry.objects.filter(**match).values_list("actor__username", "object_id", "what")
    )


# --- Every page with patient data, every view of the queue ------------------------------------


def patient_pages(enquiry):
    case, patient = enquiry.case.pk, enquiry.patient_id
    return {
        "queue": ("triage_queue", [], "queue", None, "page"),
        "queue refresh": ("triage_fragment", [], "queue", None, "refresh"),
        "case": ("case_detail", [case], "case", case, ""),
        "case audit": ("case_audit", [case], "case", case, "audit"),
        "patient": ("patient_detail", [patient], "patient", patient, ""),
        "patient export page": ("patient_export", [patient], "patient", patient, "page"),  # export
        "erase form": ("patient_erase", [patient], "patient", patient, "erase-form"),
        "follow-ups": ("followups", [], "followups", None, ""),
        "outbox": ("outbox", [], "outbox", None, ""),
        "enquiry list": ("enquiry_list", [], "enquiries", None, "list"),
        "enquiry confirmation": ("enquiry_done", [enquiry.pk], "enquiry", enquiry.pk, ""),
    }


@pytest.mark.parametrize(
    "page",
    [
        "queue",
        "queue refresh",
        "case",
        "case audit",
        "patient",
        "patient export page",
        "erase form",
        "follow-ups",
        "outbox",
        "enquiry list",
        "enquiry confirmation",
    ],
)
def test_every_page_with_patient_data_records_who_saw_it(client, clinic_admin, page):
    enquiry = recorded(logged_by=clinic_admin).enquiry
    name, args, object_type, object_id, what = patient_pages(enquiry)[page]
    client.force_login(clinic_admin)
    assert client.get(reverse(name, args=args)).status_code == 200
    views = rows(action__in=["view", "export"], object_type=object_type)
    assert ("admin", object_id, what) in views


def test_a_search_of_the_queue_is_recorded_without_what_was_searched(practitioner_client):
    recorded()
    response = practitioner_client.post(reverse("triage_search"), {"q": "Sample"}, follow=True)
    assert response.status_code == 200
    assert rows(action="view", object_type="queue") == [("practitioner", None, "search")]
    assert not AuditEntry.objects.filter(what__icontains="sample").exists()


def test_a_conflict_that_shows_the_case_is_a_view_of_it(practitioner_client):
    case = recorded().case
    stale = case.version
    url = reverse("case_action", args=[case.pk, "note"])
    assert practitioner_client.post(url, {"version": stale, "text": "First"}).status_code == 302
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]), {"version": stale, "status": "triaged"}
    )  # no `seen`: as if the status had changed meanwhile
    assert response.status_code == 302
    assert practitioner_client.get(response["Location"]).status_code == 409
    assert rows(action="view", object_type="case") == [("practitioner", case.pk, "conflict")]


def test_a_refused_form_that_shows_the_case_is_a_view_of_it(practitioner_client):
    case = recorded().case
    response = practitioner_client.post(
        reverse("case_action", args=[case.pk, "status"]),
        {"version": case.version, "status": "no-such-status"},
    )
    assert response.status_code == 400
    assert rows(action="view", object_type="case") == [("practitioner", case.pk, "refused status")]


# --- Every 403 -----------------------------------------------------------------------------------


def test_every_refusal_is_recorded_with_the_page_and_the_record(client, reception, practitioner):
    case = recorded().case
    client.force_login(reception)
    assert client.get(reverse("triage_queue")).status_code == 403
    client.force_login(practitioner)
    assert client.get(reverse("case_audit", args=[case.pk])).status_code == 403
    assert client.get(reverse("audit")).status_code == 403
    assert set(rows(action="denied", object_type="page")) == {
        ("practitioner", None, "audit"),
        ("practitioner", case.pk, "case_audit"),
        ("reception", None, "triage_queue"),
    }
    assert AuditEntry.objects.filter(action="denied").first().ip == "127.0.0.1"


def test_a_forged_form_refused_by_csrf_is_recorded(practitioner):
    case = recorded().case
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(practitioner)
    url = reverse("case_action", args=[case.pk, "note"])
    assert forger.post(url, {"version": case.version, "text": "x"}).status_code == 403
    assert rows(action="denied") == [("practitioner", case.pk, "case_action")]


# --- Exports, duty rota and roles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("triage_export", "queue"),
        ("case_audit_export", "case"),
        ("patient_export_json", "patient"),
        ("audit_export", "audit"),
    ],
)
def test_every_export_is_recorded(admin_client_, name, kind):
    enquiry = recorded().enquiry
    args = {
        "case_audit_export": [enquiry.case.pk],
        "patient_export_json": [enquiry.patient_id],
    }.get(name, [])
    response = admin_client_.get(reverse(name, args=args))
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # the rows are read as the file is sent
    assert AuditEntry.objects.filter(
        action="export", object_type=kind, actor__username="admin"
    ).exists()


def test_duty_rota_and_role_changes_are_recorded(admin_client_):
    colleague = staff(roles.PRACTITIONER, username="sam", on_duty=False)
    admin_client_.post(reverse("duty_rota"), {"on_duty": [colleague.pk]})
    admin_client_.post(
        reverse("staff_account_action", args=[colleague.pk, "role"]), {"role": "admin"}
    )
    assert ("admin", colleague.pk, "on duty") in rows(object_type="duty")
    assert ("admin", colleague.pk, "role: admin") in rows(action="account")


# --- /staff/audit/ -------------------------------------------------------------------------------


@pytest.fixture
def trail(practitioner, reception):
    """Rows on three days, from two people."""
    made = []
    for day, who, action, kind, pk in [
        (datetime.date(2026, 11, 2), practitioner, "view", "case", 7),
        (datetime.date(2026, 11, 3), reception, "view", "enquiry", 8),
        (datetime.date(2026, 11, 4), practitioner, "export", "queue", None),
        (datetime.date(2026, 11, 4), practitioner, "view", "case", 9),
    ]:
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        made.append(AuditEntry(actor=who, action=action, object_type=kind, object_id=pk, at=at))
    return AuditEntry.objects.bulk_create(made)


def listed(response):
    return [
        (e.actor.username, e.action, e.object_type, e.object_id) for e in response.context["page"]
    ]


def test_the_trail_is_for_clinic_admins(client, practitioner, reception):
    for user in (practitioner, reception):
        client.force_login(user)
        assert client.get(reverse("audit")).status_code == 403
        assert client.get(reverse("audit_export")).status_code == 403


def test_clinic_admins_filter_the_trail_by_who_what_and_when(admin_client_, trail, practitioner):
    url = reverse("audit")
    everything = listed(admin_client_.get(url))
    # Newest first, the admin's own look at the trail at the top (it is a row like any other).
    assert everything[0] == ("admin", "view", "audit", None)
    assert [row for row in everything if row[0] != "admin"] == [
        ("practitioner", "view", "case", 9),
        ("practitioner", "export", "queue", None),
        ("reception", "view", "enquiry", 8),
        ("practitioner", "view", "case", 7),
    ]
    by_who = admin_client_.get(url, {"actor": practitioner.pk})
    assert {row[0] for row in listed(by_who)} == {"practitioner"}
    by_record = admin_client_.get(url, {"object_type": "case", "object_id": 9})
    assert listed(by_record) == [("practitioner", "view", "case", 9)]
    by_action = admin_client_.get(url, {"action": "export"})
    assert listed(by_action) == [("practitioner", "export", "queue", None)]
    by_days = admin_client_.get(url, {"on_or_after": "2026-11-03", "on_or_before": "2026-11-03"})
    assert listed(by_days) == [("reception", "view", "enquiry", 8)]
    # Reading the trail is itself recorded.
    assert AuditEntry.objects.filter(object_type="audit", action="view").count() == 5


@pytest.mark.parametrize(
    "bad",
    [
        {"on_or_before": "9999-12-31"},
        {"on_or_after": "9999-12-31"},
        {"on_or_after": "0001-01-01", "on_or_before": "9999-12-31"},
        {"on_or_after": "yesterday"},
        {"object_id": "99999999999999999999999"},
        {"object_id": "-1"},
        {"ip": "not-an-address"},
        {"actor": "999999999"},
        {"action": "drop table"},
        {"page": "99999"},
    ],
)
def test_odd_filters_never_cost_a_500(admin_client_, trail, bad):
    response = admin_client_.get(reverse("audit"), bad)
    assert response.status_code == 200
    assert admin_client_.get(reverse("audit_export"), bad).status_code == 200


def test_the_csv_has_the_filtered_rows_and_is_safe_in_a_spreadsheet(admin_client_, trail):
    AuditEntry.objects.create(action="view", object_type="case", object_id=7, what="=cmd()")
    response = admin_client_.get(reverse("audit_export"), {"object_type": "case", "object_id": 7})
    assert response["Content-Disposition"] == 'attachment; filename="audit.csv"'
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["at", "who", "action", "object", "object_id", "what", "ip"]
    assert [(line[1], line[3], line[4], line[5]) for line in lines[1:]] == [
        ("", "case", "7", "'=cmd()"),
        ("practitioner", "case", "7", ""),
    ]


# --- The table refuses changes; the app's role cannot make them ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_even_to_the_tables_owner():
    AuditEntry.objects.create(action="view", object_type="case", object_id=1)
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test suite's own connections may empty it between tests; any other may not.
        cursor.execute("SET LOCAL clinic.allow_audit_truncate = off")
        cursor.execute("TRUNCATE clinic_auditentry")
    assert AuditEntry.objects.count() == 1


@pytest.fixture
def app_role():
    """A database role like the one web, worker and beat connect as in compose."""
    name = f"{connection.settings_dict['NAME']}_app"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.mark.django_db(transaction=True)
def test_the_apps_database_role_reads_and_adds_audit_rows_but_changes_none(app_role, capsys):
    call_command("grant_app_role", app_role)
    AuditEntry.objects.create(action="view", object_type="case", object_id=1)
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=app_role,
        autocommit=True,
    ) as app:
        app.execute(
            "INSERT INTO clinic_auditentry (at, action, object_type, what) "
            "VALUES (now(), 'view', 'queue', '')"
        )
        assert app.execute("SELECT count(*) FROM clinic_auditentry").fetchone() == (2,)
        for statement in (
            "UPDATE clinic_auditentry SET what = 'tampered'",
            "DELETE FROM clinic_auditentry",
            "TRUNCATE clinic_auditentry",
            "DROP TRIGGER clinic_auditentry_append_only ON clinic_auditentry",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # The test suite's way round the trigger does not give the app the privilege.
        app.execute("SET clinic.allow_audit_truncate = on")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("TRUNCATE clinic_auditentry")
        # Everything else the app does, it can.
        app.execute("UPDATE intake_case SET version = version WHERE false")
        app.execute("DELETE FROM django_session WHERE false")
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_granting_to_an_unknown_role_or_the_owner_is_refused(capsys):
    with pytest.raises(SystemExit) as unknown:
        call_command("grant_app_role", "no_such_role_anywhere")
    assert unknown.value.code == 2
    with pytest.raises(SystemExit) as owner:
        call_command("grant_app_role", connection.settings_dict["USER"])
    assert owner.value.code == 2
    assert "a role of its own" in capsys.readouterr().err


def test_every_kind_of_record_the_code_audits_can_be_filtered_by():
    """The audit page's "Record" filter offers every object_type the code writes."""
    import re
    from pathlib import Path

    from clinic.audit_views import OBJECT_TYPES

    root = Path(__file__).resolve().parent.parent
    written = set()
    pattern = re.compile(
        r'audit\.(?:viewed|changed|exported|record|change|log|log_many)\(\s*[\w.]+,\s*(?:[\w.]+,\s*)?"([a-z_]+)"'
        r'|object_type="([a-z_]+)"'
    )
    for folder in ("clinic", "intake", "followup"):
        for path in (root / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text()):
                written.add(match.group(1) or match.group(2))
    assert {"case", "patient", "queue", "page"} <= written
    assert written - {kind for kind, _ in OBJECT_TYPES} == set()
