"""Clinic hours and honest promises: every time told to a patient comes from the targets, the
clinic's hours and closed days, and its time zone, and is the time staff are held to."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEntry, OutgoingEmail
from intake import calendar, targets
from intake.models import Case, ClosedDay, OpeningHours, Tier, TriageTargets
from intake.services import Contact, record_enquiry

from .factories import alert_emails, answers, form_data
from .realservices import celery_worker

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
URGENT = {"fever": True}
SOON = {"leg_symptoms": "one"}


def tuesday(hour, minute=0):
    """Tuesday 1 December 2026, clinic time (GMT)."""
    return datetime.datetime(2026, 12, 1, hour, minute, tzinfo=LONDON)


def text_of(page):
    """The page's main content as words, without tags."""
    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split()).replace("&amp;", "&")


def submit_at(client, moment, **changes):
    with time_machine.travel(moment, tick=False):
        response = client.post(reverse("intake_form"), form_data(**changes))
        assert response.status_code == 302, response.content.decode()[:500]
        return text_of(client.get(response["Location"]).content.decode())


# --- The promises on the patient's page, at the times that matter -------------------------------


def test_at_nine_in_the_morning_an_urgent_patient_is_promised_a_call_today(client):
    page = submit_at(client, tuesday(9), **URGENT)
    assert "We will contact you today, by 6pm" in page
    assert "If you have not heard from us by then, call 01632 960000" in page
    assert "The clinic is closed" not in page
    assert Case.objects.get().target_due_at == tuesday(18)


def test_at_17_59_the_promise_is_still_the_working_days_end(client):
    page = submit_at(client, tuesday(17, 59), **URGENT)
    assert "We will contact you today, by 6pm" in page
    assert Case.objects.get().target_due_at == tuesday(18)


def test_at_18_01_nothing_says_today(client):
    page = submit_at(client, tuesday(18, 1), **URGENT)
    assert "We will contact you by Wednesday 2 December, 6pm" in page
    assert "If you have not heard from us by then, call 01632 960000" in page
    assert "today" not in page.lower()
    assert "The clinic is closed now and opens again on Wednesday 2 December at 9am" in page
    assert "NHS 111" in page
    due = Case.objects.get().target_due_at
    assert due == datetime.datetime(2026, 12, 2, 18, tzinfo=LONDON)


def test_on_a_saturday_the_promise_is_for_monday(client):
    page = submit_at(client, datetime.datetime(2026, 12, 5, 11, tzinfo=LONDON), **URGENT)
    assert "We will contact you by Monday 7 December, 6pm" in page
    assert "today" not in page.lower()
    assert "opens again on Monday 7 December at 9am" in page


def test_a_closed_day_is_skipped(client):
    ClosedDay.objects.create(day=datetime.date(2026, 12, 2), reason="Staff training")
    page = submit_at(client, tuesday(18, 1), **URGENT)
    assert "We will contact you by Thursday 3 December, 6pm" in page
    assert "opens again on Thursday 3 December at 9am" in page


def test_on_a_closed_day_itself_the_clinic_says_it_is_closed(client):
    ClosedDay.objects.create(day=datetime.date(2026, 12, 2))
    page = submit_at(client, datetime.datetime(2026, 12, 2, 11, tzinfo=LONDON), **URGENT)
    assert "We will contact you by Thursday 3 December, 6pm" in page
    assert "The clinic is closed now" in page
    assert "today" not in page.lower()


def test_soon_says_the_working_days_the_admins_set(client):
    TriageTargets.objects.create(soon_working_days=4)
    page = submit_at(client, tuesday(9), **SOON)
    assert "We will contact you within 4 working days, by Monday 7 December, 6pm" in page


def test_routine_is_promised_a_booking_call_by_a_date(client):
    page = submit_at(client, tuesday(18, 1))
    # Five working days counted from Wednesday, the next working day.
    assert "We will contact you to book an appointment by Wednesday 9 December, 6pm" in page


def test_the_clock_follows_the_clinics_time_zone_in_summer(client):
    # 17:30 in London in July is 16:30 UTC: still today; 18:30 London time is not.
    summer = datetime.datetime(2026, 7, 14, 16, 30, tzinfo=datetime.UTC)
    assert "We will contact you today, by 6pm" in submit_at(client, summer, **URGENT)
    later = datetime.datetime(2026, 7, 14, 17, 30, tzinfo=datetime.UTC)
    other = {"email": "summer@example.test", "phone": "07700 900321"}
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("intake_form"), form_data(other, **URGENT))
        page = text_of(client.get(response["Location"]).content.decode())
    assert "We will contact you by Wednesday 15 July, 6pm" in page


def test_the_promise_is_the_due_time_staff_see(client):
    page = submit_at(client, tuesday(18, 1), **SOON)
    due = Case.objects.get().target_due_at.astimezone(LONDON)
    assert due == datetime.datetime(2026, 12, 4, 18, tzinfo=LONDON)  # Wed is day 0: Thu, Fri
    assert f"by {due:%A} {due.day} {due:%B}, 6pm" in page


def test_the_questionnaire_does_not_promise_to_read_answers_at_night(client):
    with time_machine.travel(tuesday(22), tick=False):
        page = text_of(client.get(reverse("intake_form")).content.decode())
    assert "as soon as you send them" not in page
    assert "The clinic is closed now and opens again on Wednesday 2 December at 9am" in page
    with time_machine.travel(tuesday(10), tick=False):
        page = text_of(client.get(reverse("intake_form")).content.decode())
    assert "The clinic is open until 6pm today" in page


def test_before_opening_the_clinic_opens_today(client):
    with time_machine.travel(tuesday(7), tick=False):
        page = text_of(client.get(reverse("intake_form")).content.decode())
    assert "The clinic is closed now and opens again today at 9am" in page


# --- Emergencies out of hours -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_out_of_hours_an_emergency_is_told_the_clinic_is_closed_and_staff_are_still_alerted(
    client, practitioner, smtp_server
):
    saturday_night = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=LONDON)
    with celery_worker():
        page = submit_at(client, saturday_night, bladder_change=True)
        assert smtp_server.inbox.wait(1), "the alert did not go out"
    assert page.startswith("Go to A&E now or call 999")
    assert "The clinic is closed now and opens again on Monday 7 December at 9am" in page
    assert "Go to A&E or call 999 now: do not wait for the clinic to open" in page
    assert "We have still alerted the clinic" in page
    (to, _), *_ = smtp_server.inbox.messages
    assert to == [practitioner.email]
    assert alert_emails().get().status == OutgoingEmail.Status.SENT


def test_in_hours_an_emergency_page_does_not_say_closed(client, practitioner):
    page = submit_at(client, tuesday(11), bladder_change=True)
    assert "closed" not in page
    assert "We have alerted the clinic" in page


# --- The arithmetic ---------------------------------------------------------------------------


def test_targets_use_the_hours_the_admins_set():
    OpeningHours.objects.create(weekday=5, opens=datetime.time(9), closes=datetime.time(13))
    OpeningHours.objects.create(weekday=0, opens=None, closes=None)  # closed on Mondays
    friday_evening = datetime.datetime(2026, 12, 4, 19, tzinfo=LONDON)
    due = targets.due_at(Tier.URGENT, friday_evening, TriageTargets())
    assert due == datetime.datetime(2026, 12, 5, 13, tzinfo=LONDON)  # Saturday, at closing
    due = targets.due_at(Tier.SOON, friday_evening, TriageTargets())
    # Saturday is day 0; then Tuesday and Wednesday (Sunday and Monday are closed).
    assert due == datetime.datetime(2026, 12, 9, 18, tzinfo=LONDON)


def test_the_targets_end_of_day_counts_when_the_clinic_closes_later():
    OpeningHours.objects.create(weekday=1, opens=datetime.time(8), closes=datetime.time(20))
    current = TriageTargets(working_day_ends_hour=17)
    assert targets.due_at(Tier.URGENT, tuesday(10), current) == tuesday(17)
    assert targets.due_at(Tier.URGENT, tuesday(17, 30), current) == datetime.datetime(
        2026, 12, 2, 17, tzinfo=LONDON
    )


def test_a_calendar_is_read_once_for_many_cases(django_assert_num_queries):
    current = TriageTargets()
    with django_assert_num_queries(2):
        for hour in range(24):
            targets.due_at(Tier.ROUTINE, tuesday(hour), current)


def test_a_calendar_with_no_open_day_is_refused():
    with pytest.raises(calendar.NoWorkingDay):
        calendar.save_week(dict.fromkeys(range(7)))
    assert not OpeningHours.objects.exists()


def test_record_enquiry_times_targets_by_the_calendar():
    ClosedDay.objects.create(day=datetime.date(2026, 12, 2))
    with time_machine.travel(tuesday(19), tick=False):
        case = record_enquiry(
            contact=Contact("Sam", "Sample", "sam@example.test"),
            source="web",
            answers=answers(**URGENT),
        ).case
    assert case.target_due_at == datetime.datetime(2026, 12, 3, 18, tzinfo=LONDON)


# --- The page for clinic admins -----------------------------------------------------------------

WEEK = {
    **{f"open_{d}": "on" for d in range(5)},
    **{f"opens_{d}": "09:00" for d in range(7)},
    **{f"closes_{d}": "18:00" for d in range(7)},
    "action": "hours",
}


def test_admins_set_the_hours_and_waiting_cases_are_retimed(admin_client_, clinic_admin):
    with time_machine.travel(tuesday(10), tick=False):
        case = record_enquiry(
            contact=Contact("Sam", "Sample", "sam@example.test"), source="web", answers=answers()
        ).case
        assert case.target_due_at == datetime.datetime(2026, 12, 8, 18, tzinfo=LONDON)
        week = {**WEEK, "open_2": "", "closes_4": "16:00"}  # closed on Wednesdays
        response = admin_client_.post(reverse("clinic_hours"), week, follow=True)
    assert "1 waiting case has a new due time" in response.content.decode()
    case.refresh_from_db()
    # Thu, Fri, Mon, Tue, Thu: five working days without Wednesdays.
    assert case.target_due_at == datetime.datetime(2026, 12, 10, 18, tzinfo=LONDON)
    assert OpeningHours.objects.get(weekday=2).opens is None
    assert OpeningHours.objects.get(weekday=4).closes == datetime.time(16)
    entry = AuditEntry.objects.get(object_type="clinic_hours")
    assert (entry.actor, entry.action) == (clinic_admin, "change")


def test_admins_add_and_remove_closed_days(admin_client_):
    page = admin_client_.post(
        reverse("clinic_hours"),
        {"action": "add_day", "day": "2026-12-25", "reason": "Christmas Day"},
        follow=True,
    ).content.decode()
    day = ClosedDay.objects.get()
    assert (day.day, day.reason) == (datetime.date(2026, 12, 25), "Christmas Day")
    with time_machine.travel(tuesday(10), tick=False):
        page = admin_client_.get(reverse("clinic_hours")).content.decode()
    assert "Friday 25 December 2026" in page
    admin_client_.post(reverse("clinic_hours"), {"action": "remove_day", "day_id": day.pk})
    assert not ClosedDay.objects.exists()
    assert AuditEntry.objects.filter(object_type="clinic_hours").count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closes_1": "08:00"}, "closes_1", "Closing time must be after opening time."),
        ({"opens_0": ""}, "opens_0", "When does the clinic open on Mondays?"),
        ({"opens_3": "nine"}, "opens_3", "Enter a valid time."),
    ],
)
def test_bad_hours_are_shown_beside_their_field_and_nothing_saved(
    admin_client_, changes, field, message
):
    response = admin_client_.post(reverse("clinic_hours"), {**WEEK, **changes})
    assert response.status_code == 400
    assert message in response.context["week_form"].errors[field]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not OpeningHours.objects.exists()


def test_a_week_with_no_open_day_is_refused(admin_client_):
    week = {key: value for key, value in WEEK.items() if not key.startswith("open_")}
    response = admin_client_.post(reverse("clinic_hours"), week)
    assert response.status_code == 400
    assert "at least one day" in response.content.decode()
    assert not OpeningHours.objects.exists()


def test_a_duplicate_closed_day_is_refused_beside_the_field(admin_client_):
    ClosedDay.objects.create(day=datetime.date(2026, 12, 25))
    response = admin_client_.post(
        reverse("clinic_hours"), {"action": "add_day", "day": "2026-12-25"}
    )
    assert response.status_code == 400
    assert "day" in response.context["day_form"].errors


def test_practitioners_and_reception_cannot_change_the_hours(client, practitioner, reception):
    for user in (practitioner, reception):
        client.force_login(user)
        assert client.post(reverse("clinic_hours"), WEEK).status_code == 403
    assert not OpeningHours.objects.exists()
