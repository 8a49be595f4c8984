"""Erasure: a clinic admin anonymises a patient with a written reason; nothing identifying is
left anywhere in the database, audit rows included; unsent messages are cancelled; the
overview's counts survive; the erasure is audited without identity."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from psycopg import sql

from clinic import audit, erasure
from clinic.models import AuditEntry, OutgoingEmail
from followup import links, plan
from followup.models import CheckIn, FollowUp
from intake import matching, overview
from intake.forms import CONSENT_WORDING
from intake.models import Case, IntakeResponse, Patient, Tier
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers, form_data
from .followups import followup_emails

pytestmark = pytest.mark.django_db

DOB = datetime.date(1948, 11, 23)
FIRST, LAST = "Quintessa", "Vandermeer-Oyelaran"
EMAIL, PHONE = "quintessa.v@example.test", "07700 900654"
TYPED = ("Quintessia", "quintessa.typed@example.test", "07700 900655")
IDENTIFYING = [
    FIRST,
    LAST,
    "Quintessia",
    EMAIL,
    TYPED[1],
    PHONE,
    TYPED[2],
    "07700900654",
    "07700900655",
    DOB.isoformat(),
    "23/11/1948",
]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def quintessa(reception, practitioner, clinic_admin):
    """A patient whose name, contact details and birth date are written all over the place."""
    first = record_enquiry(
        contact=Contact(FIRST, LAST, EMAIL, PHONE, DOB),
        source="phone",
        reason=f"{FIRST} {LAST} rang from {PHONE} about her back",
        answers=answers(date_of_birth=DOB, night_pain=True),
        consent_followup=True,
        consent_wording=CONSENT_WORDING,
        logged_by=reception,
    )
    case = first.case
    staff = signed_in(practitioner)

    def act(action, **data):
        version = Case.objects.get(pk=case.pk).version
        staff.post(reverse("case_action", args=[case.pk, action]), {"version": version, **data})

    act("note", text=f"Spoke to {FIRST}; her email is {EMAIL}, born {DOB:%d/%m/%Y}")
    act("contact", outcome="called", text=f"Called {PHONE}")
    act("override", tier=Tier.SOON, reason=f"{FIRST} {LAST} is known to us")
    staff.get(reverse("case_detail", args=[case.pk]))
    staff.get(reverse("patient_detail", args=[first.enquiry.patient_id]))
    # A public post in her name with other details, confirmed as her: a merged record.
    public = Client()
    contact = {"first_name": TYPED[0], "last_name": LAST, "email": EMAIL, "phone": TYPED[2]}
    public.post(reverse("intake_form"), form_data(contact, date_of_birth=DOB, fever=True))
    typed_case = Case.objects.exclude(pk=case.pk).get()
    matching.confirm(typed_case.pk, practitioner)
    Patient.objects.filter(pk=typed_case.patient_id).update(email=TYPED[1])
    # The first case recovered with follow-ups due, one sent and checked in on.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(case.pk)
    sent = FollowUp.objects.get(case=case, step=1)
    followup_emails(pk=sent.pk).update(status=OutgoingEmail.Status.SENT)
    followup_emails(case=case, step=2).update(
        status=OutgoingEmail.Status.FAILED,
        last_error=f"SMTPRecipientsRefused: 550 {EMAIL} unknown",
    )
    CheckIn.objects.create(
        followup=sent, case=case, pain_now=3, recurred=False, wants_assessment=False
    )
    signed_in(clinic_admin).get(reverse("patient_export", args=[first.enquiry.patient_id]))
    Case.objects.filter(pk=typed_case.pk).update(status=Case.Status.CLOSED)
    return Patient.objects.get(pk=first.enquiry.patient_id)


def database_holds(value: str) -> list[str]:
    """Every table.column of the database whose text, JSON or date holds `value`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN "
            "('text', 'character varying', 'character', 'json', 'jsonb', 'date')"
        )
        columns = cursor.fetchall()
        assert len(columns) > 40  # the search really covers the schema
        for table, column, data_type in columns:
            if data_type == "date":
                try:
                    day = datetime.date.fromisoformat(value)
                except ValueError:
                    continue
                query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s")
                params = [day]
            else:
                query = sql.SQL("SELECT count(*) FROM {} WHERE {}::text ILIKE %s")
                params = [f"%{value}%"]
            cursor.execute(query.format(sql.Identifier(table), sql.Identifier(column)), params)
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_the_fixture_really_writes_the_values_everywhere(quintessa):
    assert "intake_patient.first_name" in database_holds(FIRST)
    assert "intake_caseevent.text" in database_holds(EMAIL)
    assert "intake_enquiry.reason" in database_holds(PHONE)
    assert "intake_intakeresponse.answers" in database_holds(DOB.isoformat())
    assert "intake_patient.date_of_birth" in database_holds(DOB.isoformat())
    assert "clinic_outgoingemail.last_error" in database_holds(EMAIL)
    assert "clinic_outgoingemail.recipient" in database_holds(EMAIL)


def test_after_erasure_no_identifying_value_remains_anywhere_in_the_database(
    quintessa, clinic_admin
):
    admin = signed_in(clinic_admin)
    response = admin.post(
        reverse("patient_erase", args=[quintessa.pk]),
        {"reason": "Erasure asked for in writing; identity checked by phone.", "confirm": "on"},
    )
    assert response.status_code == 302
    for value in IDENTIFYING:
        assert database_holds(value) == [], value
    assert AuditEntry.objects.filter(object_type="patient").count() > 3  # audit rows kept


def test_erasure_cancels_unsent_follow_ups_and_alerts(quintessa, practitioner):
    case = quintessa.cases.order_by("pk").first()
    alert_emails().filter(case__patient=quintessa).update(status=OutgoingEmail.Status.QUEUED)
    erased = erasure.erase(quintessa.pk, "Asked in writing", practitioner)
    statuses = dict(FollowUp.objects.filter(case=case).values_list("step", "email__status"))
    assert statuses == {1: "sent", 2: "cancelled", 3: "cancelled", 4: "cancelled", 5: "cancelled"}
    assert set(
        FollowUp.objects.filter(case=case, step__gt=1).values_list("cancelled_reason", flat=True)
    ) == {"erased"}
    alerts = alert_emails().filter(case__patient=quintessa)
    assert alerts.exists()
    assert set(alerts.values_list("status", flat=True)) == {OutgoingEmail.Status.CANCELLED}
    assert erased.messages_cancelled == 4 + alerts.count()


def test_the_overview_counts_survive_without_identity(quintessa, practitioner):
    now = timezone.now()
    before = (
        overview.enquiries_per_week(now),
        overview.targets_met(now),
        overview.open_cases_by_status(),
        overview.emergency_acknowledgement(now),
    )
    erasure.erase(quintessa.pk, "Asked in writing", practitioner)
    after = (
        overview.enquiries_per_week(now),
        overview.targets_met(now),
        overview.open_cases_by_status(),
        overview.emergency_acknowledgement(now),
    )
    assert after == before
    assert Case.objects.filter(patient=quintessa).count() == 2
    assert set(
        IntakeResponse.objects.filter(case__patient=quintessa).values_list("urgency", flat=True)
    ) == {Tier.SOON, Tier.URGENT}


def test_the_erasure_is_audited_without_identity_and_the_reason_is_kept(quintessa, clinic_admin):
    erasure.erase(quintessa.pk, "Asked in writing", clinic_admin, ip="10.0.0.9")
    entry = AuditEntry.objects.get(what="erase")
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.ip) == (
        clinic_admin,
        "change",
        "patient",
        quintessa.pk,
        "10.0.0.9",
    )
    quintessa.refresh_from_db()
    assert (quintessa.first_name, quintessa.email, quintessa.date_of_birth) == ("Erased", "", None)
    assert (quintessa.erased_by, quintessa.erasure_reason) == (clinic_admin, "Asked in writing")


@pytest.mark.parametrize(
    "reason",
    [
        f"{FIRST} asked",
        f"Asked by {LAST.upper()}",
        f"Email from {EMAIL}",
        "Rang from 07700-900-654",
        f"Born {DOB.isoformat()}",
        "   ",
    ],
)
def test_a_reason_naming_the_patient_or_empty_is_refused_beside_the_field(
    quintessa, clinic_admin, reason
):
    admin = signed_in(clinic_admin)
    response = admin.post(
        reverse("patient_erase", args=[quintessa.pk]), {"reason": reason, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert Patient.objects.get(pk=quintessa.pk).erased_at is None


def test_an_open_case_or_a_waiting_match_must_be_dealt_with_first(quintessa, clinic_admin):
    case = quintessa.cases.order_by("pk").first()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.BOOKED)
    with pytest.raises(erasure.ErasureRefused, match="open case"):
        erasure.erase(quintessa.pk, "Asked in writing", clinic_admin)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    Client().post(reverse("intake_form"), form_data({"email": EMAIL}))
    Case.objects.filter(possible_match__isnull=False, possible_match__status="pending").update(
        status=Case.Status.CLOSED
    )
    with pytest.raises(erasure.ErasureRefused, match="possible match"):
        erasure.erase(quintessa.pk, "Asked in writing", clinic_admin)
    page = signed_in(clinic_admin).get(reverse("patient_erase", args=[quintessa.pk]))
    assert "confirm or reject it first" in page.content.decode()


def test_an_erased_record_is_never_matched_and_its_links_lead_nowhere(quintessa, clinic_admin):
    sent = FollowUp.objects.get(case__patient=quintessa, email__status="sent")
    erasure.erase(quintessa.pk, "Asked in writing", clinic_admin)
    checkin = Client().get(reverse("followup_checkin", args=[links.checkin_token(sent.pk)]))
    assert checkin.status_code == 404
    again = record_enquiry(contact=Contact(FIRST, LAST, EMAIL, PHONE, DOB), source="web")
    assert again.enquiry.patient != quintessa
    assert again.case.needs_review is False


def test_the_command_erases_with_a_reason(quintessa):
    out = io.StringIO()
    call_command("patient_erase", str(quintessa.pk), "--reason", "Asked in writing", stdout=out)
    assert f"Patient record {quintessa.pk} erased" in out.getvalue()
    assert Patient.objects.get(pk=quintessa.pk).erased_at is not None
    assert AuditEntry.objects.filter(what="erase-command", actor=None).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "--reason", "x"], "There is no patient record"),
        (["abc", "--reason", "x"], "There is no patient record"),
        ([], "Write down why"),
        (["--reason", f"{FIRST} asked"], "without the patient's name"),
    ],
)
def test_the_command_refuses_with_one_line_and_exit_status_2(quintessa, args, message):
    if not args or args[0] == "--reason":
        args = [str(quintessa.pk), *args]
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("patient_erase", *args, stderr=err, stdout=io.StringIO())
    assert exit_.value.code == 2
    assert message in err.getvalue() and err.getvalue().count("\n") == 1
    assert Patient.objects.get(pk=quintessa.pk).erased_at is None


def test_audit_rows_stay_append_only_and_never_take_free_text(quintessa):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(object_type="patient").update(what="x")
    with pytest.raises(ValueError, match="short label"):
        audit.log(None, AuditEntry.Action.VIEW, "patient", quintessa.pk, f"{FIRST} {LAST}")
