"""Wording the patient reads: the complete CES safety net, specific questions in plain words,
phone numbers that can be tapped, a date of birth that is checked and shown back, and self-care
as the clinical reference gives it."""

import datetime
import re

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from intake import rules
from intake.models import IntakeResponse, Patient

from .factories import form_data

pytestmark = pytest.mark.django_db

A_DAY = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)


def flat(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&amp;", "&")


def test_the_ces_safety_net_names_every_sign_of_the_reference():
    net = flat(render_to_string("includes/ces_safety_net.html"))
    text = " ".join(render_to_string("includes/ces_safety_net.txt").split())
    for shown in (net, text):
        assert "less feeling when you pee" in shown
        assert "pins and needles or weakness in both legs" in shown
        assert "not being able to tell when your bladder is full" in shown
        assert "less feeling when you have a poo" in shown
        assert "feels different when you wipe" in shown
        assert "weakness in a leg that is getting worse" in shown


@pytest.mark.parametrize(
    ("question_id", "specifics"),
    [
        ("bladder_change", ["starting, stopping or controlling", "less feeling when you pee",
                            "bladder is full", "leaking"]),
        ("bowel_change", ["hold in a poo", "leaking", "less feeling"]),
        ("saddle_numbness", ["inner thighs", "genitals", "back passage", "buttocks", "wipe"]),
        ("sexual_change", ["erection", "ejaculating", "less feeling in your genitals"]),
        ("leg_symptoms", ["pain, pins and needles or numbness", "one leg", "both legs"]),
        ("leg_weakness", ["foot catches or drags", "gives way"]),
        ("major_trauma", ["road traffic collision", "fall from a height"]),
        ("fever", ["high temperature", "night sweats"]),
    ],
)  # fmt: skip
def test_the_question_itself_carries_the_specifics(client, question_id, specifics):
    page = client.get(reverse("intake_form")).content.decode()
    label = re.search(rf'<legend[^>]*for="id_{question_id}_0"[^>]*>(.*?)</legend>', page, re.S)
    label = label.group(1) if label else ""
    if not label:  # crispy renders a radio group's label as a <legend> or <label>
        field = page[page.index(f'id="div_id_{question_id}"') :]
        label = field[: field.index("</legend>") if "</legend>" in field[:2000] else 1000]
    for words in specifics:
        assert words in rules.QUESTIONS_BY_ID[question_id].text, words
        assert words in flat(label), (question_id, words)


def test_no_question_uses_jargon():
    for question in rules.QUESTIONS:
        text = f"{question.text} {question.help}".lower()
        for jargon in ("sexual function", "incontinence", "perineal", "urinary", "bilateral"):
            assert jargon not in text, (question.id, jargon)


def test_999_is_a_tel_link_on_the_questionnaire(client):
    page = client.get(reverse("intake_form")).content.decode()
    assert 'href="tel:999"' in page


def test_the_confirmation_links_999_and_the_clinic(client):
    response = client.post(reverse("intake_form"), form_data(fever=True))
    page = client.get(response["Location"]).content.decode()
    assert 'href="tel:999"' in page
    assert 'href="tel:01632960000"' in page


def test_the_date_of_birth_has_a_format_hint(client):
    page = client.get(reverse("intake_form")).content.decode()
    field = page[page.index('id="div_id_date_of_birth"') :]
    field = field[: field.index('id="div_id_first_episode"')]
    assert "Day, month and year: 2 July 1991 is 02/07/1991" in field
    assert 'autocomplete="bday"' in field


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("2015-06-01", "That date makes you 11. This questionnaire is for people aged 16 or over"),
        ("1910-06-01", "That date makes you 116. Please check the year"),
    ],
)
def test_an_implausible_age_is_refused_beside_the_field_with_the_age_it_gives(
    client, born, message
):
    with time_machine.travel(A_DAY, tick=False):
        response = client.post(reverse("intake_form"), {**form_data(), "date_of_birth": born})
    assert response.status_code == 400
    assert message in response.context["form"].errors["date_of_birth"][0]
    page = response.content.decode().replace("&#x27;", "'")
    field = page[page.index('id="div_id_date_of_birth"') :]
    assert message in field[: field.index('id="div_id_first_episode"')]
    assert f'value="{born}"' in field  # kept as typed
    assert not Patient.objects.exists()


@pytest.mark.parametrize(("born", "age"), [("2010-12-01", 16), ("1916-12-02", 109)])
def test_ages_at_the_edges_are_accepted(client, born, age):
    with time_machine.travel(A_DAY, tick=False):
        response = client.post(reverse("intake_form"), {**form_data(), "date_of_birth": born})
    assert response.status_code == 302
    assert IntakeResponse.objects.get().answers["date_of_birth"] == born


def test_the_date_of_birth_is_shown_back_with_the_age(client):
    with time_machine.travel(A_DAY, tick=False):
        response = client.post(
            reverse("intake_form"), {**form_data(), "date_of_birth": "1991-07-02"}
        )
        page = flat(client.get(response["Location"]).content.decode())
    assert "You told us you were born on 2 July 1991 (age 35)" in page


def test_a_form_sent_back_for_another_reason_shows_the_date_of_birth_back(client):
    data = {**form_data(), "date_of_birth": "1991-07-02", "email": "wrong"}
    with time_machine.travel(A_DAY, tick=False):
        page = flat(client.post(reverse("intake_form"), data).content.decode())
    assert "You were born on 2 July 1991 (age 35)" in page


def test_self_care_is_what_the_clinical_reference_lists(client):
    response = client.post(reverse("intake_form"), form_data(leg_symptoms="one"))
    page = flat(client.get(response["Location"]).content.decode())
    care = page[page.index("While you wait") :]
    assert "Anti-inflammatory tablets" in care and "usually tried first" in care
    assert "paracetamol on its own is not usually enough" in care
    assert "A doctor may prescribe a muscle relaxant" in care
    assert "TENS machine" in care and "does not relax the spasm" in care
    assert "Ice" in care and "injured" in care and "inflamed" in care
    assert "Heat usually helps a muscle spasm" in care
    assert "If any of the signs above appears, go to A&E or call 999" in care
    assert page.index("Go to A&E or call 999 straight away if you have back pain") < page.index(
        "While you wait"
    )


def test_the_follow_up_email_links_the_phone_numbers():
    html = render_to_string(
        "emails/followup-body-html.html",
        {"CLINIC_PHONE": "+44 1632 960000", "checkin_url": "https://x.example/c/"},
    )
    assert 'href="tel:999"' in html
    assert '<a href="tel:+441632960000">+44 1632 960000</a>' in html
