"""The public questionnaire at /intake/."""

import pytest
from django.urls import reverse

from intake.models import Case, Flag, IntakeResponse, Patient, Tier

from .factories import alert_emails, form_data

pytestmark = pytest.mark.django_db


def submit(client, **changes):
    return client.post(reverse("intake_form"), form_data(**changes))


def test_it_shows_every_question_with_no_answer_preselected(client):
    page = client.get(reverse("intake_form")).content.decode()
    assert 'name="bladder_change"' in page
    assert 'name="saddle_numbness"' in page
    assert "checked" not in page


def test_a_routine_submission_is_saved_and_confirmed(client):
    response = submit(client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Thank you, we have your answers" in page
    assert "A&amp;E" in page  # the CES safety net is always shown
    saved = IntakeResponse.objects.get()
    assert saved.urgency == Tier.ROUTINE
    assert saved.case.patient.email == "alex.example@example.test"


def test_the_confirmation_url_carries_no_patient_data(client):
    location = submit(client, bladder_change=True)["Location"]
    for secret in ("alex", "example", "07700", "bladder", "emergency"):
        assert secret not in location.lower()


def test_an_emergency_is_told_to_go_to_a_and_e_first(client, practitioner):
    response = submit(client, bladder_change=True)
    page = client.get(response["Location"]).content.decode()
    body = page[page.index("<main") :]
    first_heading = body[body.index("<h1") : body.index("</h1>")]
    assert "Go to A&amp;E now or call 999" in first_heading
    case = Case.objects.get()
    assert case.urgency == case.computed_urgency == Tier.EMERGENCY
    assert list(Flag.objects.values_list("rule_id", flat=True)) == ["ces_bladder"]
    assert alert_emails().filter(recipient_user=practitioner).count() == 1


def test_one_leg_symptoms_mean_assessment_soon(client):
    response = submit(client, leg_symptoms="one")
    page = client.get(response["Location"]).content.decode()
    assert "within 2 working days" in page
    assert Case.objects.get().urgency == Tier.SOON


def test_a_missing_red_flag_answer_is_refused_beside_the_field_and_the_rest_kept(client):
    data = form_data(first_name="Zoë")
    del data["saddle_numbness"]
    response = client.post(reverse("intake_form"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "saddle_numbness" in form.errors
    assert list(form.errors) == ["saddle_numbness"]
    page = response.content.decode()
    assert 'value="Zoë"' in page
    assert not Patient.objects.exists()


def test_yes_no_answers_other_than_yes_or_no_are_refused(client):
    response = client.post(reverse("intake_form"), {**form_data(), "bowel_change": "maybe"})
    assert response.status_code == 400
    assert "bowel_change" in response.context["form"].errors
    assert not IntakeResponse.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused(client):
    response = client.post(reverse("intake_form"), {**form_data(), "date_of_birth": "2999-01-01"})
    assert "date_of_birth" in response.context["form"].errors


def test_consent_is_off_unless_ticked(client):
    submit(client)
    assert IntakeResponse.objects.get().consent_followup is False
    page = client.get(reverse("intake_form")).content.decode()
    assert 'name="consent_followup"' in page


def test_consent_keeps_the_wording_shown(client):
    client.post(reverse("intake_form"), {**form_data(), "consent_followup": "on"})
    saved = IntakeResponse.objects.get()
    assert saved.consent_followup is True
    assert "email me" in saved.consent_wording


def test_the_honeypot_refuses_bots_and_saves_nothing(client):
    response = client.post(reverse("intake_form"), {**form_data(), "website": "http://spam"})
    assert response.status_code == 400
    assert not Patient.objects.exists()


def test_it_records_the_rule_set_version(client):
    submit(client)
    from intake import rules

    saved = IntakeResponse.objects.get()
    assert saved.ruleset_version == rules.RULESET_VERSION
    assert saved.questionnaire_version == rules.QUESTIONNAIRE_VERSION


def test_a_submission_is_accepted_while_the_cache_is_down(client, settings):
    from .realservices import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    response = submit(client, bladder_change=True)
    assert response.status_code == 302
    assert "Go to A&amp;E now" in client.get(response["Location"]).content.decode()
    assert IntakeResponse.objects.count() == 1
