"""Staff pages for follow-ups: the follow-ups page, one follow-up's actions, the plan, the case."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.models import AuditEntry, OutgoingEmail
from followup import figures
from followup.models import CheckIn, FollowUp, FollowUpPlan
from intake.models import Case, CaseEvent, Tier

from .followups import new_followup, recovered_case, scheduled_case, with_status

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status
URL = "/followups/"
PLAN_URL = "/staff/followup-plan/"
ZONE = timezone.get_default_timezone()


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=ZONE)


def action(pk, name):
    return reverse("followup_action", args=[pk, name])


def section(page, title_id):
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def case():
    return scheduled_case()


# --- The follow-ups page ------------------------------------------------------------------------


def test_the_page_shows_upcoming_failed_unknown_and_recent_check_ins(practitioner_client, case):
    other = scheduled_case(email="bea@example.test", first_name="Bea")
    with_status(case, 1, S.FAILED, last_error="550 mailbox unavailable", attempts=1)
    unknown_id = other.followups.get(step=1).email_id
    with_status(other, 1, S.UNKNOWN, message_id=outbox.message_id(unknown_id))
    followup = with_status(other, 2, S.SENT)
    CheckIn.objects.create(
        followup=followup, case=other, pain_now=4, recurred=True, wants_assessment=True,
        urgency=Tier.ROUTINE, new_case=recovered_case(email="bea@example.test"),
    )  # fmt: skip
    page = practitioner_client.get(URL).content.decode()
    failed = section(page, "failed-title")
    assert "Alex Example" in failed and "550 mailbox unavailable" in failed
    assert failed.count(">Retry</button>") == 1 and failed.count(">Cancel</button>") == 1
    unknown = section(page, "unknown-title")
    assert "Bea Example" in unknown and f"outbox-{unknown_id}@" in unknown
    assert unknown.count(">Retry</button>") == 1
    assert section(page, "upcoming-title").count("<tr>") == 1 + 4 + 3  # header, Alex's, Bea's
    checkins = section(page, "checkins-title")
    assert "4/10" in checkins and "Routine" in checkins


def test_upcoming_lists_the_soonest_first(practitioner_client, case):
    FollowUp.objects.filter(case=case, step=3).update(due_at=timezone.now())
    soon = with_status(case, 3, S.QUEUED, next_attempt_at=timezone.now())
    upcoming = practitioner_client.get(URL).context["upcoming"]
    assert [f.pk for f in upcoming][:1] == [soon.pk]
    assert [f.due_at for f in upcoming] == sorted(f.due_at for f in upcoming)


def test_reception_may_not_see_the_follow_ups_page(reception_client):
    assert reception_client.get(URL).status_code == 403


def test_the_page_makes_a_bounded_number_of_queries(
    practitioner_client, django_assert_max_num_queries
):
    for n in range(12):
        case = scheduled_case(email=f"p{n}@example.test")
        with_status(case, 1, S.FAILED)
        with_status(case, 2, S.UNKNOWN)
        followup = with_status(case, 3, S.SENT)
        CheckIn.objects.create(
            followup=followup, case=case, pain_now=1, recurred=False, wants_assessment=True,
            urgency=Tier.ROUTINE, new_case=case,
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        response = practitioner_client.get(URL)
    assert response.status_code == 200


def test_a_retry_puts_a_failed_follow_up_back_and_is_audited(practitioner_client, case):
    failed = with_status(case, 1, S.FAILED, attempts=3, last_error="550")
    response = practitioner_client.post(action(failed.pk, "retry"))
    assert response.status_code == 302 and response["Location"] == URL
    failed.email.refresh_from_db()
    assert (failed.email.status, failed.email.attempts) == (S.QUEUED, 0)
    entry = AuditEntry.objects.get(object_type="followup")
    assert (entry.object_id, entry.what, entry.action) == (failed.pk, "retry", "change")
    assert case.events.filter(kind=CaseEvent.Kind.FOLLOWUP, data__status="retry").exists()


def test_a_cancel_of_an_unknown_follow_up_is_audited(admin_client_, case):
    unknown = with_status(case, 1, S.UNKNOWN)
    admin_client_.post(action(unknown.pk, "cancel"))
    unknown.refresh_from_db()
    unknown.email.refresh_from_db()
    assert (unknown.email.status, unknown.cancelled_reason) == (S.CANCELLED, "staff")
    assert AuditEntry.objects.filter(object_type="followup", object_id=unknown.pk).exists()


def test_a_retry_of_a_sent_follow_up_changes_nothing_and_says_so(practitioner_client, case):
    sent = with_status(case, 1, S.SENT)
    response = practitioner_client.post(action(sent.pk, "retry"), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert FollowUp.objects.get(pk=sent.pk).email.status == S.SENT
    assert not AuditEntry.objects.filter(object_type="followup").exists()


def test_an_unknown_action_or_follow_up_is_not_found(practitioner_client, case):
    first = case.followups.get(step=1)
    assert practitioner_client.post(action(first.pk, "delete")).status_code == 404
    assert practitioner_client.post(action(first.pk + 1000, "cancel")).status_code == 404
    assert practitioner_client.get(action(first.pk, "cancel")).status_code == 405


def test_reception_may_not_act_on_a_follow_up(reception_client, case):
    first = case.followups.get(step=1)
    assert reception_client.post(action(first.pk, "cancel")).status_code == 403
    assert FollowUp.objects.get(pk=first.pk).email.status == S.QUEUED


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/cases/1/", "/cases/1/"),
        ("https://evil.example/phish", URL),
        ("//evil.example/", URL),
        ("", URL),
    ],
)
def test_an_action_returns_only_to_a_page_of_this_site(
    practitioner_client, case, next_url, lands_on
):
    first = case.followups.get(step=1)
    response = practitioner_client.post(action(first.pk, "cancel"), {"next": next_url})
    assert response["Location"] == lands_on


# --- The came-back figure ---------------------------------------------------------------------


def recovery(case, when):
    """The case recovered at `when`, as a practitioner's status change records it."""
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECOVERED, recovered_at=when)
    return CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.STATUS, at=when,
        data={"from": Case.Status.IN_TREATMENT, "to": Case.Status.RECOVERED},
    )  # fmt: skip


def another_case(case):
    """A second case of the same patient (a case recovers once: a new episode is a new case)."""
    return Case.objects.create(
        patient=case.patient, source=case.source, status=Case.Status.IN_TREATMENT,
        computed_urgency=case.computed_urgency, urgency=case.urgency,
    )  # fmt: skip


def checkin(case, when, wants_assessment=False, opened=False):
    followup = case.followups.filter(step=1).first() or new_followup(case, 1, when)
    return CheckIn.objects.create(
        followup=followup, case=case, pain_now=2, recurred=opened, created_at=when,
        wants_assessment=wants_assessment, new_case=case if opened else None,
        urgency=Tier.ROUTINE if wants_assessment or opened else None,
    )  # fmt: skip


@pytest.fixture
def known_data():
    """Five patients recovered January to June 2026 (one of them twice), one before it; of the
    five, Ann asked for an assessment and Bo's check-in raised a flag."""
    ann, bo, cy, di, ed, old = (
        recovered_case(email=f"{name}@example.test", first_name=name)
        for name in ("Ann", "Bo", "Cy", "Di", "Ed", "Old")
    )
    recovery(ann, at(2026, 1, 10))
    recovery(another_case(ann), at(2026, 3, 1))  # Ann again: counted once
    checkin(ann, at(2026, 4, 1), wants_assessment=True)
    recovery(bo, at(2026, 3, 5))
    checkin(bo, at(2026, 5, 1), opened=True)
    recovery(cy, at(2026, 3, 20))
    checkin(cy, at(2026, 4, 2))  # nothing raised: did not come back
    recovery(di, at(2026, 6, 30, 23))  # the last day counts whole
    checkin(di, at(2026, 6, 1), wants_assessment=True)  # before the recovery: does not count
    recovery(ed, at(2026, 2, 2))
    recovery(old, at(2025, 12, 31, 23))  # before the period
    checkin(old, at(2026, 2, 1), wants_assessment=True)


def test_the_figure_counts_patients_who_came_back_after_recovering(known_data):
    figure = figures.came_back(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert (figure.recovered, figure.came_back) == (5, 2)
    assert figure.percent == 40


def test_the_figure_by_month(known_data):
    months = figures.came_back_by_month(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert [(m.starts.month, m.recovered, m.came_back) for m in months] == [
        (1, 1, 1), (2, 1, 0), (3, 3, 2), (4, 0, 0), (5, 0, 0), (6, 1, 0),
    ]  # fmt: skip


def test_the_page_states_the_figure_for_the_period_asked_for(practitioner_client, known_data):
    page = practitioner_client.get(URL, {"start": "2026-01-01", "end": "2026-06-30"})
    text = " ".join(page.content.decode().split())
    assert (
        "Of the <strong>5</strong> patients who recovered between 1 Jan 2026 and 30 Jun 2026, "
        "<strong>2</strong> came back for an assessment of the underlying cause "
        "(<strong>40%</strong>)."
    ) in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in text
    assert "Patients by month of recovery: Jan 26: 1; Feb 26: 1; Mar 26: 3;" in text
    assert "Came back: the same patient later sent a check-in" in text


def test_the_period_defaults_to_the_last_twelve_months(practitioner_client):
    response = practitioner_client.get(URL)
    today = timezone.localdate()
    assert response.context["end"] == today
    assert len(response.context["months"]) == 12
    assert response.context["start"].day == 1


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_field(practitioner_client):
    response = practitioner_client.get(URL, {"start": "2026-06-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "end" in response.context["period_form"].errors
    assert "The end cannot be before the start." in response.content.decode()


def test_a_period_that_is_not_a_date_is_refused(practitioner_client):
    response = practitioner_client.get(URL, {"start": "yesterday", "end": "2026-13-45"})
    assert response.status_code == 400


# --- The plan --------------------------------------------------------------------------------


def test_the_plan_page_shows_the_default_plan_and_the_environment_switch(admin_client_):
    page = admin_client_.get(PLAN_URL).content.decode()
    assert 'value="14, 42, 91, 152, 365"' in page
    assert 'value="20:00"' in page and 'value="08:00"' in page
    assert "FOLLOWUP_QUIET_HOURS=off" in page


def test_a_clinic_admin_changes_the_plan(admin_client_, clinic_admin):
    data = {"steps": "7, 30,90 ,180", "quiet_start": "21:30", "quiet_end": "07:00"}
    response = admin_client_.post(PLAN_URL, data)
    assert response.status_code == 302
    saved = FollowUpPlan.current()
    assert saved.steps == [7, 30, 90, 180]
    assert (saved.quiet_start, saved.quiet_end) == (datetime.time(21, 30), datetime.time(7))
    assert saved.changed_by == clinic_admin
    assert AuditEntry.objects.filter(object_type="followup_plan", what="plan").exists()


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ("42, 14", "each later than the last"),
        ("14, 14", "each later than the last"),
        ("0, 14", "each later than the last"),
        ("14, two", "whole numbers of days"),
        ("14, -3", "whole numbers of days"),
        ("", "This field is required"),
        ("99999", "at most 3660 days"),
    ],
)
def test_a_plan_that_makes_no_sense_is_refused_beside_the_field(admin_client_, steps, error):
    response = admin_client_.post(
        PLAN_URL, {"steps": steps, "quiet_start": "20:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["steps"]
    assert error in form.errors["steps"][0]
    assert not FollowUpPlan.objects.exists()
    page = response.content.decode()
    assert "1 field needs another look" in page  # the summary first, linking the field
    assert f'href="#{form["steps"].id_for_label}"' in page


def test_a_quiet_hour_that_is_not_a_time_is_refused(admin_client_):
    response = admin_client_.post(
        PLAN_URL, {"steps": "14", "quiet_start": "25:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["quiet_start"]


def test_a_practitioner_may_not_change_the_plan(practitioner_client):
    response = practitioner_client.post(
        PLAN_URL, {"steps": "1", "quiet_start": "20:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 403
    assert not FollowUpPlan.objects.exists()


# --- The case page -----------------------------------------------------------------------------


def test_the_case_page_lists_the_follow_ups_with_move_and_cancel(practitioner_client, case):
    with_status(case, 1, S.SENT, sent_at=timezone.now())
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    panel = section(page, "followups-title")
    assert panel.count('name="due_on"') == 4
    assert panel.count(">Cancel</button>") == 4
    assert "Sent" in panel
    assert 'name="next" value="/cases/' in panel


def test_a_practitioner_moves_one_follow_up_and_returns_to_the_case(practitioner_client, case):
    second = case.followups.get(step=2)
    new_day = timezone.localdate() + datetime.timedelta(days=3)
    case_url = reverse("case_detail", args=[case.pk])
    response = practitioner_client.post(
        action(second.pk, "reschedule"), {"due_on": new_day.isoformat(), "next": case_url}
    )
    assert response["Location"] == case_url
    second = FollowUp.objects.get(pk=second.pk)
    local = timezone.localtime(second.due_at, ZONE)
    assert (local.date(), local.hour) == (new_day, 10)
    assert second.email.next_attempt_at == second.due_at
    assert AuditEntry.objects.filter(object_id=second.pk, what="reschedule").exists()
    page = practitioner_client.get(case_url).content.decode()
    assert f"step 2 moved to {new_day.isoformat()}" in page


@pytest.mark.parametrize("due_on", ["2001-01-01", "not a date", ""])
def test_a_move_to_a_bad_date_changes_nothing(practitioner_client, case, due_on):
    second = case.followups.get(step=2)
    response = practitioner_client.post(action(second.pk, "reschedule"), {"due_on": due_on})
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=second.pk).due_at == second.due_at


def test_the_timeline_shows_follow_ups_and_check_ins_readably(practitioner_client, case):
    new_case = recovered_case()
    checkin(case, timezone.now(), wants_assessment=True)
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.CHECKIN,
        data={"step": 1, "pain_now": 3, "recurred": True, "wants_assessment": True,
              "new_case": new_case.pk, "urgency": "routine"},
    )  # fmt: skip
    practitioner_client.post(action(case.followups.get(step=1).pk, "cancel"))
    page = practitioner_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    timeline = page[page.index('id="timeline-title"') :]
    assert "scheduled: steps 1, 2, 3, 4, 5" in timeline
    assert "step 1 cancelled (by staff)" in timeline
    assert "pain now 3/10 · pain came back: yes · wants an assessment: yes" in timeline
    assert f'<a href="/cases/{new_case.pk}/">case {new_case.pk}</a> (Routine)' in timeline


def test_an_id_too_large_for_the_database_is_not_found(practitioner_client):
    assert practitioner_client.post(action(10**30, "cancel")).status_code == 404
