"""The overview for clinic admins: enquiries per week, targets met, emergency acknowledgement,
open cases; counted right, drawn as charts with tables, in a bounded number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from intake import overview
from intake.models import Case, Tier
from intake.services import Contact, record_enquiry

from .factories import answers

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 3, 11, 12, 0, tzinfo=LONDON)  # a Wednesday
EMERGENCY = {"bladder_change": True}
SOON = {"leg_symptoms": "one"}
seq = iter(range(10**6))


def enquiry_at(moment, **changes):
    with time_machine.travel(moment, tick=False):
        return record_enquiry(
            contact=Contact("Sam", "Sample", f"patient{next(seq)}@example.test"),
            source="web",
            answers=answers(**changes),
        ).case


def acknowledged_after(minutes, opened=NOW - datetime.timedelta(days=3)):
    case = enquiry_at(opened, **EMERGENCY)
    Case.objects.filter(pk=case.pk).update(
        acknowledged_at=case.opened_at + datetime.timedelta(minutes=minutes)
    )
    return case


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_enquiries_are_counted_per_week_by_tier():
    enquiry_at(datetime.datetime(2026, 3, 9, 0, 30, tzinfo=LONDON))  # Monday, just after midnight
    enquiry_at(datetime.datetime(2026, 3, 11, 9, 0, tzinfo=LONDON))
    enquiry_at(datetime.datetime(2026, 3, 8, 23, 30, tzinfo=LONDON), **EMERGENCY)  # Sunday
    enquiry_at(datetime.datetime(2025, 12, 14, 12, tzinfo=LONDON), **SOON)  # week 13 back
    weeks = overview.enquiries_per_week(NOW)
    assert len(weeks) == 12
    assert weeks[0].starts == datetime.date(2025, 12, 22)
    assert (weeks[-1].starts, weeks[-1].by_tier[Tier.ROUTINE], weeks[-1].total) == (
        datetime.date(2026, 3, 9),
        2,
        2,
    )
    assert (weeks[-2].starts, weeks[-2].by_tier[Tier.EMERGENCY], weeks[-2].total) == (
        datetime.date(2026, 3, 2),
        1,
        1,
    )
    assert sum(w.total for w in weeks) == 3


def test_targets_are_met_on_time_breached_or_not_yet_due():
    opened = NOW - datetime.timedelta(days=5)
    due = NOW - datetime.timedelta(days=1)
    rows = [
        (due - datetime.timedelta(hours=2), due),  # met on time
        (due + datetime.timedelta(hours=2), due),  # met late
        (None, due),  # still unmet, past due
        (None, NOW + datetime.timedelta(hours=1)),  # not yet due
    ]
    for met_at, due_at in rows:
        case = enquiry_at(opened, **SOON)
        Case.objects.filter(pk=case.pk).update(target_met_at=met_at, target_due_at=due_at)
    old = enquiry_at(NOW - datetime.timedelta(days=120), **SOON)
    Case.objects.filter(pk=old.pk).update(target_met_at=None)
    soon = {r.tier: r for r in overview.targets_met(NOW)}[Tier.SOON]
    assert (soon.met, soon.breached, soon.waiting) == (1, 2, 1)
    assert soon.percent_met == pytest.approx(100 / 3)


def test_median_time_to_acknowledge_an_emergency():
    for minutes in (4, 30, 10):
        acknowledged_after(minutes)
    acknowledged_after(60, opened=NOW - datetime.timedelta(days=100))  # before the period
    enquiry_at(NOW - datetime.timedelta(hours=1), **EMERGENCY)  # not yet acknowledged
    result = overview.emergency_acknowledgement(NOW)
    assert (result.median, result.count) == (datetime.timedelta(minutes=10), 3)


def test_the_median_of_an_even_count_is_halfway_between_the_middle_two():
    for minutes in (4, 30, 10, 20):
        acknowledged_after(minutes)
    result = overview.emergency_acknowledgement(NOW)
    assert result == overview.Acknowledgement(datetime.timedelta(minutes=15), 4)


def test_no_emergencies_means_no_median():
    assert overview.emergency_acknowledgement(NOW) == overview.Acknowledgement(None, 0)


def test_open_cases_are_counted_by_status():
    for status in ("new", "new", "booked", "closed", "recovered"):
        case = enquiry_at(NOW)
        Case.objects.filter(pk=case.pk).update(status=status)
    assert overview.open_cases_by_status() == {
        Case.Status.NEW: 2,
        Case.Status.TRIAGED: 0,
        Case.Status.BOOKED: 1,
        Case.Status.IN_TREATMENT: 0,
    }


def test_the_page_shows_the_figures_as_charts_and_tables(admin_client_, at_now):
    for minutes in (4, 10, 30):
        acknowledged_after(minutes)
    enquiry_at(NOW)
    page = admin_client_.get(reverse("overview")).content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    for text in ("Week starting", "Targets met on time (%)", "Open cases", "#b00020", "#bf360c"):
        assert text in page
    assert 'id="median-ack">10 min</p>' in page  # within the 15-minute target: not in red
    assert page.count("<table") == 3
    assert '<th scope="row">9 Mar 2026</th><td class="text-end">0</td>' in page


def test_a_median_over_the_target_stands_out(admin_client_, at_now):
    acknowledged_after(40)
    page = admin_client_.get(reverse("overview")).content.decode()
    assert 'text-danger" id="median-ack">40 min</p>' in page


def test_the_page_runs_a_bounded_number_of_queries(
    admin_client_, at_now, django_assert_max_num_queries
):
    for day in range(30):
        acknowledged_after(day % 20, opened=NOW - datetime.timedelta(days=day * 3))
        enquiry_at(NOW - datetime.timedelta(days=day * 2), **SOON)
    with django_assert_max_num_queries(11):  # 10, and the failed-alert banner's
        assert admin_client_.get(reverse("overview")).status_code == 200


def test_only_clinic_admins_see_the_overview(client, practitioner, reception):
    assert client.get(reverse("overview")).status_code == 302  # to the sign-in page
    for user in (practitioner, reception):
        client.force_login(user)
        assert client.get(reverse("overview")).status_code == 403
