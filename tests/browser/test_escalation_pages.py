"""The escalation contacts page and an escalated emergency on the queue's banner, in a real
browser, checked with axe-core."""

import datetime

from django.utils import timezone

from intake import escalation
from intake.models import Case, EscalationContact
from intake.services import Contact, record_enquiry
from tests.factories import answers


def test_a_clinic_admin_adds_and_removes_an_escalation_contact(desktop, clinic_admin):
    page = desktop.new(user=clinic_admin)
    page.goto("/staff/escalation/")
    desktop.check(page, "escalation contacts, none yet")
    page.get_by_label("Name or role").fill("Clinical lead")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_load_state()
    assert "Enter a valid email address" in page.inner_text("main")
    desktop.check(page, "escalation contacts with an error")
    page.get_by_label("Email address").fill("lead@partner.example.test")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_load_state()
    assert "lead@partner.example.test" in page.inner_text("main")
    desktop.check(page, "escalation contacts with one contact")
    page.get_by_role("button", name="Remove Clinical lead").click()
    page.wait_for_load_state()
    assert not EscalationContact.objects.exists()


def test_an_escalated_emergency_says_so_on_the_queue_banner(desktop, practitioner):
    recorded = record_enquiry(
        contact=Contact("Alex", "Example", "alex@example.test", "07700 900123"),
        source="web",
        answers=answers(bladder_change=True),
    )
    Case.objects.filter(pk=recorded.case.pk).update(
        target_due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert escalation.run().emergencies == 1
    page = desktop.new(user=practitioner)
    page.goto("/triage/")
    pinned = page.locator("#pinned")
    assert "escalated at" in pinned.inner_text()
    desktop.check(page, "triage queue with an escalated emergency")


def test_an_unfinished_check_in_with_an_emergency_answer_puts_a_and_e_first(phone, practitioner):
    """On a phone: a recovered patient ticks a new bladder problem and leaves one question out;
    the A&E instruction is the first thing on the page and the clinic has been alerted."""
    from followup import links
    from followup.models import FollowUp
    from tests.browser.questionnaire import fill_questionnaire
    from tests.followups import scheduled_case

    case = scheduled_case()
    first = FollowUp.objects.get(case=case, step=1)
    page = phone.new()
    page.goto(f"/f/checkin/{links.checkin_token(first.pk)}/")
    page.fill("input[name='pain_now']", "7")
    page.check("input[name='recurred'][value='no']")
    skipped = ("date_of_birth", "first_episode", "pain_score", "pain_duration_weeks", "fever")
    fill_questionnaire(page, bladder_change=True, **dict.fromkeys(skipped))
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    heading = page.locator("main h1").first
    assert heading.inner_text().startswith("Go to A&E now or call 999")
    assert "sent to the clinic" in page.inner_text("main")
    phone.check(page, "check-in with an emergency answer and a question left out")
    assert Case.objects.exclude(pk=case.pk).get().urgency == 0
