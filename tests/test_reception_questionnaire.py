"""Reception never loses an answer: the questionnaire is shown when reception opens it, and any
answered question brings the whole questionnaire in."""

import pytest
from django.urls import reverse

from intake.models import Case, IntakeResponse, Tier

from .factories import alert_emails, form_data

pytestmark = pytest.mark.django_db

URL = "/enquiries/new/"


def test_the_questionnaire_is_folded_away_until_reception_opens_it(reception_client):
    page = reception_client.get(reverse("enquiry_new")).content.decode()
    details = page[page.index('<details class="card mb-3" id="questionnaire"') :]
    opening = details[: details.index(">") + 1]
    assert " open" not in opening
    assert (
        "Fill in the questionnaire now, with the patient" in details[: details.index("</summary>")]
    )
    assert 'name="bladder_change"' in details  # there for the browser to unfold, without script
    assert 'name="fill_questionnaire"' not in page


def test_a_complete_questionnaire_without_any_tick_is_recorded_and_alerted(
    reception_client, practitioner
):
    # The bug: filled in completely with a new bladder problem but without ticking "Fill in the
    # questionnaire now", it was logged as "No questionnaire yet", routine, no alert.
    data = {**form_data(bladder_change=True), "source": "phone"}
    response = reception_client.post(reverse("enquiry_new"), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.urgency == Tier.EMERGENCY
    assert IntakeResponse.objects.get().answers["bladder_change"] is True
    assert alert_emails().filter(recipient_user=practitioner).count() == 1
    page = reception_client.get(response["Location"]).content.decode()
    assert "No questionnaire yet" not in page
    assert "Go to A&amp;E now or call 999" in page


def test_one_answered_question_brings_in_the_whole_questionnaire(reception_client):
    data = {
        "first_name": "Sam",
        "last_name": "Caller",
        "phone": "07700 900456",
        "source": "phone",
        "night_pain": "no",
    }
    response = reception_client.post(reverse("enquiry_new"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "night_pain" not in errors
    assert "bladder_change" in errors and "date_of_birth" in errors
    page = response.content.decode()
    details = page[page.index('<details class="card mb-3" id="questionnaire"') :]
    assert details[: details.index(">") + 1].endswith(" open>")  # unfolded to show the errors
    assert not Case.objects.exists()


def test_consent_ticked_alone_is_not_dropped_either(reception_client):
    data = {"first_name": "Sam", "last_name": "Caller", "phone": "07700 900456",
            "source": "phone", "consent_followup": "on"}  # fmt: skip
    response = reception_client.post(reverse("enquiry_new"), data)
    assert response.status_code == 400
    assert "bladder_change" in response.context["form"].errors


def test_contact_details_alone_still_log_an_enquiry_without_a_questionnaire(reception_client):
    data = {"first_name": "Sam", "last_name": "Caller", "phone": "07700 900456", "source": "phone"}
    response = reception_client.post(reverse("enquiry_new"), data)
    assert response.status_code == 302
    assert Case.objects.get().screen_incomplete is True
    assert not IntakeResponse.objects.exists()
