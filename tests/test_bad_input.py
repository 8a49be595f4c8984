"""Bad input to the public questionnaire: a clear 4xx, never a 500, nothing half-saved."""

import datetime
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intake.models import IntakeResponse, Patient
from intake.views import CONFIRMATION_SALT

from .factories import form_data

pytestmark = pytest.mark.django_db

URL = "/intake/"
URLENCODED = "application/x-www-form-urlencoded"
REFUSED = "We could not accept that request"
A_MONDAY_MORNING = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)


def nothing_saved():
    return Patient.objects.count() == 0 and IntakeResponse.objects.count() == 0


def post(client, data):
    return client.post(URL, data)


def field_html(page, name):
    """The rendered block of one field: its input, its label and its error."""
    start = page.index(f'id="div_id_{name}"')
    end = page.find('id="div_id_', start + 1)
    return page[start : end if end != -1 else len(page)]


def is_checked(page, name, value):
    return re.search(rf'name="{name}" value="{value}"[^>]*checked', page) is not None


def test_a_body_over_the_size_limit_is_refused_with_a_clear_page(client):
    body = urlencode({**form_data(), "last_name": "x" * 70_000})
    response = client.post(URL, body, content_type=URLENCODED)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert nothing_saved()


def test_a_multipart_body_over_the_size_limit_is_refused(client):
    response = post(client, {**form_data(), "last_name": "x" * 70_000})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert nothing_saved()


def test_an_uploaded_file_over_the_size_limit_is_refused(client):
    upload = SimpleUploadedFile("scan.bin", b"x" * 70_000)
    response = post(client, {**form_data(), "attachment": upload})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert nothing_saved()


def test_too_many_fields_are_refused(client):
    extra = {f"field{n}": "x" for n in range(300)}
    response = post(client, {**form_data(), **extra})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_score", "ten"),
        ("pain_score", "11"),
        ("pain_score", "-1"),
        ("pain_duration_weeks", "2.5"),
        ("pain_duration_weeks", "-3"),
        ("leg_symptoms", "left"),
        ("leg_weakness", "LEFT"),
        ("bladder_change", "true"),
        ("date_of_birth", "31/02/2020"),
        ("date_of_birth", "yes"),
        ("date_of_birth", "1850-01-01"),
        ("email", "not an email"),
        ("phone", "call me"),
        ("phone", "123"),
    ],
)
def test_a_garbage_answer_is_refused_beside_its_field_and_the_rest_kept(client, field, value):
    response = post(client, {**form_data(first_name="Zoë"), field: value})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert "invalid-feedback" in field_html(page, field)
    assert 'value="Zoë"' in field_html(page, "first_name")
    assert is_checked(page, "saddle_numbness", "no")
    assert nothing_saved()


def test_several_garbage_answers_are_each_marked(client):
    garbage = {"pain_score": "11", "leg_symptoms": "left", "date_of_birth": "31/02/2020"}
    response = post(client, {**form_data(), **garbage})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == set(garbage)
    page = response.content.decode()
    assert "3 answers need another look" in page
    assert 'value="07700 900123"' in page
    assert is_checked(page, "first_episode", "no")
    assert nothing_saved()


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Zoë", "Brontë"),
        ("Thị Lan", "Nguyễn"),
        ("Ólafur", "Þórðarson"),
        ("Siobhán", "O'Sullivan-Ní Bhriain"),
        ("Алексей", "Смирнов"),
        ("美玲", "王"),
        ("Sunny 🌞", "Day"),
    ],
)
def test_unicode_names_are_saved_intact(client, first_name, last_name):
    contact = {"first_name": first_name, "last_name": last_name}
    response = post(client, form_data(contact))
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.first_name, patient.last_name) == (first_name, last_name)


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "email", "phone", "pain_score", "date_of_birth"]
)
def test_a_nul_character_is_refused_beside_the_field(client, field):
    data = form_data()
    data[field] = data[field][:2] + "\x00" + data[field][2:]
    response = post(client, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert nothing_saved()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "A" * 101),
        ("last_name", "B" * 101),
        ("email", "a" * 250 + "@example.test"),
        ("phone", "0" * 33),
    ],
)
def test_an_overlong_value_is_refused_beside_the_field(client, field, value):
    response = post(client, {**form_data(), field: value})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert nothing_saved()


def test_a_missing_csrf_token_gets_the_expired_form_page(db):
    client = Client(enforce_csrf_checks=True)
    response = post(client, form_data())
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert nothing_saved()


def test_the_form_with_its_csrf_token_is_accepted(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = post(client, {**form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert IntakeResponse.objects.count() == 1


def test_the_fourth_post_in_a_minute_is_rate_limited_with_the_answers_kept(client, settings):
    settings.INTAKE_RATE = "3/m"
    with time_machine.travel(A_MONDAY_MORNING, tick=False):
        for n in range(3):
            contact = {"email": f"patient{n}@example.test", "phone": f"07700 90012{n}"}
            assert post(client, form_data(contact)).status_code == 302
        response = post(client, form_data({"first_name": "Zoë", "email": "zoe@example.test"}))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Your answers are still below" in page
    assert 'value="Zoë"' in page
    assert 'value="zoe@example.test"' in page
    assert is_checked(page, "bladder_change", "no")
    assert IntakeResponse.objects.count() == 3
    assert not Patient.objects.filter(email="zoe@example.test").exists()


def test_the_rate_limit_is_per_client(client, settings):
    settings.INTAKE_RATE = "1/m"
    with time_machine.travel(A_MONDAY_MORNING, tick=False):
        assert post(client, form_data()).status_code == 302
        other = {"email": "other@example.test", "phone": "07700 900999"}
        response = client.post(URL, form_data(other), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    assert IntakeResponse.objects.count() == 2


def test_a_filled_in_honeypot_is_refused_and_nothing_saved(client):
    response = post(client, {**form_data(), "website": "http://spam.example"})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_unexpected_methods_on_the_form_get_405(client, method):
    response = getattr(client, method)(URL, urlencode(form_data()), content_type=URLENCODED)
    assert response.status_code == 405
    assert nothing_saved()


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_unexpected_methods_on_the_confirmation_get_405(client, method):
    location = post(client, form_data())["Location"]
    assert getattr(client, method)(location).status_code == 405


def test_a_tampered_confirmation_link_gets_a_clear_404(client):
    location = post(client, form_data())["Location"]
    token = location.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.get(reverse("intake_done", args=[tampered]))
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()


@pytest.mark.parametrize("token", ["not-a-token", "%FF%FE", "x" * 2000, "1:2:3"])
def test_a_made_up_confirmation_link_gets_a_clear_404(client, token):
    response = client.get(f"/intake/done/{token}/")
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()


def test_a_signed_link_to_no_response_gets_a_404(client):
    token = signing.dumps(987_654_321, salt=CONFIRMATION_SALT)
    assert client.get(reverse("intake_done", args=[token])).status_code == 404


def test_the_confirmation_link_works_for_a_day_then_expires(client):
    with time_machine.travel(A_MONDAY_MORNING, tick=False) as traveller:
        location = post(client, form_data(bladder_change=True))["Location"]
        traveller.shift(datetime.timedelta(hours=23))
        assert "Go to A&amp;E now or call 999" in client.get(location).content.decode()
        traveller.shift(datetime.timedelta(hours=2))
        response = client.get(location)
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00\x81garbage", URLENCODED),
        (b"first_name=\xff\xfe&last_name=%FF", URLENCODED),
        (b"\xff\xfe\x00\x81garbage", f"{URLENCODED}; charset=no-such-charset"),
        (b"\xff\xfe\x00\x81garbage", "multipart/form-data; boundary=xyz"),
        (b"\xff\xfe\x00\x81garbage", "multipart/form-data"),
        (b"\xff\xfe\x00\x81garbage", "application/json"),
    ],
)
def test_a_body_that_is_not_utf_8_gets_a_4xx(client, body, content_type):
    response = client.generic("POST", URL, data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert nothing_saved()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_name_with_unreadable_bytes_is_refused_not_mangled(client, field):
    data = form_data()
    del data[field]
    body = urlencode(data) + f"&{field}=Zo%EB"  # "Zoë" percent-encoded as Latin-1, not UTF-8
    response = client.generic("POST", URL, data=body.encode(), content_type=URLENCODED)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert nothing_saved()


def test_the_error_summary_comes_first_counts_and_links_each_field_by_name(client):
    data = form_data()
    for name in ("bladder_change", "leg_symptoms", "pain_score", "first_name"):
        data.pop(name, None)
    response = post(client, data)
    assert response.status_code == 400
    page = response.content.decode()
    main = page[page.index("<main") :]
    summary = main[
        main.index('id="error-summary"') : main.index("</div>", main.index('id="error-summary"'))
    ]
    assert main.index('id="error-summary"') < main.index("<h1")  # before everything else
    assert 'tabindex="-1" autofocus data-focus' in summary
    assert "4 answers need another look" in summary
    assert '<a class="alert-link" href="#id_first_name">Enter a first name.</a>' in summary
    assert 'href="#id_bladder_change_0">Answer yes or no: new bladder problems.</a>' in summary
    assert "down your legs" in summary and "how bad your back pain is" in summary
    assert "This field is required." not in page  # every message names its question
