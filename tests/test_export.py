"""Subject access and portability: a clinic admin exports everything held about a patient, as
JSON and as a printable page, with who viewed the record and when; audited. The command prints
the same JSON."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEntry, OutgoingEmail
from followup import plan
from followup.models import CheckIn, FollowUp
from intake import matching
from intake.forms import CONSENT_WORDING
from intake.models import Case
from intake.services import Contact, record_enquiry

from .factories import answers
from .followups import followup_emails

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def patient_with_everything(reception, practitioner):
    """Lee: two records merged into one, two cases, answers, a note, follow-ups, a check-in."""
    first = record_enquiry(
        contact=Contact("Lee", "Example", "lee@example.test", "07700 900111"),
        source="phone",
        reason="Rang about a stiff back",
        answers=answers(night_pain=True),
        consent_followup=True,
        consent_wording=CONSENT_WORDING,
        logged_by=reception,
    )
    case = first.case
    act = reverse("case_action", args=[case.pk, "note"])
    signed_in(practitioner).post(act, {"version": 1, "text": "Advised heat and gentle walking"})
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(case.pk)
    followup = FollowUp.objects.get(case=case, step=1)
    followup_emails(pk=followup.pk).update(status=OutgoingEmail.Status.SENT)
    CheckIn.objects.create(
        followup=followup, case=case, pain_now=2, recurred=False, wants_assessment=True
    )
    other = record_enquiry(
        contact=Contact("Lea", "Example", "lee@example.test", "07700 900112"),
        source="web",
        answers=answers(fever=True),
    )
    return first.enquiry.patient, case, other


def test_the_export_holds_every_answer_note_follow_up_and_who_viewed_it(
    admin_client_, clinic_admin, reception, practitioner
):
    patient, case, other = patient_with_everything(reception, practitioner)
    matching.confirm(other.case.pk, practitioner)  # a possible match, confirmed: merged
    practitioner_client = signed_in(practitioner)
    practitioner_client.get(reverse("case_detail", args=[case.pk]))
    practitioner_client.get(reverse("patient_detail", args=[patient.pk]))

    response = admin_client_.get(reverse("patient_export_json", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="patient-{patient.pk}.json"'
    data = json.loads(response.content)

    typed = {(p["first_name"], p["phone"]) for p in data["patient"]}
    assert typed == {("Lee", "07700 900111"), ("Lea", "07700 900112")}
    assert {c["id"] for c in data["cases"]} == {case.pk, other.case.pk}
    assert {e["reason"] for e in data["enquiries"]} == {"Rang about a stiff back", ""}
    # Every answer, with the question asked.
    assert len(data["questionnaires"]) == 2
    for questionnaire in data["questionnaires"]:
        by_id = {a["id"]: a for a in questionnaire["answers"]}
        assert by_id["pain_score"]["answer"] == 5
        assert by_id["night_pain"]["question"].endswith("?")
    night = {
        q["case"]: {a["id"]: a["answer"] for a in q["answers"]} for q in data["questionnaires"]
    }
    assert night[case.pk]["night_pain"] is True
    assert {f["rule_id"] for f in data["flags"]} == {"night_pain", "infection"}
    notes = [e["text"] for e in data["timeline"] if e["kind"] == "Note"]
    assert notes == ["Advised heat and gentle walking"]
    followups = [e for e in data["emails"] if e["kind"] == "Follow-up"]  # in the outbox
    assert [e["status"] for e in followups] == ["Sent"] + ["Cancelled"] * 4
    assert {e["id"] for e in followups} == {f["email"] for f in data["follow_ups"]}
    assert data["check_ins"][0]["pain_now"] == 2
    assert data["possible_matches"][0]["status"] == "Confirmed: merged"
    # Who viewed or changed the record, and when (staff's addresses are not the patient's data).
    log = data["access_log"]
    seen = {(e["who"], e["action"], e["object"]) for e in log}
    assert ("practitioner", "Viewed", "case") in seen
    assert ("practitioner", "Changed", "case") in seen  # the note
    assert ("practitioner", "Viewed", "patient") in seen
    assert ("practitioner", "Changed", "patient") in seen  # the merge
    assert all("ip" not in e for e in log)
    # Exporting is itself audited.
    assert AuditEntry.objects.filter(
        actor=clinic_admin, action="export", object_type="patient", object_id=patient.pk
    ).exists()


def test_the_printable_page_shows_the_same_data_readably(admin_client_, reception, practitioner):
    patient, _, _ = patient_with_everything(reception, practitioner)
    page = admin_client_.get(reverse("patient_export", args=[patient.pk])).content.decode()
    assert "Everything Back Pain Clinic holds about patient record" in page
    assert "Advised heat and gentle walking" in page
    assert "Rang about a stiff back" in page
    assert "Do you have constant pain at night" in page  # a question beside its answer
    assert "Who viewed or changed the record, and when" in page
    assert AuditEntry.objects.filter(action="export", what="page", object_id=patient.pk).exists()


def test_the_command_prints_the_same_json(admin_client_, reception, practitioner):
    patient, *_ = patient_with_everything(reception, practitioner)
    out = io.StringIO()
    call_command("patient_export", str(patient.pk), stdout=out)
    from_command = json.loads(out.getvalue())
    from_page = json.loads(
        admin_client_.get(reverse("patient_export_json", args=[patient.pk])).content
    )
    for data in (from_command, from_page):
        data.pop("exported_at")
        data.pop("access_log")  # the command's own export is one more line in it
    assert from_command == from_page
    assert AuditEntry.objects.filter(what="json-command", actor=None).count() == 1


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "", "1" * 40])
def test_the_command_refuses_a_bad_id_with_one_line_and_exit_status_2(bad):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("patient_export", bad, stderr=err, stdout=io.StringIO())
    assert exit_.value.code == 2
    assert err.getvalue().count("\n") == 1
    assert "There is no patient record" in err.getvalue()


@pytest.mark.parametrize("role", ["practitioner", "reception"])
def test_only_a_clinic_admin_exports(request, role, reception, practitioner):
    patient, *_ = patient_with_everything(reception, practitioner)
    client = signed_in(request.getfixturevalue(role))
    for name in ("patient_export", "patient_export_json"):
        assert client.get(reverse(name, args=[patient.pk])).status_code == 403
