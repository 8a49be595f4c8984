"""The outbox page and the failed-alert banner in a real browser, checked with axe-core."""

from clinic.models import OutgoingEmail
from intake.services import Contact, record_enquiry
from tests.factories import alert_emails, answers


def failed_alert():
    recorded = record_enquiry(
        contact=Contact("Alex", "Example", "alex@example.test", "07700 900123"),
        source="web",
        answers=answers(bladder_change=True),
    )
    alert_emails().update(status=OutgoingEmail.Status.FAILED, attempts=6, last_error="550")
    return recorded.case


def test_a_practitioner_sees_the_failed_alert_banner_on_the_queue(desktop, practitioner):
    case = failed_alert()
    page = desktop.new(user=practitioner)
    page.goto("/triage/")
    banner = page.get_by_role("alert").filter(has_text="A safety alert could not be emailed")
    assert f"case {case.pk}" in banner.inner_text()
    desktop.check(page, "triage queue with the failed-alert banner")
    banner.get_by_role("link", name=f"case {case.pk}").click()
    page.wait_for_url(f"**/cases/{case.pk}/")


def test_a_clinic_admin_sends_a_failed_alert_again_from_the_outbox(
    desktop, practitioner, clinic_admin
):
    failed_alert()
    page = desktop.new(user=clinic_admin)
    page.goto("/staff/outbox/")
    desktop.check(page, "outbox with a failed alert")
    page.locator("#failed-title").wait_for()
    alert = alert_emails().get()
    page.get_by_role("button", name=f"Send again safety alert {alert.pk}").click()
    page.wait_for_load_state()
    assert "will be sent again now" in page.inner_text("main")
    assert page.get_by_text("A safety alert could not be emailed").count() == 0
    alert.refresh_from_db()
    assert alert.status == OutgoingEmail.Status.QUEUED
    desktop.check(page, "outbox after sending again")
