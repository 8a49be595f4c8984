"""A case's audit trail: read and exported by clinic admins, never changed by anyone."""

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from clinic.models import AuditEntry
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db


def new_case(email="sam.sample@example.test"):
    return record_enquiry(
        contact=Contact("Sam", "Sample", email),
        source="web",
        answers=answers(),
    ).case


def test_the_trail_lists_a_practitioners_views_of_the_case(client, practitioner, clinic_admin):
    case = new_case()
    client.force_login(practitioner)
    client.get(reverse("case_detail", args=[case.pk]))
    client.force_login(clinic_admin)
    response = client.get(reverse("case_audit", args=[case.pk]))
    assert response.status_code == 200
    rows = list(response.context["page"])
    # Newest first: the admin's look at the trail, then the practitioner's view.
    assert [(e.actor, e.action, e.what) for e in rows] == [
        (clinic_admin, "view", "audit"),
        (practitioner, "view", ""),
    ]
    page = response.content.decode()
    assert "practitioner" in page
    assert "127.0.0.1" in page


def test_the_trail_shows_only_that_case(admin_client_):
    case, other = new_case(), new_case("other.patient@example.test")
    admin_client_.get(reverse("case_detail", args=[other.pk]))
    response = admin_client_.get(reverse("case_audit", args=[case.pk]))
    assert [e.object_id for e in response.context["page"]] == [case.pk]


def test_the_trail_is_paged(admin_client_):
    case = new_case()
    AuditEntry.objects.bulk_create(
        AuditEntry(action="view", object_type="case", object_id=case.pk) for _ in range(60)
    )
    first = admin_client_.get(reverse("case_audit", args=[case.pk]))
    assert len(first.context["page"]) == 50
    second = admin_client_.get(reverse("case_audit", args=[case.pk]), {"page": 2})
    assert len(second.context["page"]) == 12  # 60 seeded + two looks at the trail


def test_an_unknown_case_has_no_trail(admin_client_):
    assert admin_client_.get(reverse("case_audit", args=[999999])).status_code == 404
    assert admin_client_.get(reverse("case_audit_export", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["case_audit", "case_audit_export"])
def test_practitioners_and_reception_cannot_read_the_trail(client, practitioner, reception, name):
    case = new_case()
    for user in (practitioner, reception):
        client.force_login(user)
        assert client.get(reverse(name, args=[case.pk])).status_code == 403


def test_the_case_page_links_to_the_trail_for_clinic_admins_only(
    client, practitioner, clinic_admin
):
    case = new_case()
    link = reverse("case_audit", args=[case.pk]).encode()
    client.force_login(clinic_admin)
    assert link in client.get(reverse("case_detail", args=[case.pk])).content
    client.force_login(practitioner)
    assert link not in client.get(reverse("case_detail", args=[case.pk])).content


def test_the_export_is_a_csv_of_the_trail_and_is_itself_audited(client, practitioner, clinic_admin):
    case = new_case()
    client.force_login(practitioner)
    client.get(reverse("case_detail", args=[case.pk]))
    client.force_login(clinic_admin)
    response = client.get(reverse("case_audit_export", args=[case.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="case-{case.pk}-audit.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["who"], r["action"], r["what"], r["ip"]) for r in rows] == [
        ("admin", "export", "audit", "127.0.0.1"),
        ("practitioner", "view", "", "127.0.0.1"),
    ]
    export = AuditEntry.objects.get(action="export")
    assert (export.actor, export.object_type, export.object_id) == (clinic_admin, "case", case.pk)


def test_the_export_never_hands_a_spreadsheet_a_formula(client, clinic_admin):
    case = new_case()
    sneaky = staff("practitioner", username="=cmd")
    client.force_login(sneaky)
    client.get(reverse("case_detail", args=[case.pk]))
    client.force_login(clinic_admin)
    body = client.get(reverse("case_audit_export", args=[case.pk])).content.decode()
    assert ",'=cmd," in body


def test_a_saved_entry_cannot_be_saved_again_or_deleted():
    entry = AuditEntry.objects.create(action="view", object_type="case", object_id=1)
    entry.what = "tampered"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_the_database_refuses_to_update_or_delete_entries():
    AuditEntry.objects.create(action="view", object_type="case", object_id=1)
    entries = AuditEntry.objects.filter(object_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entries.update(what="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entries.delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM clinic_auditentry")
    assert entries.get().what == ""
