"""Anonymous input never changes an existing record (issue 9, point 1).

Each test is one finding of the issue: someone posts the public questionnaire with an existing
patient's details. The patient's record, consent, opt-out, follow-ups and cases stay exactly as
they were (every column of every row compared); the post gets a record and a case of its own,
marked as a possible match; an emergency in it is still pinned and alerted at once.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import OutgoingEmail
from followup import plan
from followup.models import FollowUp, OptOut
from intake.forms import CONSENT_WORDING
from intake.models import (
    Case,
    CaseEvent,
    Enquiry,
    Flag,
    IntakeResponse,
    Patient,
    PossibleMatch,
    Tier,
)
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers, form_data
from .followups import followup_emails
from .test_followup_checkin import checkin_data

pytestmark = pytest.mark.django_db

DOB = datetime.date(1961, 3, 9)
DETAILS = {
    "first_name": "Robin",
    "last_name": "Sample",
    "email": "robin.sample@example.test",
    "phone": "07700 900321",
}


def existing_patient(reception, consent=False, **changes):
    """Robin's record: a phone enquiry logged by reception, questionnaire and all."""
    recorded = record_enquiry(
        contact=Contact(date_of_birth=DOB, **DETAILS),
        source="phone",
        answers=answers(date_of_birth=DOB, **changes),
        consent_followup=consent,
        consent_wording=CONSENT_WORDING if consent else "",
        logged_by=reception,
    )
    return recorded.enquiry.patient, Case.objects.get(pk=recorded.case.pk)


def snapshot(patient):
    """Every column of every row that makes up the patient's record."""
    cases = Case.objects.filter(patient=patient)
    return {
        "patient": list(Patient.objects.filter(pk=patient.pk).values()),
        "cases": list(cases.order_by("pk").values()),
        "enquiries": list(Enquiry.objects.filter(patient=patient).order_by("pk").values()),
        "responses": list(IntakeResponse.objects.filter(case__in=cases).order_by("pk").values()),
        "flags": list(Flag.objects.filter(response__case__in=cases).order_by("pk").values()),
        "events": list(CaseEvent.objects.filter(case__in=cases).order_by("pk").values()),
        # Alerts and follow-up emails alike: every email about the cases, in the outbox.
        "emails": list(OutgoingEmail.objects.filter(case__in=cases).order_by("pk").values()),
        "followups": list(FollowUp.objects.filter(case__in=cases).order_by("pk").values()),
        "opt_out": list(OptOut.objects.filter(patient=patient).values()),
    }


def post_as(client, consent=False, dob=DOB, **changes):
    """The public questionnaire with Robin's name, email and date of birth."""
    contact = dict(DETAILS)
    contact.update({k: v for k, v in changes.items() if k in DETAILS})
    answers_changes = {k: v for k, v in changes.items() if k not in DETAILS}
    data = form_data(contact, date_of_birth=dob, **answers_changes)
    if consent:
        data["consent_followup"] = "on"
    response = client.post(reverse("intake_form"), data)
    assert response.status_code == 302
    return Case.objects.order_by("-pk").first()


def assert_own_possible_match(case, patient):
    """The post's case is on a record of its own, marked as a possible match with `patient`."""
    assert case.patient != patient
    match = PossibleMatch.objects.get(case=case)
    assert (match.candidate, match.status) == (patient, PossibleMatch.Status.PENDING)
    assert case.needs_review is True
    assert case.review_reason.startswith("Possible match")


def test_it_does_not_turn_a_patients_follow_up_consent_from_false_to_true(client, reception):
    patient, case = existing_patient(reception, consent=False)
    before = snapshot(patient)
    new = post_as(client, consent=True)
    assert snapshot(patient) == before
    assert plan.consented(case) is False
    assert_own_possible_match(new, patient)


def test_it_does_not_withdraw_a_patients_follow_up_consent(client, reception):
    patient, case = existing_patient(reception, consent=True)
    before = snapshot(patient)
    post_as(client, consent=False)
    assert snapshot(patient) == before
    assert plan.consented(case) is True


def test_it_does_not_clear_screen_incomplete(client, reception):
    patient, case = existing_patient(reception, bowel_change=None)
    assert case.screen_incomplete is True
    before = snapshot(patient)
    new = post_as(client)  # every question answered "no"
    assert snapshot(patient) == before
    assert Case.objects.get(pk=case.pk).screen_incomplete is True
    assert new.screen_incomplete is False  # its own case, with its own answers


def test_it_does_not_blank_or_change_phone_and_date_of_birth(client, reception):
    patient, _ = existing_patient(reception)
    before = snapshot(patient)
    # Same email, another phone and birth date; then reception logs an email-only enquiry.
    post_as(client, phone="07700 900999", dob=datetime.date(1970, 1, 1))
    record_enquiry(
        contact=Contact(DETAILS["first_name"], DETAILS["last_name"], email=DETAILS["email"]),
        source="email",
        logged_by=reception,
    )
    patient.refresh_from_db()
    assert (patient.phone, patient.date_of_birth) == (DETAILS["phone"], DOB)
    assert snapshot(patient)["patient"] == before["patient"]


def test_it_does_not_cancel_pending_follow_ups(
    client, reception, django_capture_on_commit_callbacks
):
    patient, case = existing_patient(reception, consent=True)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    assert plan.schedule(case.pk) == 5
    followup_emails(case=case, step=1).update(status=OutgoingEmail.Status.SENT)
    before = snapshot(patient)
    with django_capture_on_commit_callbacks(execute=True):
        post_as(client)  # a new case: the plan would stop if it were the patient's
    assert snapshot(patient) == before
    pending = FollowUp.objects.filter(case=case, email__status=OutgoingEmail.Status.QUEUED)
    assert pending.count() == 4


def test_it_does_not_turn_an_acknowledged_urgent_case_back_into_an_unacknowledged_emergency(
    client, reception, practitioner
):
    patient, case = existing_patient(reception, fever=True)
    Case.objects.filter(pk=case.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=practitioner
    )
    before = snapshot(patient)
    new = post_as(client, bladder_change=True)
    assert snapshot(patient) == before
    case.refresh_from_db()
    assert (case.urgency, case.acknowledged_by) == (Tier.URGENT, practitioner)
    # The emergency itself is not delayed: its own case, pinned, alerted at once.
    assert_own_possible_match(new, patient)
    assert (new.urgency, new.queue_rank, new.acknowledged_at) == (Tier.EMERGENCY, 0, None)
    assert alert_emails().filter(case=new, recipient_user=practitioner).count() == 1
    practitioner_page = client
    practitioner_page.force_login(practitioner)
    pinned = practitioner_page.get(reverse("triage_queue")).content.decode()
    pinned = pinned[: pinned.index('id="queue-rows"')]
    assert f'data-case="{new.pk}"' in pinned
    assert f'data-case="{case.pk}"' not in pinned


def test_it_does_not_create_consent_again_after_the_patient_unsubscribed(client, reception):
    patient, case = existing_patient(reception, consent=True)
    plan.opt_out(patient.pk, OptOut.Source.LINK)
    before = snapshot(patient)
    new = post_as(client, consent=True)
    assert snapshot(patient) == before
    # Nothing will be emailed to the address that asked for no more, on either record.
    Case.objects.filter(pk__in=[case.pk, new.pk]).update(status=Case.Status.RECOVERED)
    assert plan.schedule(new.pk) == 0
    assert plan.schedule(case.pk) == 0


def test_three_names_on_one_phone_and_birth_date_stay_three_records_as_typed(client):
    names = [("Robin", "Sample"), ("Jordan", "Example"), ("Sam", "Madeup")]
    for n, (first, last) in enumerate(names):
        contact = {"first_name": first, "last_name": last, "email": f"person{n}@example.test"}
        client.post(reverse("intake_form"), form_data(contact, date_of_birth=DOB))
    patients = list(Patient.objects.order_by("pk"))
    assert [(p.first_name, p.last_name) for p in patients] == names
    assert [p.cases.count() for p in patients] == [1, 1, 1]
    matches = PossibleMatch.objects.order_by("pk")
    assert [(m.patient, m.candidate) for m in matches] == [
        (patients[1], patients[0]),
        (patients[2], patients[0]),
    ]
    assert {m.matched_on for m in matches} == {"phone and date of birth"}
    assert all(sorted(m.differences) == ["email", "name"] for m in matches)


def test_a_check_in_from_the_patients_own_link_acts_on_their_own_record(client, reception):
    from followup import links

    patient, case = existing_patient(reception, consent=True)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED)
    plan.schedule(case.pk)
    first = FollowUp.objects.get(case=case, step=1)
    url = reverse("followup_checkin", args=[links.checkin_token(first.pk)])
    data = checkin_data(wants_assessment="on")
    client.post(url, data)
    new = Case.objects.exclude(pk=case.pk).get()
    assert new.patient == patient
    assert not PossibleMatch.objects.exists()
