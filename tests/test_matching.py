"""The matching rule: when an enquiry is an existing patient's, when only a possible match.

Reception (signed in, talking to the patient) matches directly when the name and date of birth
agree; anything nobody signed in for opens its own record and case, marked for staff.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import Case, Enquiry, Patient, PossibleMatch, Tier
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers, form_data

pytestmark = pytest.mark.django_db

DOB = datetime.date(1990, 6, 15)


@pytest.fixture
def by_reception(reception):
    def enquire(answers=None, **contact):
        details = {"first_name": "Alex", "last_name": "Example", **contact}
        return record_enquiry(
            contact=Contact(**details), source="phone", answers=answers, logged_by=reception
        )

    return enquire


def anonymously(answers=None, **contact):
    details = {"first_name": "Alex", "last_name": "Example", **contact}
    return record_enquiry(contact=Contact(**details), source="web", answers=answers)


def test_reception_matches_the_same_email_in_capitals_and_with_spaces(by_reception):
    first = by_reception(email="alex@example.test")
    second = by_reception(email="  Alex@EXAMPLE.test ")
    assert second.enquiry.patient == first.enquiry.patient
    assert Patient.objects.count() == 1
    assert Enquiry.objects.filter(patient=first.enquiry.patient).count() == 2


def test_the_public_form_with_a_known_email_is_a_possible_match_not_the_same_patient(client):
    client.post(reverse("intake_form"), form_data())
    contact = {"email": "  ALEX.Example@example.test", "phone": "01632 960123"}
    client.post(reverse("intake_form"), form_data(contact))
    first, second = Patient.objects.order_by("pk")
    assert first.enquiries.count() == second.enquiries.count() == 1
    match = PossibleMatch.objects.get()
    assert (match.patient, match.candidate, match.matched_on) == (second, first, "email")
    assert match.differences == ["phone"]
    assert match.case.needs_review is True
    assert match.case.review_reason == (
        "Possible match: the email of an existing patient, but the phone differs."
    )


@pytest.mark.parametrize(
    "written",
    [
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "07700-900-123",
        "(07700) 900 123",
    ],
)
def test_the_same_phone_however_written_and_the_same_birth_date_is_the_same_patient(
    by_reception, written
):
    first = by_reception(phone="07700 900123", date_of_birth=DOB)
    second = by_reception(phone=written, date_of_birth=DOB)
    assert second.enquiry.patient == first.enquiry.patient
    assert second.case.needs_review is False


def test_anonymously_the_same_phone_and_birth_date_is_a_possible_match():
    first = anonymously(phone="07700 900123", date_of_birth=DOB)
    second = anonymously(phone="+44 7700 900123", date_of_birth=DOB)
    assert second.enquiry.patient != first.enquiry.patient
    match = PossibleMatch.objects.get(case=second.case)
    assert (match.candidate, match.matched_on) == (first.enquiry.patient, "phone and date of birth")


@pytest.mark.parametrize("enquire", ["anonymously", "by_reception"])
def test_the_same_phone_with_another_birth_date_is_another_patient(request, enquire):
    enquire = anonymously if enquire == "anonymously" else request.getfixturevalue(enquire)
    first = enquire(phone="07700 900123", date_of_birth=DOB)
    second = enquire(phone="07700 900123", date_of_birth=DOB.replace(year=1992))
    assert second.enquiry.patient != first.enquiry.patient
    assert Patient.objects.count() == 2
    assert not PossibleMatch.objects.exists()


@pytest.mark.parametrize("enquire", ["anonymously", "by_reception"])
def test_the_same_phone_without_a_birth_date_is_not_enough_to_match(request, enquire):
    enquire = anonymously if enquire == "anonymously" else request.getfixturevalue(enquire)
    enquire(phone="07700 900123", date_of_birth=DOB)
    enquire(phone="07700 900123")
    assert Patient.objects.count() == 2
    assert not PossibleMatch.objects.exists()


def test_a_different_email_is_a_different_patient(by_reception):
    by_reception(email="alex@example.test")
    by_reception(email="alex.other@example.test")
    assert Patient.objects.count() == 2


def test_the_same_name_in_other_capitals_is_not_a_difference(by_reception):
    first = by_reception(email="alex@example.test")
    second = by_reception(email="alex@example.test", first_name="ALEX", last_name=" example")
    assert second.enquiry.patient == first.enquiry.patient
    assert second.case.needs_review is False


def test_reception_with_another_name_for_a_known_email_keeps_the_name_typed(by_reception):
    first = by_reception(email="alex@example.test")
    second = by_reception(email="alex@example.test", first_name="Jordan")
    assert second.enquiry.patient != first.enquiry.patient
    assert second.enquiry.patient.first_name == "Jordan"
    assert Patient.objects.get(pk=first.enquiry.patient.pk).first_name == "Alex"
    match = PossibleMatch.objects.get(case=second.case)
    assert match.candidate == first.enquiry.patient
    assert match.differences == ["name"]


def test_reception_with_another_birth_date_is_a_possible_match_and_the_record_is_kept(
    by_reception,
):
    first = by_reception(email="alex@example.test", date_of_birth=DOB)
    second = by_reception(email="alex@example.test", date_of_birth=DOB.replace(day=16))
    case = Case.objects.get(pk=second.case.pk)
    assert case.needs_review is True
    assert "date of birth" in case.review_reason
    assert Patient.objects.get(pk=first.enquiry.patient.pk).date_of_birth == DOB


def test_the_review_reason_reads_as_a_sentence(by_reception):
    by_reception(email="alex@example.test", date_of_birth=DOB)
    one = by_reception(email="alex@example.test", first_name="Jordan")
    assert one.case.review_reason.endswith("but the name differs.")
    both = by_reception(
        email="alex@example.test", first_name="Sam", date_of_birth=DOB.replace(day=1)
    )
    assert both.case.review_reason.endswith("but the name and date of birth differ.")


def test_reception_fills_in_contact_details_missing_from_the_record(by_reception):
    by_reception(email="alex@example.test")
    by_reception(email="alex@example.test", phone="07700 900123", date_of_birth=DOB)
    patient = Patient.objects.get()
    assert (patient.phone, patient.date_of_birth) == ("07700 900123", DOB)


def test_an_anonymous_enquiry_never_fills_in_a_record(by_reception):
    first = by_reception(email="alex@example.test")
    anonymously(email="alex@example.test", phone="07700 900123", date_of_birth=DOB)
    patient = Patient.objects.get(pk=first.enquiry.patient.pk)
    assert (patient.phone, patient.date_of_birth) == ("", None)


def test_a_record_merged_into_another_is_never_matched(by_reception):
    first = by_reception(email="alex@example.test")
    merged = Patient.objects.create(first_name="Alex", last_name="Example", email="a@example.test")
    Patient.objects.filter(pk=merged.pk).update(merged_into=first.enquiry.patient)
    again = by_reception(email="a@example.test")
    assert again.enquiry.patient not in (first.enquiry.patient, merged)


def test_a_new_enquiry_from_reception_joins_the_open_case(by_reception):
    first = by_reception(email="alex@example.test", answers=answers())
    second = by_reception(email="alex@example.test", answers=answers(leg_symptoms="one"))
    assert second.case == first.case
    assert Case.objects.count() == 1


def test_a_new_enquiry_never_lowers_the_urgency_of_an_open_case(by_reception):
    by_reception(email="alex@example.test", answers=answers(bladder_change=True))
    by_reception(email="alex@example.test", answers=answers())
    case = Case.objects.get()
    assert case.urgency == case.computed_urgency == Tier.EMERGENCY


def test_emergency_answers_given_to_reception_raise_an_open_routine_case_to_an_emergency(
    by_reception, practitioner
):
    first = by_reception(email="alex@example.test", answers=answers())
    Case.objects.filter(pk=first.case.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=practitioner
    )
    by_reception(email="alex@example.test", answers=answers(saddle_numbness=True))
    case = Case.objects.get()
    assert case.urgency == case.computed_urgency == Tier.EMERGENCY
    assert case.acknowledged_at is None
    assert case.acknowledged_by is None
    assert alert_emails().filter(case=case, recipient_user=practitioner).count() == 1


def test_an_enquiry_without_answers_keeps_the_open_case_as_it_is(by_reception):
    by_reception(email="alex@example.test", answers=answers(fever=True))
    by_reception(email="alex@example.test")
    case = Case.objects.get()
    assert case.urgency == Tier.URGENT
    assert case.screen_incomplete is False


@pytest.mark.parametrize(
    "status",
    [
        Case.Status.RECOVERED,
        Case.Status.CLOSED,
        Case.Status.EMERGENCY_CARE,
        Case.Status.DID_NOT_ATTEND,
    ],
)
def test_a_finished_case_is_not_reopened_by_a_new_enquiry(by_reception, status):
    first = by_reception(email="alex@example.test", answers=answers(bladder_change=True))
    Case.objects.filter(pk=first.case.pk).update(status=status)
    second = by_reception(email="alex@example.test", answers=answers())
    assert second.case != first.case
    assert second.enquiry.patient == first.enquiry.patient
    assert Case.objects.get(pk=first.case.pk).status == status
    new = Case.objects.get(pk=second.case.pk)
    assert (new.status, new.urgency) == (Case.Status.NEW, Tier.ROUTINE)
