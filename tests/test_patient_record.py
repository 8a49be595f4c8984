"""The patient's record for staff: deciding a possible match on the case page, the patient page
with everything of theirs, merging two records, and undoing an opt-out."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry, OutgoingEmail
from followup import links, plan
from followup.models import CheckIn, FollowUp, OptOut
from intake import records, rules
from intake.forms import CONSENT_WORDING
from intake.models import Case, CaseEvent, Patient, PossibleMatch, Tier
from intake.services import Contact, record_enquiry

from .factories import answers
from .followups import followup_emails

pytestmark = pytest.mark.django_db

DOB = datetime.date(1975, 2, 3)


def known(reception, email="kim.example@example.test", phone="07700 900777", **changes):
    recorded = record_enquiry(
        contact=Contact("Kim", "Example", email, phone, DOB),
        source="phone",
        answers=answers(date_of_birth=DOB, **changes),
        consent_followup=True,
        consent_wording=CONSENT_WORDING,
        logged_by=reception,
    )
    return recorded.enquiry.patient, Case.objects.get(pk=recorded.case.pk)


def typed(first="Kym", email="kim.example@example.test", **changes):
    """What someone typed into the public form, nobody signed in."""
    recorded = record_enquiry(
        contact=Contact(first, "Example", email, "07700 900778", DOB),
        source="web",
        answers=answers(date_of_birth=DOB, **changes),
    )
    return Case.objects.get(pk=recorded.case.pk)


def decide(client, case, decision):
    return client.post(reverse("case_match", args=[case.pk]), {"decision": decision})


# --- A possible match, decided on the case page ---------------------------------------------------


def test_the_case_page_shows_both_records_side_by_side(practitioner_client, reception):
    patient, _ = known(reception)
    case = typed()
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Possible match: is this the same person?" in page
    panel = page[page.index("Possible match: is") : page.index('value="reject"')]
    for shown in ("Kym Example", "Kim Example", "07700 900778", "07700 900777"):
        assert shown in panel
    assert 'class="table-warning"><th scope="row">Name' in panel
    assert reverse("patient_detail", args=[patient.pk]) in panel


def test_confirming_moves_the_case_to_the_existing_record_in_one_step(
    practitioner_client, practitioner, reception, django_capture_on_commit_callbacks
):
    patient, old = known(reception)
    Case.objects.filter(pk=old.pk).update(status=Case.Status.RECOVERED)
    assert plan.schedule(old.pk) == 5
    case = typed(bladder_change=True)
    record = case.patient
    response = decide(practitioner_client, case, "confirm")
    assert response.status_code == 302
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.patient == patient
    assert record.merged_into == patient
    assert (record.first_name, record.phone) == ("Kym", "07700 900778")  # as typed, kept
    match = PossibleMatch.objects.get()
    assert (match.status, match.decided_by) == (PossibleMatch.Status.CONFIRMED, practitioner)
    assert case.needs_review is False
    # Urgency never quietly lowered: the emergency is still an unacknowledged emergency.
    assert (case.urgency, case.queue_rank) == (Tier.EMERGENCY, 0)
    # A new case stops the old plan.
    assert set(
        FollowUp.objects.filter(case=old).values_list("email__status", "cancelled_reason")
    ) == {(OutgoingEmail.Status.CANCELLED, plan.NEW_CASE)}
    # The existing record's own details are not overwritten.
    patient.refresh_from_db()
    assert (patient.first_name, patient.phone) == ("Kim", "07700 900777")
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"match", "merge"} <= kinds
    assert AuditEntry.objects.filter(
        actor=practitioner, object_type="patient", object_id=patient.pk, what="merge"
    ).exists()


def test_rejecting_keeps_the_case_on_a_record_of_its_own(practitioner_client, reception):
    patient, _ = known(reception)
    case = typed()
    assert decide(practitioner_client, case, "reject").status_code == 302
    case.refresh_from_db()
    assert case.patient != patient
    assert case.patient.merged_into is None
    assert PossibleMatch.objects.get().status == PossibleMatch.Status.REJECTED
    assert case.needs_review is False
    assert AuditEntry.objects.filter(what="match-rejected", object_id=case.pk).exists()
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Possible match: is" not in page
    assert "rejected: not record" in page


def test_a_match_is_decided_once(practitioner_client, reception):
    known(reception)
    case = typed()
    decide(practitioner_client, case, "reject")
    response = decide(practitioner_client, case, "confirm")
    assert response.status_code == 302
    assert PossibleMatch.objects.get().status == PossibleMatch.Status.REJECTED
    assert Case.objects.get(pk=case.pk).patient.merged_into is None
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Someone decided this match already" in page


def test_reception_cannot_decide_a_match(reception_client, reception):
    known(reception)
    case = typed()
    assert decide(reception_client, case, "confirm").status_code == 403
    assert PossibleMatch.objects.get().status == PossibleMatch.Status.PENDING


def test_an_opt_out_of_either_record_stands_after_a_merge(reception, practitioner):
    patient, _ = known(reception)
    case = typed(email="kym@example.test", first="Kim")
    plan.opt_out(case.patient_id, OptOut.Source.LINK)
    records.merge(case.patient_id, patient.pk, practitioner)
    assert OptOut.objects.get().patient == patient


# --- The patient page ---------------------------------------------------------------------------


def full_record(reception):
    """Kim: a recovered case with follow-ups and a check-in, and a later case with a note."""
    patient, first = known(reception)
    Case.objects.filter(pk=first.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(first.pk)
    followup = FollowUp.objects.get(case=first, step=1)
    followup_emails(pk=followup.pk).update(status=OutgoingEmail.Status.SENT)
    CheckIn.objects.create(
        followup=followup, case=first, pain_now=4, recurred=True, wants_assessment=False
    )
    second = record_enquiry(
        contact=Contact("Kim", "Example", "kim.example@example.test"),
        source="walk_in",
        reason="Came in about the left leg",
        answers=answers(date_of_birth=DOB, leg_symptoms="one"),
        logged_by=reception,
    ).case
    return patient, first, second


def test_the_patient_page_shows_every_case_enquiry_questionnaire_follow_up_and_check_in(
    practitioner_client, practitioner, reception
):
    patient, first, second = full_record(reception)
    with CaptureQueriesContext(connection) as queries:
        response = practitioner_client.get(reverse("patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for case in (first, second):
        assert f'href="{reverse("case_detail", args=[case.pk])}">Case {case.pk}</a>' in page
    assert "Came in about the left leg" in page  # the enquiries
    assert rules.RULES_BY_ID["radicular"].reason in page  # the questionnaires' flags, as words
    assert page.count("<td>Scheduled") == 4 and "<td>Sent" in page  # the follow-ups
    assert "pain 4/10" in page  # the check-in
    # Session, user, permissions (2), role, the failed-alert banner, patient, audit row, cases,
    # each prefetched relation (2), merged records, enquiries, responses, flags, matches,
    # opt-out; whatever the number of cases.
    assert len(queries) == 17
    Case.objects.filter(pk=second.pk).update(status=Case.Status.CLOSED)
    full_record(reception)
    with CaptureQueriesContext(connection) as more:
        practitioner_client.get(reverse("patient_detail", args=[patient.pk]))
    assert Case.objects.filter(patient=patient).count() == 4
    assert len(more) == len(queries)
    entries = AuditEntry.objects.filter(object_type="patient")
    assert set(entries.values_list("actor", "action", "object_id")) == {
        (practitioner.pk, "view", patient.pk)
    }
    assert entries.count() == 2  # one per view


def test_the_case_page_links_to_the_patient_record(practitioner_client, reception):
    patient, case = known(reception)
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert f'href="{reverse("patient_detail", args=[patient.pk])}"' in page


def test_reception_cannot_open_the_patient_page(reception_client, reception):
    patient, _ = known(reception)
    assert reception_client.get(reverse("patient_detail", args=[patient.pk])).status_code == 403


# --- Merging two records ------------------------------------------------------------------------


def test_staff_compare_then_merge_two_records(practitioner_client, practitioner, reception):
    kept, kept_case = known(reception)
    other, other_case = known(reception, email="kim.other@example.test", phone="07700 900779")
    url = reverse("patient_merge", args=[kept.pk])
    compare = practitioner_client.get(url, {"other": other.pk}).content.decode()
    assert "kim.other@example.test" in compare and "kim.example@example.test" in compare
    assert Case.objects.get(pk=other_case.pk).patient == other  # comparing changes nothing
    response = practitioner_client.post(url, {"other": other.pk})
    assert response.status_code == 302
    assert set(kept.cases.values_list("pk", flat=True)) == {kept_case.pk, other_case.pk}
    assert set(kept.enquiries.values_list("case", flat=True)) == {kept_case.pk, other_case.pk}
    other.refresh_from_db()
    assert other.merged_into == kept
    page = practitioner_client.get(reverse("patient_detail", args=[kept.pk])).content.decode()
    assert "Also recorded as" in page and "kim.other@example.test" in page
    whats = set(
        AuditEntry.objects.filter(actor=practitioner, action="change").values_list(
            "object_id", "what"
        )
    )
    assert whats == {(kept.pk, "merge"), (other.pk, "merged-away")}


@pytest.mark.parametrize(
    ("other", "problem"),
    [("abc", "digits only"), ("999999", "There is no patient record"), ("self", "That is this")],
)
def test_a_merge_with_a_wrong_record_number_says_why(
    practitioner_client, reception, other, problem
):
    kept, _ = known(reception)
    other = str(kept.pk) if other == "self" else other
    response = practitioner_client.post(reverse("patient_merge", args=[kept.pk]), {"other": other})
    assert response.status_code == 400
    assert problem in response.content.decode()


def test_a_merge_is_one_transaction(reception, practitioner, monkeypatch):
    kept, _ = known(reception)
    other, other_case = known(reception, email="kim.other@example.test", phone="07700 900779")

    def broken(*args, **kwargs):
        raise RuntimeError("follow-up could not be updated")

    monkeypatch.setattr(plan, "stop_superseded_plans", broken)
    with pytest.raises(RuntimeError):
        records.merge(other.pk, kept.pk, practitioner)
    assert Case.objects.get(pk=other_case.pk).patient == other
    assert Patient.objects.get(pk=other.pk).merged_into is None
    assert not AuditEntry.objects.filter(what="merge").exists()


def test_a_merged_record_cannot_be_merged_again(reception, practitioner):
    kept, _ = known(reception)
    other, _ = known(reception, email="kim.other@example.test", phone="07700 900779")
    records.merge(other.pk, kept.pk, practitioner)
    with pytest.raises(records.MergeError, match="merged into record"):
        records.merge(other.pk, kept.pk, practitioner)


# --- Undoing an opt-out: the patient's own link, or staff ---------------------------------------


def test_the_patients_own_link_resumes_follow_ups(client, reception):
    _patient, case = known(reception)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(case.pk)
    first = FollowUp.objects.get(case=case, step=1)
    url = reverse("followup_unsubscribe", args=[links.unsubscribe_token(first.pk)])
    client.post(url)
    assert not FollowUp.objects.filter(email__status=OutgoingEmail.Status.QUEUED).exists()
    page = client.get(url).content.decode()
    assert "Send me follow-up emails again" in page
    client.post(url, {"resume": "yes"})
    assert not OptOut.objects.exists()
    assert FollowUp.objects.filter(email__status=OutgoingEmail.Status.QUEUED).count() == 5
    assert plan.consented(case) is True


def test_staff_resume_follow_ups_on_the_patient_page(practitioner_client, practitioner, reception):
    patient, _case = known(reception)
    plan.opt_out(patient.pk, OptOut.Source.LINK)
    page = practitioner_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "Opted out on" in page
    response = practitioner_client.post(reverse("followup_resume", args=[patient.pk]))
    assert response.status_code == 302
    assert not OptOut.objects.exists()
    assert AuditEntry.objects.filter(what="followups-resumed", object_id=patient.pk).exists()


def test_a_resumed_plan_skips_follow_ups_already_past(reception):
    patient, case = known(reception)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(case.pk, recovered_at=timezone.now() - datetime.timedelta(days=50))
    plan.opt_out(patient.pk, OptOut.Source.LINK)
    assert plan.resume(patient.pk, OptOut.Source.STAFF) == 3  # steps 3, 4 and 5 are ahead


def test_the_patient_page_reads_labels_and_names_never_codes(practitioner_client, reception):
    reception.first_name, reception.last_name = "Rita", "Shah"
    reception.save()
    recorded = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444"),
        source="phone",
        answers=answers(leg_symptoms="one"),
        logged_by=reception,
    )
    Patient.objects.filter(pk=recorded.enquiry.patient_id).update(
        date_of_birth=datetime.date(1991, 7, 2)
    )
    url = reverse("patient_detail", args=[recorded.enquiry.patient_id])
    page = practitioner_client.get(url).content.decode()
    assert '<a href="tel:07700900444">07700 900444</a>' in page
    assert "2 Jul 1991" in page and "1991-07-02" not in page
    assert "Rita Shah" in page
    assert ">radicular<" not in page
    assert rules.RULES_BY_ID["radicular"].reason in page
