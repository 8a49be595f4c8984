"""A returning patient is matched, not duplicated; a new enquiry never lowers an open case."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import Alert, Case, Enquiry, Patient, Tier
from intake.services import Contact, record_enquiry

from .factories import answers, form_data

pytestmark = pytest.mark.django_db

DOB = datetime.date(1990, 6, 15)


def enquire(answers=None, **contact):
    details = {"first_name": "Alex", "last_name": "Example", **contact}
    return record_enquiry(contact=Contact(**details), source="web", answers=answers)


def test_the_same_email_in_capitals_and_with_spaces_is_the_same_patient():
    first = enquire(email="alex@example.test")
    second = enquire(email="  Alex@EXAMPLE.test ")
    assert second.enquiry.patient == first.enquiry.patient
    assert Patient.objects.count() == 1
    assert Enquiry.objects.filter(patient=first.enquiry.patient).count() == 2


def test_the_same_email_through_the_public_form_is_the_same_patient(client):
    client.post(reverse("intake_form"), form_data())
    contact = {"email": "  ALEX.Example@example.test", "phone": "01632 960123"}
    client.post(reverse("intake_form"), form_data(contact))
    assert Patient.objects.count() == 1
    assert Patient.objects.get().enquiries.count() == 2


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
def test_the_same_phone_however_written_and_the_same_birth_date_is_the_same_patient(written):
    first = enquire(phone="07700 900123", date_of_birth=DOB)
    second = enquire(phone=written, date_of_birth=DOB)
    assert second.enquiry.patient == first.enquiry.patient
    assert second.case.needs_review is False


def test_the_same_phone_with_another_birth_date_is_another_patient():
    first = enquire(phone="07700 900123", date_of_birth=DOB)
    second = enquire(phone="07700 900123", date_of_birth=DOB.replace(year=1992))
    assert second.enquiry.patient != first.enquiry.patient
    assert Patient.objects.count() == 2


def test_the_same_phone_without_a_birth_date_is_not_enough_to_match():
    enquire(phone="07700 900123", date_of_birth=DOB)
    enquire(phone="07700 900123")
    assert Patient.objects.count() == 2


def test_a_different_email_is_a_different_patient():
    enquire(email="alex@example.test")
    enquire(email="alex.other@example.test")
    assert Patient.objects.count() == 2


def test_the_same_name_in_other_capitals_is_not_a_difference():
    enquire(email="alex@example.test")
    second = enquire(email="alex@example.test", first_name="ALEX", last_name=" example")
    assert second.case.needs_review is False


def test_the_same_email_with_another_name_is_attached_but_marked_for_review():
    first = enquire(email="alex@example.test")
    second = enquire(email="alex@example.test", first_name="Jordan")
    assert second.enquiry.patient == first.enquiry.patient
    case = Case.objects.get(pk=second.case.pk)
    assert case.needs_review is True
    assert "name" in case.review_reason


def test_the_same_email_with_another_birth_date_is_attached_but_marked_for_review():
    first = enquire(email="alex@example.test", date_of_birth=DOB)
    second = enquire(email="alex@example.test", date_of_birth=DOB.replace(day=16))
    assert second.enquiry.patient == first.enquiry.patient
    case = Case.objects.get(pk=second.case.pk)
    assert case.needs_review is True
    assert "date of birth" in case.review_reason
    assert Patient.objects.get().date_of_birth == DOB  # the record is not silently changed


def test_the_review_reason_reads_as_a_sentence():
    enquire(email="alex@example.test", date_of_birth=DOB)
    one = enquire(email="alex@example.test", first_name="Jordan")
    assert one.case.review_reason.endswith("the name differs.")
    both = enquire(email="alex@example.test", first_name="Sam", date_of_birth=DOB.replace(day=1))
    assert both.case.review_reason.endswith("the name and date of birth differ.")


def test_a_returning_patient_fills_in_contact_details_missing_from_the_record():
    enquire(email="alex@example.test")
    enquire(email="alex@example.test", phone="07700 900123", date_of_birth=DOB)
    patient = Patient.objects.get()
    assert (patient.phone, patient.date_of_birth) == ("07700 900123", DOB)


def test_a_new_enquiry_joins_the_open_case():
    first = enquire(email="alex@example.test", answers=answers())
    second = enquire(email="alex@example.test", answers=answers(leg_symptoms="one"))
    assert second.case == first.case
    assert Case.objects.count() == 1


def test_a_new_enquiry_never_lowers_the_urgency_of_an_open_case():
    enquire(email="alex@example.test", answers=answers(bladder_change=True))
    enquire(email="alex@example.test", answers=answers())
    case = Case.objects.get()
    assert case.urgency == case.computed_urgency == Tier.EMERGENCY


def test_emergency_answers_raise_an_open_routine_case_to_an_unacknowledged_emergency(
    practitioner,
):
    first = enquire(email="alex@example.test", answers=answers())
    Case.objects.filter(pk=first.case.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=practitioner
    )
    enquire(email="alex@example.test", answers=answers(saddle_numbness=True))
    case = Case.objects.get()
    assert case.urgency == case.computed_urgency == Tier.EMERGENCY
    assert case.acknowledged_at is None
    assert case.acknowledged_by is None
    assert Alert.objects.filter(case=case, recipient=practitioner).count() == 1


def test_an_enquiry_without_answers_keeps_the_open_case_as_it_is():
    enquire(email="alex@example.test", answers=answers(fever=True))
    enquire(email="alex@example.test")
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
def test_a_finished_case_is_not_reopened_by_a_new_enquiry(status):
    first = enquire(email="alex@example.test", answers=answers(bladder_change=True))
    Case.objects.filter(pk=first.case.pk).update(status=status)
    second = enquire(email="alex@example.test", answers=answers())
    assert second.case != first.case
    assert second.enquiry.patient == first.enquiry.patient
    assert Case.objects.get(pk=first.case.pk).status == status
    new = Case.objects.get(pk=second.case.pk)
    assert (new.status, new.urgency) == (Case.Status.NEW, Tier.ROUTINE)
