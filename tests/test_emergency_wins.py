"""An emergency answer is acted on whatever else is wrong with the form (intake/emergency.py).

Whatever else is wrong (a mistyped email, a question left out, the rate limit, the spam trap),
an answer that fires an emergency rule puts the A&E instruction first on the page; with a usable
phone number or email what was answered is recorded at once and staff are alerted; finishing
the form adds to the same case without a second round of alerts.
"""

import json
import re

import pytest
from django.urls import reverse

from intake import rules
from intake.emergency import DRAFT_FIELD
from intake.models import Case, CaseEvent, Enquiry, IntakeResponse, Patient, Tier

from .factories import alert_emails, form_data
from .realservices import celery_worker

pytestmark = pytest.mark.django_db

URL = "/intake/"


def first_content(page):
    """The first heading of the page's main content."""
    body = page[page.index("<main") :]
    return body[body.index("<h1") : body.index("</h1>")]


def draft_of(page):
    match = re.search(rf'name="{DRAFT_FIELD}" value="([^"]+)"', page)
    return match.group(1) if match else None


def partial(drop=(), contact=None, **answers):
    data = form_data(contact, **answers)
    for name in drop:
        data.pop(name, None)
    return data


def test_a_mistyped_email_does_not_hide_or_lose_a_bladder_problem(client, practitioner):
    data = partial(contact={"email": "alex.example@example"}, bladder_change=True)
    response = client.post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(page)
    assert "email" in response.context["form"].errors  # still shown, below, to finish
    assert page.index("Go to A&amp;E now") < page.index("1 answer needs another look")
    assert "The answers you have given so far have been sent to the clinic" in page
    # Recorded at once on the usable phone number, the bad email left out, and alerted.
    case = Case.objects.get()
    assert case.urgency == Tier.EMERGENCY and case.queue_rank == 0
    assert case.patient.phone == "07700 900123" and case.patient.email == ""
    saved = IntakeResponse.objects.get()
    assert saved.answers["bladder_change"] is True
    assert list(saved.flags.values_list("rule_id", flat=True)) == ["ces_bladder"]
    assert alert_emails().filter(case=case, recipient_user=practitioner).count() == 1
    note = case.events.get(kind=CaseEvent.Kind.NOTE)
    assert "fires an emergency rule" in note.text and "not valid" in note.text


def test_what_was_not_answered_stays_unanswered_and_the_screen_incomplete(client, practitioner):
    data = partial(drop=["saddle_numbness", "fever", "first_name"], bowel_change=True)
    response = client.post(URL, data)
    assert response.status_code == 400
    saved = IntakeResponse.objects.get()
    assert saved.screen_incomplete is True
    assert "saddle_numbness" not in saved.answers and "fever" not in saved.answers
    case = saved.case
    assert case.screen_incomplete is True
    assert "name may be missing" in case.events.get(kind=CaseEvent.Kind.NOTE).text


def test_finishing_the_form_adds_to_the_same_case_without_a_second_alert(client, practitioner):
    data = partial(drop=["saddle_numbness"], bladder_change=True)
    page = client.post(URL, data).content.decode()
    token = draft_of(page)
    assert token
    draft = IntakeResponse.objects.get()
    assert alert_emails().count() == 1

    finished = client.post(URL, {**form_data(bladder_change=True), DRAFT_FIELD: token})
    assert finished.status_code == 302
    assert Case.objects.count() == Enquiry.objects.count() == Patient.objects.count() == 1
    complete = IntakeResponse.objects.exclude(pk=draft.pk).get()
    assert (complete.case, complete.enquiry) == (draft.case, draft.enquiry)
    assert complete.screen_incomplete is False
    assert Case.objects.get().screen_incomplete is False
    assert alert_emails().count() == 1  # no second round
    confirmation = client.get(finished["Location"]).content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(confirmation)


def test_a_second_unfinished_post_adds_its_answers_without_another_alert(client, practitioner):
    page = client.post(URL, partial(drop=["fever"], bladder_change=True)).content.decode()
    again = client.post(
        URL,
        {**partial(drop=["fever"], bladder_change=True, chest_pain=True), "draft": draft_of(page)},
    )
    assert again.status_code == 400
    assert IntakeResponse.objects.count() == 2
    assert set(IntakeResponse.objects.values_list("case", flat=True)) == {Case.objects.get().pk}
    assert alert_emails().count() == 1


def test_without_any_usable_contact_nothing_is_saved_but_the_instruction_comes_first(client):
    data = partial(contact={"email": "not-an-email", "phone": "12"}, saddle_numbness=True)
    response = client.post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(page)
    assert "We could not send your answers to the clinic" in page
    assert "alerted" not in first_content(page)
    assert not Patient.objects.exists() and not alert_emails().exists()
    assert draft_of(page) is None


def test_a_tampered_draft_token_is_ignored(client, practitioner):
    response = client.post(URL, {**form_data(), DRAFT_FIELD: "made-up"})
    assert response.status_code == 302
    assert Case.objects.count() == 1


def test_the_rate_limited_page_puts_an_emergency_first_and_records_it(
    client, settings, practitioner
):
    settings.INTAKE_RATE = "1/h"
    assert client.post(URL, form_data()).status_code == 302
    other = {"email": "second@example.test", "phone": "07700 900555"}
    # Complete and valid, but over the limit: an emergency is recorded and confirmed all the same.
    response = client.post(URL, form_data(other, chest_pain=True))
    assert response.status_code == 302
    case = Case.objects.get(patient__email="second@example.test")
    assert case.urgency == Tier.EMERGENCY
    assert alert_emails().filter(case=case).count() == 1
    assert "too many forms" in case.events.get(kind=CaseEvent.Kind.NOTE).text
    # Unfinished and over the limit: the instruction first, the answers kept, recorded.
    third = {"email": "third@example.test", "phone": "07700 900666"}
    response = client.post(URL, partial(contact=third, drop=["fever"], major_trauma=True))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(page)
    assert "Your answers are still below" in page
    assert Case.objects.filter(patient__email="third@example.test").exists()


def test_a_routine_answer_over_the_rate_limit_is_still_refused(client, settings):
    settings.INTAKE_RATE = "1/h"
    client.post(URL, form_data())
    response = client.post(URL, form_data({"email": "b@example.test", "phone": "07700 900777"}))
    assert response.status_code == 429
    assert "Go to A&amp;E now" not in first_content(response.content.decode())
    assert Patient.objects.count() == 1


def test_the_spam_trap_does_not_turn_away_an_emergency(client, practitioner):
    response = client.post(URL, {**form_data(bladder_change=True), "website": "autofilled"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.urgency == Tier.EMERGENCY
    assert alert_emails().filter(case=case).count() == 1
    assert "spam-trap" in case.events.get(kind=CaseEvent.Kind.NOTE).text
    page = client.get(response["Location"]).content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(page)


def test_the_spam_trap_page_puts_an_emergency_first_when_the_form_is_unfinished(client):
    data = {**partial(contact={"phone": "", "email": ""}, bowel_change=True), "website": "x"}
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "Go to A&amp;E now or call 999" in first_content(response.content.decode())
    assert not Patient.objects.exists()


def test_a_spam_trap_hit_without_an_emergency_is_refused_as_before(client):
    response = client.post(URL, {**form_data(), "website": "http://spam"})
    assert response.status_code == 400
    assert not Patient.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_alert_of_an_unfinished_emergency_reaches_a_real_mail_server(
    client, practitioner, smtp_server
):
    with celery_worker():
        response = client.post(URL, partial(drop=["first_name", "fever"], bladder_change=True))
        assert response.status_code == 400
        assert smtp_server.inbox.wait(1), "no alert reached the SMTP server"
    (to, message), *_ = smtp_server.inbox.messages
    assert to == [practitioner.email]
    assert f"/cases/{Case.objects.get().pk}/" in message.get_body(("plain",)).get_content()


# --- Reception's questionnaire -------------------------------------------------------------


def reception_post(client, drop=(), **answers):
    data = {**form_data(**answers), "source": "phone"}
    for name in drop:
        data.pop(name, None)
    return client.post(reverse("enquiry_new"), data)


def test_reception_is_told_first_and_a_fever_is_not_lost_when_one_question_is_unanswered(
    reception_client, reception, practitioner
):
    response = reception_post(
        reception_client, drop=["weight_loss"], fever=True, leg_symptoms="both"
    )
    assert response.status_code == 400
    page = response.content.decode()
    body = page[page.index("<main") :]
    assert body.index("Tell the patient now") < body.index("Go to A&amp;E now or call 999")
    assert "Go to A&amp;E now or call 999" in first_content(page)
    assert "Nothing has been saved yet" not in page
    assert "is saved on case" in page
    saved = IntakeResponse.objects.get()
    assert saved.answers["fever"] is True
    assert saved.entered_by == reception
    assert set(saved.flags.values_list("rule_id", flat=True)) == {"bilateral_leg", "infection"}
    assert alert_emails().filter(recipient_user=practitioner).count() == 1
    assert "Answer yes or no: " in page  # each missing answer named


def test_reception_finishes_the_questionnaire_on_the_same_case(
    reception_client, reception, practitioner
):
    page = reception_post(reception_client, drop=["weight_loss"], chest_pain=True).content
    token = draft_of(page.decode())
    response = reception_client.post(
        reverse("enquiry_new"), {**form_data(chest_pain=True), "source": "phone", "draft": token}
    )
    assert response.status_code == 302
    assert Case.objects.count() == Enquiry.objects.count() == 1
    assert IntakeResponse.objects.count() == 2
    assert alert_emails().count() == 1


def test_another_receptionist_cannot_continue_someone_elses_draft(
    reception_client, client, practitioner
):
    page = reception_post(reception_client, drop=["weight_loss"], chest_pain=True).content
    token = draft_of(page.decode())
    from clinic import roles

    from .factories import staff

    client.force_login(staff(roles.RECEPTION, username="other"))
    other = {**form_data({"email": "x@example.test"}, chest_pain=True), "source": "phone"}
    client.post(reverse("enquiry_new"), {**other, "draft": token})
    assert Enquiry.objects.count() == 2


def test_reception_without_a_phone_or_email_is_told_nothing_was_saved(reception_client):
    response = reception_post(
        reception_client, drop=["weight_loss"], saddle_numbness=True, phone="", email=""
    )
    data = {**form_data(saddle_numbness=True), "source": "phone", "phone": "", "email": ""}
    response = reception_client.post(reverse("enquiry_new"), data)
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_content(page)
    assert "Nothing could be saved" in page
    assert not Patient.objects.exists()


# --- The script's data ----------------------------------------------------------------------


def test_the_form_carries_the_emergency_answers_as_data_from_the_rules(client):
    page = client.get(URL).content.decode()
    data = re.search(
        r'<script id="emergency-triggers" type="application/json">(.*?)</script>', page, re.S
    )
    from django.utils import timezone

    triggers = json.loads(data.group(1))
    assert triggers == list(rules.emergency_triggers(timezone.localdate()))
    assert {"answers": {"bladder_change": "yes"}} in triggers
    assert 'src="/static/js/intake.js"' in page
    assert '<template id="emergency-note">' in page


def test_the_script_holds_no_copy_of_the_rules():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "static/js/intake.js").read_text()
    for question in rules.QUESTIONS:
        if question.red_flag:
            assert question.id not in script, question.id
