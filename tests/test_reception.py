"""Reception logging an enquiry at /enquiries/new/."""

import pytest
from django.urls import reverse

from intake import rules
from intake.models import Case, Enquiry, Flag, IntakeResponse, Patient, Tier

from .factories import alert_emails, form_data

pytestmark = pytest.mark.django_db

CONTACT_ONLY = {
    "first_name": "Sam",
    "last_name": "Caller",
    "phone": "07700 900456",
    "source": "phone",
    "reason": "Back pain since Monday, would like an appointment",
}


def with_questionnaire(**changes):
    return {**form_data(**changes), "source": "phone", "fill_questionnaire": "on"}


def log(client, data):
    return client.post(reverse("enquiry_new"), data)


def test_a_phone_enquiry_with_contact_details_only_is_logged_in_one_post(reception_client):
    response = log(reception_client, CONTACT_ONLY)
    assert response.status_code == 302
    page = reception_client.get(response["Location"]).content.decode()
    assert "Enquiry logged for Sam Caller (Phone)" in page
    assert not IntakeResponse.objects.exists()


def test_the_enquiry_records_who_logged_it_and_how_the_patient_got_in_touch(
    reception_client, reception
):
    log(reception_client, {**CONTACT_ONLY, "source": "walk_in"})
    enquiry = Enquiry.objects.get()
    assert enquiry.logged_by == reception
    assert enquiry.source == Enquiry.Source.WALK_IN
    assert enquiry.reason == CONTACT_ONLY["reason"]


def test_an_enquiry_without_a_questionnaire_leaves_the_screen_incomplete(reception_client):
    response = log(reception_client, CONTACT_ONLY)
    assert Case.objects.get().screen_incomplete is True
    page = reception_client.get(response["Location"]).content.decode()
    assert "the screen is incomplete" in page


@pytest.mark.parametrize("question_id", [q.id for q in rules.QUESTIONS])
def test_with_the_questionnaire_ticked_every_question_is_required(reception_client, question_id):
    data = with_questionnaire()
    del data[question_id]
    response = log(reception_client, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [question_id]
    assert not Patient.objects.exists()
    assert not Enquiry.objects.exists()


def test_a_missing_answer_is_shown_beside_its_question(reception_client):
    data = with_questionnaire()
    del data["saddle_numbness"]
    page = log(reception_client, data).content.decode()
    field = page[page.index('id="div_id_saddle_numbness"') :]
    field = field[: field.index('id="div_id_', 1)]
    assert "Answer yes or no: numbness between your legs." in field


def test_an_emergency_answer_tells_reception_what_to_tell_the_patient(
    reception_client, practitioner
):
    response = log(reception_client, with_questionnaire(saddle_numbness=True))
    assert response.status_code == 302
    page = reception_client.get(response["Location"]).content.decode()
    assert "Tell the patient now" in page
    assert "Go to A&amp;E now or call 999" in page
    assert Case.objects.get().urgency == Tier.EMERGENCY
    assert (
        alert_emails().filter(recipient_user=practitioner, context__tier=Tier.EMERGENCY).count()
        == 1
    )


def test_the_questionnaire_filled_by_reception_records_who_entered_it(reception_client, reception):
    log(reception_client, with_questionnaire())
    saved = IntakeResponse.objects.get()
    assert saved.entered_by == reception
    assert saved.case.screen_incomplete is False


def test_a_phone_number_or_an_email_is_required(reception_client):
    response = log(reception_client, {**CONTACT_ONLY, "phone": "", "email": ""})
    assert response.status_code == 400
    assert "Enter a phone number or an email address." in response.context["form"].errors["phone"]
    assert not Patient.objects.exists()


def test_an_email_alone_is_enough(reception_client):
    response = log(reception_client, {**CONTACT_ONLY, "phone": "", "email": "sam@example.test"})
    assert response.status_code == 302
    assert Patient.objects.get().email == "sam@example.test"


def test_an_empty_post_shows_the_errors_beside_the_fields(reception_client):
    response = log(reception_client, {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"first_name", "last_name", "source"} <= set(errors)
    assert "answers need another look" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = log(client, CONTACT_ONLY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert not Patient.objects.exists()


def test_reception_and_the_public_form_match_the_same_returning_patient(client, reception):
    client.post(reverse("intake_form"), form_data())
    client.force_login(reception)
    same_person = {"first_name": "Alex", "last_name": "Example", "phone": ""}
    log(client, {**CONTACT_ONLY, **same_person, "email": "ALEX.example@example.test "})
    patient = Patient.objects.get()
    assert patient.enquiries.count() == 2
    assert Case.objects.get().enquiries.count() == 2


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"leg_symptoms": "one"},
        {"fever": True, "cancer_history": True},
        {"leg_weakness": "one", "weakness_worsening": True, "chest_pain": True},
    ],
)
def test_reception_and_the_public_form_raise_the_same_flags_for_the_same_answers(
    client, reception, changes
):
    client.post(reverse("intake_form"), form_data(**changes))
    client.force_login(reception)
    someone_else = {"email": "other@example.test", "phone": "07700 900999"}
    log(client, {**with_questionnaire(**changes), **someone_else})
    public, by_reception = IntakeResponse.objects.order_by("id")
    assert by_reception.case.patient != public.case.patient
    assert by_reception.urgency == public.urgency
    assert by_reception.answers == public.answers

    def flags(response):
        return list(Flag.objects.filter(response=response).values_list("rule_id", "reason"))

    assert flags(by_reception) == flags(public)
