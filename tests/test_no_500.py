"""The three 500s fuzzing found (issue 10), each a clear answer now."""

import pytest
from django.urls import reverse

from intake.services import Contact, record_enquiry

from .factories import answers
from .followups import new_followup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["triage_queue", "triage_fragment", "triage_export"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("field", ["opened_to", "opened_from"])
def test_the_last_and_first_days_there_are_filter_the_queue(admin_client_, name, day, field):
    response = admin_client_.get(reverse(name), {field: day})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "period",
    [
        {"start": "9999-01-01", "end": "9999-12-31"},
        {"start": "9998-12-01", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-12-31"},
        {"start": "9999-12-31", "end": "9999-12-31"},
    ],
)
def test_a_period_at_the_ends_of_the_calendar_is_shown_or_refused_clearly(admin_client_, period):
    response = admin_client_.get(reverse("followups"), period)
    assert response.status_code in (200, 400)
    if period["start"] > "2999":
        assert "Choose a date between 1900 and 2999." in response.content.decode()


@pytest.mark.parametrize(
    "target",
    ["abc", "followups", "case_detail", "http:", "javascript:alert(1)", "//evil.test/", "/\\evil"],
)
def test_a_next_that_is_not_a_page_of_this_site_goes_to_the_follow_ups(practitioner_client, target):
    recorded = record_enquiry(
        contact=Contact("Sam", "Sample", "sam@example.test"), source="web", answers=answers()
    )
    followup = new_followup(recorded.case)
    response = practitioner_client.post(
        reverse("followup_action", args=[followup.pk, "cancel"]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("followups")


def test_a_next_on_this_site_is_followed(practitioner_client):
    recorded = record_enquiry(
        contact=Contact("Sam", "Sample", "sam@example.test"), source="web", answers=answers()
    )
    followup = new_followup(recorded.case)
    back = "/followups/?start=2026-01-01&end=2026-06-30"
    response = practitioner_client.post(
        reverse("followup_action", args=[followup.pk, "cancel"]), {"next": back}
    )
    assert response["Location"] == back
