"""WCAG 2.2 AA on every page: each page the clinic serves, opened by the person who uses it
(a patient, reception, a practitioner, a clinic admin), at phone and desktop widths, with the
demo data of `make run`; axe-core finds nothing serious or critical on any of them.

All findings of a width are gathered before the test fails, so one run lists every page that
needs work; the counts of each page go to var/axe-report.jsonl (tests/browser/conftest.py)."""

import io

import pytest
from django.core import signing
from django.core.management import call_command

from followup import links
from followup.models import FollowUp
from intake.models import Case, Enquiry, IntakeResponse, Patient, Tier
from intake.views import CONFIRMATION_SALT


@pytest.fixture
def demo(transactional_db, monkeypatch):
    """`make run`'s demo data: the three staff, a dozen patients in every tier, follow-ups due."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo", "--demo-followups", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    users = {user.username: user for user in get_user_model().objects.all()}
    return users


def confirmation(tier: Tier) -> str:
    response = IntakeResponse.objects.filter(urgency=tier).order_by("pk").first()
    return f"/intake/done/{signing.dumps(response.pk, salt=CONFIRMATION_SALT)}/"


def answer_every_question_no(page):
    """Tick "no" (or "none") in every radio group of the page's form."""
    page.evaluate(
        """() => {
        const names = new Set([...document.querySelectorAll('input[type=radio]')].map(r => r.name));
        for (const name of names) {
          const group = [...document.querySelectorAll(`input[type=radio][name="${name}"]`)];
          const pick = group.find(r => r.value === 'no' || r.value === 'none') || group[0];
          pick.checked = true;
        }
      }"""
    )


def visit_all(pages, users):
    """Open every page as its user; returns the axe-core failures, one message per page."""
    failures = []

    def check(page, name):
        try:
            pages.check(page, name)
        except AssertionError as finding:
            failures.append(str(finding))

    emergency = Case.objects.filter(urgency=Tier.EMERGENCY).order_by("pk").first()
    recovered = FollowUp.objects.order_by("pk").first()
    patient = emergency.patient
    other = Patient.objects.exclude(pk=patient.pk).order_by("pk").first()
    logged = Enquiry.objects.filter(logged_by=users["reception"]).order_by("pk").first()

    # The patient, with no account.
    page = pages.new()
    for name, url in [
        ("start page", "/"),
        ("questionnaire", "/intake/"),
        ("confirmation: emergency", confirmation(Tier.EMERGENCY)),
        ("confirmation: urgent", confirmation(Tier.URGENT)),
        ("confirmation: soon", confirmation(Tier.SOON)),
        ("confirmation: routine", confirmation(Tier.ROUTINE)),
        ("confirmation link expired", "/intake/done/not-a-token/"),
        ("check-in", f"/f/checkin/{links.checkin_token(recovered.pk)}/"),
        ("unsubscribe", f"/f/unsubscribe/{links.unsubscribe_token(recovered.pk)}/"),
        ("follow-up link expired", "/f/checkin/not-a-token/"),
        ("page not found", "/no-such-page/"),
        ("sign-in", "/accounts/login/"),
    ]:
        page.goto(url)
        check(page, name)

    page.goto("/intake/")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    check(page, "questionnaire sent back with errors")

    page.goto(f"/f/checkin/{links.checkin_token(recovered.pk)}/")
    answer_every_question_no(page)
    page.fill("input[name='pain_now']", "2")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/f/checked-in/**")
    check(page, "check-in answered")

    page.goto(f"/f/unsubscribe/{links.unsubscribe_token(recovered.pk)}/")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    check(page, "unsubscribed")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("practitioner")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    check(page, "sign-in refused")

    # Reception.
    page = pages.new(users["reception"])
    for name, url in [
        ("enquiries (reception)", "/enquiries/"),
        ("new enquiry", "/enquiries/new/"),
        ("enquiry logged", f"/enquiries/{logged.pk}/done/"),
        ("not allowed (reception on the queue)", "/triage/"),
        ("account (reception)", "/accounts/"),
    ]:
        page.goto(url)
        check(page, name)
    page.goto("/enquiries/new/")
    page.get_by_text("Fill in the questionnaire now, with the patient").click()
    check(page, "new enquiry with the questionnaire open")

    # A practitioner.
    page = pages.new(users["practitioner"])
    for name, url in [
        ("triage queue", "/triage/"),
        ("case page (emergency)", f"/cases/{emergency.pk}/"),
        ("case page (recovered)", f"/cases/{recovered.case_id}/"),
        ("patient page", f"/patients/{patient.pk}/"),
        ("enquiries (practitioner)", "/enquiries/"),
        ("follow-ups", "/followups/"),
        ("account", "/accounts/"),
        ("change password", "/accounts/password/change/"),
        ("second factor", "/accounts/2fa/"),
    ]:
        page.goto(url)
        check(page, name)

    # A clinic admin.
    page = pages.new(users["admin"])
    for name, url in [
        ("overview", "/overview/"),
        ("targets", "/staff/targets/"),
        ("clinic hours", "/staff/hours/"),
        ("duty rota", "/staff/duty/"),
        ("follow-up plan", "/staff/followup-plan/"),
        ("staff accounts", "/staff/accounts/"),
        ("new staff account", "/staff/accounts/new/"),
        ("staff account", f"/staff/accounts/{users['reception'].pk}/"),
        ("outbox", "/staff/outbox/"),
        ("access audit", "/staff/audit/"),
        ("case audit", f"/cases/{emergency.pk}/audit/"),
        ("merge comparison", f"/patients/{patient.pk}/merge/?other={other.pk}"),
        ("patient export", f"/patients/{patient.pk}/export/"),
        ("patient erasure", f"/patients/{patient.pk}/erase/"),
    ]:
        page.goto(url)
        check(page, name)
    return failures


def test_every_page_on_a_phone(phone, demo):
    failures = visit_all(phone, demo)
    assert not failures, "\n".join(failures)


def test_every_page_on_a_desktop(desktop, demo):
    failures = visit_all(desktop, demo)
    assert not failures, "\n".join(failures)
