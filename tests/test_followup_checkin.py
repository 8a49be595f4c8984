"""The patient's check-in page: intake's rules and instructions, a case when anything is raised."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from clinic.models import OutgoingEmail
from followup import links
from followup.checkin_views import DONE_SALT
from followup.forms import SCREEN_QUESTIONS
from followup.models import CheckIn, FollowUp, OptOut
from intake.forms import CONSENT_WORDING
from intake.models import Case, CaseEvent, Enquiry, IntakeResponse, Patient, Tier

from .factories import alert_emails
from .followups import followup_emails, scheduled_case

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status


@pytest.fixture
def case():
    case = scheduled_case()
    followup_emails(case=case, step=1).update(status=S.SENT)
    Patient.objects.filter(pk=case.patient_id).update(date_of_birth=datetime.date(1990, 6, 15))
    return case


@pytest.fixture
def url(case):
    first = FollowUp.objects.get(case=case, step=1)
    return reverse("followup_checkin", args=[links.checkin_token(first.pk)])


def checkin_data(**changes):
    """A check-in with nothing to report: every red flag "no", pain 1, not come back."""
    data = {"pain_now": "1", "recurred": "no", "pain_duration_weeks": ""}
    for question in SCREEN_QUESTIONS:
        data[question.id] = "none" if question.kind == "leg" else "no"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def first_heading(page):
    body = page[page.index("<main") :]
    return body[body.index("<h1") : body.index("</h1>")]


def plan_of(case):
    return dict(FollowUp.objects.filter(case=case).values_list("step", "email__status"))


def new_cases(case):
    return Case.objects.exclude(pk=case.pk)


def test_it_asks_every_red_flag_question_with_nothing_preselected(client, url):
    page = client.get(url).content.decode()
    for question in SCREEN_QUESTIONS:
        assert f'name="{question.id}"' in page
    assert 'name="pain_now"' in page and 'name="wants_assessment"' in page
    assert 'name="date_of_birth"' not in page  # taken from the patient record
    assert "checked" not in page
    assert "Go to A&amp;E" in page  # the safety net, before the questions


def test_an_emergency_answer_says_go_to_a_and_e_first_and_opens_an_emergency_case(
    client, url, case, practitioner
):
    response = client.post(url, checkin_data(bladder_change="yes", pain_now="6"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Go to A&amp;E now or call 999" in first_heading(page)
    new = new_cases(case).get()
    assert new.patient == case.patient
    assert new.urgency == new.computed_urgency == Tier.EMERGENCY
    assert new.enquiries.get().source == Enquiry.Source.CHECKIN
    assert list(new.responses.get().flags.values_list("rule_id", flat=True)) == ["ces_bladder"]
    assert alert_emails().filter(case=new, recipient_user=practitioner).count() == 1


def test_a_flag_stops_the_recovered_cases_plan_as_reopened(
    client, url, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, checkin_data(leg_weakness="one"))
    assert plan_of(case) == {
        1: S.SENT,
        2: S.CANCELLED,
        3: S.CANCELLED,
        4: S.CANCELLED,
        5: S.CANCELLED,
    }
    reasons = set(FollowUp.objects.filter(case=case).values_list("cancelled_reason", flat=True))
    assert reasons == {"", "reopened"}
    assert case.events.filter(kind=CaseEvent.Kind.FOLLOWUP, data__reason="reopened").exists()
    assert Case.objects.get(pk=case.pk).status == Case.Status.RECOVERED  # a new case, not reopened


def test_the_check_in_is_recorded_on_the_recovered_case_without_red_flag_detail(client, url, case):
    client.post(url, checkin_data(saddle_numbness="yes", pain_now="8", recurred="yes",
                                  pain_duration_weeks="1"))  # fmt: skip
    new = new_cases(case).get()
    checkin = CheckIn.objects.get()
    assert (checkin.case, checkin.new_case, checkin.urgency) == (case, new, Tier.EMERGENCY)
    assert (checkin.pain_now, checkin.recurred, checkin.wants_assessment) == (8, True, False)
    event = case.events.get(kind=CaseEvent.Kind.CHECKIN)
    assert event.data == {
        "step": 1,
        "pain_now": 8,
        "recurred": True,
        "wants_assessment": False,
        "new_case": new.pk,
        "urgency": "emergency",
    }


def test_asking_for_an_assessment_alone_opens_a_routine_case_and_stops_the_plan(client, url, case):
    response = client.post(url, checkin_data(wants_assessment="on"))
    page = client.get(response["Location"]).content.decode()
    assert "We will contact you to book an appointment" in page
    new = new_cases(case).get()
    assert new.urgency == Tier.ROUTINE
    assert not alert_emails().exists()
    assert CheckIn.objects.get().urgency == Tier.ROUTINE
    cancelled = FollowUp.objects.filter(case=case, email__status=S.CANCELLED)
    assert set(cancelled.values_list("cancelled_reason", flat=True)) == {"assessment_requested"}
    assert cancelled.count() == 4


def test_a_clear_check_in_is_kept_and_the_plan_goes_on(client, url, case):
    response = client.post(url, checkin_data())
    page = client.get(response["Location"]).content.decode()
    assert "Thank you for telling us how you are" in first_heading(page)
    assert "Looking after your back" in page  # self-care, not "while you wait"
    assert "Go to A&amp;E" in page  # the CES safety net
    checkin = CheckIn.objects.get()
    assert (checkin.urgency, checkin.new_case) == (None, None)
    assert not new_cases(case).exists()
    assert FollowUp.objects.filter(case=case, email__status=S.QUEUED).count() == 4
    assert case.events.get(kind=CaseEvent.Kind.CHECKIN).data["new_case"] is None


def test_pain_that_came_back_without_a_flag_is_pointed_to_an_assessment(client, url):
    response = client.post(url, checkin_data(recurred="yes", pain_duration_weeks="2"))
    page = client.get(response["Location"]).content.decode()
    assert "Your back pain has come back" in page
    assert CheckIn.objects.get().recurred is True


def test_the_date_of_birth_comes_from_the_patient_record(client, url, case):
    Patient.objects.filter(pk=case.patient_id).update(date_of_birth=datetime.date(1950, 1, 1))
    client.post(url, checkin_data(abdominal_pain_or_fainting="yes"))
    response = new_cases(case).get().responses.get()
    assert response.answers["date_of_birth"] == "1950-01-01"
    assert list(response.flags.values_list("rule_id", flat=True)) == ["aaa"]


def test_without_one_on_the_record_the_date_of_birth_given_at_intake_is_used(client, url, case):
    Patient.objects.filter(pk=case.patient_id).update(date_of_birth=None)
    IntakeResponse.objects.filter(case=case).update(
        answers={"date_of_birth": "1950-01-01", "pain_score": 3}
    )
    client.post(url, checkin_data(abdominal_pain_or_fainting="yes"))
    new = new_cases(case).get()
    assert list(new.responses.get().flags.values_list("rule_id", flat=True)) == ["aaa"]
    assert new.patient.date_of_birth == datetime.date(1950, 1, 1)


def test_how_long_the_pain_has_been_back_counts_for_the_inflammatory_rule(client, url, case):
    data = checkin_data(
        recurred="yes",
        pain_duration_weeks="13",
        morning_stiffness="yes",
        better_with_movement="yes",
    )
    client.post(url, data)
    new = new_cases(case).get()
    assert new.urgency == Tier.SOON
    assert new.screen_incomplete is False
    assert list(new.responses.get().flags.values_list("rule_id", flat=True)) == ["inflammatory"]


def test_the_follow_up_consent_is_kept_as_it_was(client, url, case):
    client.post(url, checkin_data(wants_assessment="on"))
    response = new_cases(case).get().responses.get()
    assert (response.consent_followup, response.consent_wording) == (True, CONSENT_WORDING)


def test_an_opt_out_since_the_consent_is_respected(client, url, case):
    OptOut.objects.create(patient=case.patient, source=OptOut.Source.LINK)
    client.post(url, checkin_data(wants_assessment="on"))
    assert new_cases(case).get().responses.get().consent_followup is False


def test_the_same_link_may_be_used_again_and_a_later_worsening_is_heard(client, url, case):
    client.post(url, checkin_data())
    response = client.post(url, checkin_data(bowel_change="yes"))
    assert response.status_code == 302
    assert CheckIn.objects.count() == 2
    assert new_cases(case).get().urgency == Tier.EMERGENCY


def test_a_used_link_says_when_it_was_used_and_offers_to_answer_again(client, url, case):
    client.post(url, checkin_data(wants_assessment="on"))
    page = client.get(url).content.decode()
    assert "You already answered this check-in" in first_heading(page)
    assert timezone.localtime(CheckIn.objects.get().created_at).strftime("%H:%M") in page
    assert "we will contact you" in page
    assert 'name="pain_now"' not in page  # not a blank form as if nothing had been sent
    assert "Go to A&amp;E" in page  # the safety net, always
    again = client.get(url, {"again": "1"}).content.decode()
    assert 'name="pain_now"' in again


def test_the_confirmation_url_carries_no_patient_data(client, url):
    location = client.post(url, checkin_data(bladder_change="yes"))["Location"]
    for secret in ("alex", "example", "07700", "bladder", "emergency"):
        assert secret not in location.lower()


def test_a_missing_red_flag_answer_is_refused_beside_the_field_and_nothing_saved(client, url, case):
    data = checkin_data(pain_now="7")
    del data["saddle_numbness"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["saddle_numbness"]
    page = response.content.decode()
    assert 'value="7"' in page
    assert re.search(r'name="bowel_change" value="no"[^>]*checked', page)
    assert not CheckIn.objects.exists()
    assert Case.objects.count() == 1


@pytest.mark.parametrize("pain", ["11", "-1", "abc", ""])
def test_a_pain_score_outside_0_to_10_is_refused(client, url, pain):
    response = client.post(url, checkin_data(pain_now=pain))
    assert response.status_code == 400
    assert "pain_now" in response.context["form"].errors
    assert not CheckIn.objects.exists()


def test_pain_that_came_back_needs_how_long_ago(client, url):
    response = client.post(url, checkin_data(recurred="yes"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["pain_duration_weeks"]


def test_check_ins_are_rate_limited_with_the_answers_kept(client, url, settings):
    settings.INTAKE_RATE = "2/m"
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)):
        for _ in range(2):
            assert client.post(url, checkin_data()).status_code == 302
        response = client.post(url, checkin_data(pain_now="9"))
    assert response.status_code == 429
    assert 'value="9"' in response.content.decode()
    assert CheckIn.objects.count() == 2


def test_an_expired_link_gets_the_clear_page_and_saves_nothing(client, url):
    later = timezone.now() + links.CHECKIN_MAX_AGE + datetime.timedelta(minutes=1)
    with time_machine.travel(later):
        assert client.get(url).status_code == 404
        response = client.post(url, checkin_data(wants_assessment="on"))
    assert response.status_code == 404
    assert "expired or is not valid" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_tampered_link_gets_the_clear_page(client, url):
    token = url.rstrip("/").split("/")[-1]
    bad = url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    response = client.post(bad, checkin_data())
    assert response.status_code == 404
    assert "expired or is not valid" in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(1, salt=links.UNSUBSCRIBE_SALT),  # an unsubscribe token is not a check-in
        signing.dumps(10**9, salt=links.CHECKIN_SALT),  # no such follow-up
        signing.dumps("1", salt=links.CHECKIN_SALT),  # not an id
    ],
)
def test_links_that_are_not_ours_get_the_clear_page(client, token):
    response = client.get(reverse("followup_checkin", args=[token]))
    assert response.status_code == 404
    assert "expired or is not valid" in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_are_refused(client, url, method):
    assert getattr(client, method)(url).status_code == 405


def test_the_email_now_carries_a_check_in_link(case):
    first = FollowUp.objects.get(case=case, step=1)
    assert links.checkin_url(first.pk).endswith(
        reverse("followup_checkin", args=[links.checkin_token(first.pk)])
    )


@pytest.mark.parametrize(
    "token", ["nonsense", signing.dumps(10**9, salt=DONE_SALT), signing.dumps("x", salt=DONE_SALT)]
)
def test_a_bad_confirmation_link_gets_a_clear_page(client, token):
    response = client.get(reverse("followup_checkin_done", args=[token]))
    assert response.status_code == 404


def test_nothing_about_the_answers_is_kept_when_nothing_is_raised(client, url):
    client.post(url, checkin_data())
    assert not IntakeResponse.objects.filter(enquiry__source=Enquiry.Source.CHECKIN).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bladder_change", "maybe"),
        ("leg_weakness", "three"),
        ("recurred", "1"),
        ("pain_now", "5.5"),
    ],
)
def test_answers_that_are_not_among_the_choices_are_refused(client, url, field, value):
    response = client.post(url, checkin_data(**{field: value}))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert not CheckIn.objects.exists()


def test_a_body_over_the_size_limit_is_refused(client, url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(url, {**checkin_data(), "padding": "x" * 2000})
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_the_form_carries_a_csrf_token(client, url):
    assert 'name="csrfmiddlewaretoken"' in client.get(url).content.decode()


# --- Pain that came back, and facts not asked (issue #8) ----------------------------------


def test_pain_back_at_8_is_never_told_nothing_needs_us_to_contact_you(client, url):
    response = client.post(url, checkin_data(pain_now="8", recurred="yes", pain_duration_weeks="1"))
    page = client.get(response["Location"]).content.decode()
    assert "we recommend an assessment" in first_heading(page)
    assert "Nothing in your answers needs us to contact you" not in page
    assert "alert-success" not in page
    assert "Please contact me to book an assessment" in page
    assert 'href="tel:01632960000"' in page


def test_the_recommended_assessment_can_be_asked_for_from_the_page(client, url, case):
    done = client.post(url, checkin_data(pain_now="6", recurred="yes", pain_duration_weeks="3"))
    assert not new_cases(case).exists()
    asked = client.post(done["Location"])
    assert asked.status_code == 302 and asked["Location"] == done["Location"]
    new = new_cases(case).get()
    assert new.urgency == Tier.ROUTINE
    assert new.enquiries.get().source == Enquiry.Source.CHECKIN
    checkin = CheckIn.objects.get()
    assert (checkin.wants_assessment, checkin.new_case, checkin.urgency) == (
        True,
        new,
        Tier.ROUTINE,
    )
    cancelled = FollowUp.objects.filter(case=case, email__status=S.CANCELLED)
    assert set(cancelled.values_list("cancelled_reason", flat=True)) == {"assessment_requested"}
    page = client.get(done["Location"]).content.decode()
    assert "We will contact you to book an appointment" in page
    # Asking twice opens nothing more.
    client.post(done["Location"])
    assert new_cases(case).count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.CHECKIN).count() == 2


def test_a_clear_check_in_cannot_ask_through_the_page(client, url, case):
    done = client.post(url, checkin_data())
    client.post(done["Location"])
    assert not new_cases(case).exists()


def test_a_flag_without_the_pain_back_is_not_screen_incomplete(client, url, case):
    client.post(url, checkin_data(leg_symptoms="one"))  # pain not back: duration not asked
    new = new_cases(case).get()
    response = new.responses.get()
    assert new.urgency == Tier.SOON
    assert response.screen_incomplete is False and new.screen_incomplete is False
    assert sorted(response.not_asked) == ["first_episode", "pain_duration_weeks"]
    assert "first_episode" not in response.answers


def test_the_case_page_says_not_asked_rather_than_unanswered(client, url, case, practitioner):
    client.post(url, checkin_data(leg_symptoms="one"))
    new = new_cases(case).get()
    client.force_login(practitioner)
    page = client.get(reverse("case_detail", args=[new.pk])).content.decode()
    row = page[page.index("Is this the first time you have had back pain?") :]
    row = row[: row.index("</tr>")]
    assert "Not asked" in row and "Unanswered" not in row


def test_with_the_pain_back_its_duration_is_asked_and_counted(client, url, case):
    client.post(url, checkin_data(recurred="yes", pain_duration_weeks="2", night_pain="yes"))
    response = new_cases(case).get().responses.get()
    assert response.answers["pain_duration_weeks"] == 2
    assert response.not_asked == ["first_episode"]
    assert response.screen_incomplete is False


def test_a_date_of_birth_missing_from_the_record_still_counts_as_unanswered(client, url, case):
    from intake.models import Patient

    Patient.objects.filter(pk=case.patient_id).update(date_of_birth=None)
    case.responses.update(answers={})
    client.post(url, checkin_data(leg_symptoms="one"))
    new = new_cases(case).get()
    assert new.screen_incomplete is True  # the age rules could not be run: not a "no"


# --- An emergency answer wins at check-in too -------------------------------------------------


def draft_of(page):
    found = re.search(r'name="draft"\s+value="([^"]+)"', page)
    return found.group(1) if found else None


def test_an_emergency_answer_with_a_question_left_out_comes_first_and_is_recorded_and_alerted(
    client, url, case, practitioner
):
    data = checkin_data(bladder_change="yes", pain_now="8", recurred="yes")
    del data["saddle_numbness"]  # and how long ago is missing too
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_heading(page)
    assert page.index("Go to A&amp;E now or call 999") < page.index("another look")
    assert "The answers you have given so far have been sent to the clinic" in page
    new = new_cases(case).get()
    assert (new.patient, new.urgency, new.screen_incomplete) == (case.patient, Tier.EMERGENCY, True)
    assert new.responses.get().answers.get("saddle_numbness") is None  # unanswered, not "no"
    assert alert_emails().filter(case=new, recipient_user=practitioner).count() == 1
    assert "emergency rule" in new.events.get(kind=CaseEvent.Kind.NOTE).text
    assert set(plan_of(case).values()) <= {S.SENT, S.CANCELLED}  # the plan stopped
    assert not CheckIn.objects.exists()  # written when the patient finishes, if they do
    assert draft_of(page)


def test_finishing_that_check_in_adds_to_the_same_case_without_a_second_alert(
    client, url, case, practitioner
):
    data = checkin_data(bladder_change="yes", pain_now="8")
    del data["saddle_numbness"]
    page = client.post(url, data).content.decode()
    new = new_cases(case).get()
    data = checkin_data(bladder_change="yes", pain_now="8", draft=draft_of(page))
    response = client.post(url, data)
    assert response.status_code == 302
    assert new_cases(case).get() == new
    assert new.responses.count() == 2
    assert alert_emails().filter(case=new).count() == 1
    checkin = CheckIn.objects.get()
    assert (checkin.new_case, checkin.urgency) == (new, Tier.EMERGENCY)
    assert "Go to A&amp;E now" in client.get(response["Location"]).content.decode()


def test_a_rate_limited_check_in_puts_an_emergency_first_and_records_it(
    client, url, case, practitioner, settings
):
    settings.INTAKE_RATE = "1/h"
    assert client.post(url, checkin_data()).status_code == 302
    data = checkin_data(bladder_change="yes")
    del data["fever"]
    response = client.post(url, data)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Go to A&amp;E now or call 999" in first_heading(page)
    assert "could not take the rest of these yet" in page
    new = new_cases(case).get()
    assert new.urgency == Tier.EMERGENCY
    assert alert_emails().filter(case=new).count() == 1
    assert "too many forms" in new.events.get(kind=CaseEvent.Kind.NOTE).text


def test_a_complete_emergency_check_in_is_taken_despite_the_rate_limit(
    client, url, case, practitioner, settings
):
    settings.INTAKE_RATE = "1/h"
    assert client.post(url, checkin_data()).status_code == 302
    response = client.post(url, checkin_data(bladder_change="yes"))
    assert response.status_code == 302
    assert "Go to A&amp;E now" in client.get(response["Location"]).content.decode()
    assert new_cases(case).get().urgency == Tier.EMERGENCY


def test_a_rate_limited_check_in_without_an_emergency_is_refused_and_kept(
    client, url, case, settings
):
    settings.INTAKE_RATE = "1/h"
    assert client.post(url, checkin_data()).status_code == 302
    response = client.post(url, checkin_data(fever="yes"))
    assert response.status_code == 429
    assert "Go to A&amp;E now" not in first_heading(response.content.decode())
    assert not new_cases(case).exists()
