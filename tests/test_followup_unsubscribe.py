"""The unsubscribe page: a confirm button, RFC 8058 one-click, and a clear page for bad links."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from clinic.models import OutgoingEmail
from followup import links
from followup.models import FollowUp, OptOut
from intake.models import Case, CaseEvent

from .followups import followup_emails, scheduled_case

pytestmark = pytest.mark.django_db

S = OutgoingEmail.Status


@pytest.fixture
def case():
    return scheduled_case()


@pytest.fixture
def url(case):
    first = FollowUp.objects.get(case=case, step=1)
    followup_emails(pk=first.pk).update(status=S.SENT)
    return reverse("followup_unsubscribe", args=[links.unsubscribe_token(first.pk)])


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_opening_the_link_asks_first_and_changes_nothing(client, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post"' in page and "Stop follow-up emails" in page
    assert "Go to A&amp;E" in page  # the safety net, always
    assert not OptOut.objects.exists()
    assert FollowUp.objects.filter(email__status=S.QUEUED).count() == 4


def test_the_button_cancels_every_pending_follow_up_and_records_it(csrf_client, case, url):
    response = csrf_client.post(url)  # our own form carries no CSRF token: the link is the key
    assert response.status_code == 200
    assert "no more follow-up emails" in response.content.decode()
    statuses = dict(FollowUp.objects.filter(case=case).values_list("step", "email__status"))
    assert statuses == {1: S.SENT, 2: S.CANCELLED, 3: S.CANCELLED, 4: S.CANCELLED, 5: S.CANCELLED}
    opt_out = OptOut.objects.get()
    assert (opt_out.patient, opt_out.source) == (case.patient, OptOut.Source.LINK)
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.FOLLOWUP).latest("id")
    assert event.data == {"status": "cancelled", "steps": [2, 3, 4, 5], "reason": "opted_out"}


def test_one_click_from_the_mail_program_unsubscribes(csrf_client, url):
    response = csrf_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert OptOut.objects.get().source == OptOut.Source.ONE_CLICK
    assert not FollowUp.objects.filter(email__status=S.QUEUED).exists()


def test_one_click_also_stops_the_patients_other_cases(client, case, url, reception):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    other = scheduled_case(logged_by=reception)
    assert other.patient == case.patient
    client.post(url, {"List-Unsubscribe": "One-Click"})
    assert not FollowUp.objects.filter(email__status=S.QUEUED).exists()


def test_unsubscribing_twice_is_fine(client, url):
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert OptOut.objects.count() == 1


@pytest.mark.parametrize("one_click", [False, True])
def test_the_link_opened_after_unsubscribing_says_so_instead_of_asking_again(
    client, url, one_click
):
    client.post(url, {"List-Unsubscribe": "One-Click"} if one_click else {})
    page = client.get(url).content.decode()
    assert "You asked us to stop follow-up emails" in page
    assert "Stop follow-up emails?" not in page
    assert 'name="resume"' in page  # the way back, on the patient's own link
    assert "Go to A&amp;E" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(client, url, method):
    token = url.rstrip("/").split("/")[-1]
    bad = url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    response = getattr(client, method)(bad)
    assert response.status_code == 404
    assert "expired or is not valid" in response.content.decode()
    assert not OptOut.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "e30:1xV:zz",
        signing.dumps(1, salt=links.CHECKIN_SALT),  # a check-in token is not an unsubscribe one
        signing.dumps(10**9, salt=links.UNSUBSCRIBE_SALT),  # no such follow-up
        signing.dumps("1", salt=links.UNSUBSCRIBE_SALT),  # not an id
    ],
)
def test_links_that_are_not_ours_get_the_clear_page(client, token):
    response = client.post(reverse("followup_unsubscribe", args=[token]))
    assert response.status_code == 404
    assert "expired or is not valid" in response.content.decode()


def test_other_methods_are_refused(client, url):
    assert client.put(url).status_code == 405
