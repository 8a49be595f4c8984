"""Reception's own page at /enquiries/: what they logged, newest first, nothing clinical."""

import itertools

import pytest
from django.urls import reverse

from clinic import roles
from intake import casework
from intake.models import Enquiry
from intake.services import Contact, record_enquiry

from .factories import answers, staff

pytestmark = pytest.mark.django_db
numbers = itertools.count(1)


def log(user, first="Sam", **changes):
    n = next(numbers)
    return record_enquiry(
        contact=Contact(first, "Caller", f"caller{n}@example.test", f"07700 900{n:03d}"),
        source="phone",
        reason="Tingling in the saddle area since this morning",
        answers=answers(**changes),
        logged_by=user,
    )


def listed(page):
    return [e.pk for e in page.context["enquiries"]]


def test_reception_sees_the_whole_clinics_enquiries_newest_first_and_can_narrow_to_its_own(
    reception_client, reception
):
    colleague = staff(roles.RECEPTION, username="rita", first_name="Rita", last_name="Shah")
    first, second = log(reception), log(reception)
    third = log(colleague)
    page = reception_client.get(reverse("enquiry_list"))
    assert page.status_code == 200
    assert listed(page) == [third.enquiry.pk, second.enquiry.pk, first.enquiry.pk]
    assert "Rita Shah" in page.content.decode()  # who logged it, by name
    mine = reception_client.get(reverse("enquiry_list"), {"mine": "1"})
    assert listed(mine) == [second.enquiry.pk, first.enquiry.pk]


def test_each_row_shows_contact_source_status_and_tier(reception_client, reception):
    log(reception, first="Zoë", fever=True)
    html = reception_client.get(reverse("enquiry_list")).content.decode()
    for shown in ("Zoë Caller", "07700 900", "@example.test", "Phone", "New", "Urgent"):
        assert shown in html


def test_an_enquiry_without_a_questionnaire_has_no_tier_yet(reception_client, reception):
    record_enquiry(
        contact=Contact("Sam", "Caller", phone="07700 900456"), source="phone", logged_by=reception
    )
    html = reception_client.get(reverse("enquiry_list")).content.decode()
    assert "no questionnaire yet" in html
    assert "Routine" not in html


def test_no_clinical_answers_flags_reasons_or_notes_are_shown(
    reception_client, reception, practitioner
):
    recorded = log(reception, saddle_numbness=True)
    casework.add_note(
        recorded.case.pk, recorded.case.version, "Sent to A&E by phone", actor=practitioner
    )
    html = reception_client.get(reverse("enquiry_list")).content.decode().lower()
    for clinical in ("saddle", "ces_", "a&amp;e", "a&e", "tingling", "questionnaire"):
        assert clinical not in html


def test_the_enquiries_page_in_keyset_pages(reception_client, reception, monkeypatch):
    monkeypatch.setattr("intake.queue_views.PAGE_SIZE", 2)
    oldest, middle, newest = log(reception), log(reception), log(reception)
    first = reception_client.get(reverse("enquiry_list"))
    assert listed(first) == [newest.enquiry.pk, middle.enquiry.pk]
    latest = log(reception)  # arrives between the two page loads
    second = reception_client.get(first.context["next_url"])
    assert listed(second) == [oldest.enquiry.pk]
    assert second.context["next_url"] is None
    assert listed(reception_client.get(reverse("enquiry_list")))[0] == latest.enquiry.pk


def test_a_tampered_page_link_shows_the_newest_with_a_message(reception_client, reception):
    log(reception)
    page = reception_client.get(reverse("enquiry_list"), {"after": "forged:link"})
    assert len(listed(page)) == 1
    assert "That page link was not valid" in page.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("enquiry_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("count", [3, 60])
def test_the_page_runs_the_same_few_queries_for_3_or_60_enquiries(
    reception_client, reception, django_assert_max_num_queries, count
):
    for _ in range(count):
        log(reception)
    assert Enquiry.objects.count() == count
    with django_assert_max_num_queries(7):  # 6, and the audit row saying who saw the list
        assert reception_client.get(reverse("enquiry_list")).status_code == 200
