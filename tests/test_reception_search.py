"""Reception finds a patient (name, phone, email, date of birth) without the search reaching a
URL, logs an enquiry on the record found, and adds the questionnaire to an enquiry logged
without one, later, with the patient on the phone."""

import datetime

import pytest
from django.urls import reverse

from clinic import roles
from clinic.models import AuditEntry
from intake.models import Case, Enquiry, IntakeResponse, Patient, Tier

from .factories import alert_emails, form_data, staff

pytestmark = pytest.mark.django_db

DOB = datetime.date(1991, 7, 2)


@pytest.fixture
def known(reception_client):
    """A patient reception logged earlier, without a questionnaire."""
    data = {
        "first_name": "Noor",
        "last_name": "Example",
        "phone": "07700 900444",
        "email": "noor@example.test",
        "source": "phone",
    }
    assert reception_client.post(reverse("enquiry_new"), data).status_code == 302
    Patient.objects.update(date_of_birth=DOB)
    return Enquiry.objects.get()


def search(client, text):
    response = client.post(reverse("enquiry_search"), {"q": text})
    assert response.status_code == 302
    assert text not in response["Location"]  # the search never reaches a URL
    return client.get(response["Location"])


@pytest.mark.parametrize("text", ["noor", "Example Noor", "07700 900444", "7700 900444",
                                  "noor@example.test", "2/7/1991", "1991-07-02"])  # fmt: skip
def test_reception_finds_a_patient_by_name_phone_email_or_date_of_birth(
    reception_client, known, text
):
    page = search(reception_client, text)
    assert [p.pk for p in page.context["found"]] == [known.patient_id]
    html = page.content.decode()
    assert f'href="/enquiries/new/?patient={known.patient_id}"' in html
    assert "born 2 Jul 1991" in html
    assert AuditEntry.objects.filter(object_type="patients", what="search").exists()


def test_a_search_that_finds_nobody_says_so(reception_client, known):
    page = search(reception_client, "nobody-like-this")
    assert page.context["found"] == []
    assert "No patient found" in page.content.decode()


def test_a_search_token_is_only_good_for_the_person_who_searched(reception_client, known, client):
    location = reception_client.post(reverse("enquiry_search"), {"q": "noor"})["Location"]
    client.force_login(staff(roles.RECEPTION))
    page = client.get(location)
    assert page.context["found"] is None
    assert "That search has expired" in page.content.decode()


def test_an_enquiry_logged_for_the_patient_found_goes_on_that_record(reception_client, known):
    url = reverse("enquiry_new") + f"?patient={known.patient_id}"
    page = reception_client.get(url).content.decode()
    assert "Log an enquiry for Noor Example" in page
    assert 'value="07700 900444"' in page  # the record's details, to check with the patient
    data = {
        "first_name": "Noor",
        "last_name": "Example",
        "phone": "07700 900999",  # a new number: the record keeps its own
        "source": "walk_in",
    }
    assert reception_client.post(url, data).status_code == 302
    assert Patient.objects.count() == 1
    assert Enquiry.objects.filter(patient=known.patient).count() == 2
    assert Patient.objects.get().phone == "07700 900444"


def test_a_merged_or_unknown_record_cannot_be_chosen(reception_client, known):
    assert reception_client.get(reverse("enquiry_new") + "?patient=999999").status_code == 404
    assert reception_client.get(reverse("enquiry_new") + "?patient=x").status_code == 404


def test_a_no_questionnaire_enquiry_offers_to_add_it_and_it_lands_on_the_same_case(
    reception_client, known, practitioner
):
    listed = reception_client.get(reverse("enquiry_list")).content.decode()
    url = reverse("enquiry_new") + f"?enquiry={known.pk}"
    assert f'href="{url}">Add the questionnaire</a>' in listed
    page = reception_client.get(url).content.decode()
    assert "Add the questionnaire for Noor Example" in page
    assert '<details class="card mb-3" id="questionnaire" open>' in page
    data = {**form_data(leg_symptoms="one"), "source": "phone"}
    response = reception_client.post(url, data)
    assert response.status_code == 302
    assert Enquiry.objects.count() == 1 and Case.objects.count() == 1  # no second enquiry
    answered = IntakeResponse.objects.get()
    assert (answered.enquiry, answered.case) == (known, known.case)
    case = Case.objects.get()
    assert (case.urgency, case.screen_incomplete) == (Tier.SOON, False)
    assert reception_client.get(response["Location"]).status_code == 200
    # Once added, the enquiry no longer offers it.
    assert (
        "Add the questionnaire"
        not in reception_client.get(reverse("enquiry_list")).content.decode()
    )
    assert reception_client.get(url).status_code == 404


def test_adding_the_questionnaire_needs_every_answer(reception_client, known):
    url = reverse("enquiry_new") + f"?enquiry={known.pk}"
    data = {
        "first_name": "Noor",
        "last_name": "Example",
        "phone": "07700 900444",
        "source": "phone",
    }
    response = reception_client.post(url, data)
    assert response.status_code == 400
    assert "bladder_change" in response.context["form"].errors
    assert not IntakeResponse.objects.exists()


def test_an_emergency_answer_added_later_is_alerted_on_the_same_case(
    reception_client, known, practitioner
):
    url = reverse("enquiry_new") + f"?enquiry={known.pk}"
    data = {**form_data(bladder_change=True), "source": "phone"}
    assert reception_client.post(url, data).status_code == 302
    case = Case.objects.get()
    assert case.urgency == Tier.EMERGENCY and case.pk == known.case_id
    assert alert_emails().filter(recipient_user=practitioner).count() == 1


def test_a_colleague_adds_the_questionnaire_and_sees_the_confirmation(known, client):
    colleague = staff(roles.RECEPTION)
    client.force_login(colleague)
    url = reverse("enquiry_new") + f"?enquiry={known.pk}"
    response = client.post(url, {**form_data(), "source": "phone"})
    assert response.status_code == 302
    assert IntakeResponse.objects.get().entered_by == colleague
    assert client.get(response["Location"]).status_code == 200
