"""A patient on a phone fills in the questionnaire."""

from intake.models import Case, Tier
from tests.browser.conftest import no_horizontal_scroll
from tests.browser.questionnaire import fill_contact, fill_questionnaire


def test_an_emergency_answer_puts_a_and_e_first_on_a_phone(phone):
    page = phone.new()
    page.goto("/intake/")
    phone.check(page, "questionnaire")
    assert no_horizontal_scroll(page)

    fill_contact(page)
    fill_questionnaire(page, bladder_change=True)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/intake/done/**")

    first_heading = page.locator("main h1, main h2").first
    assert "A&E" in first_heading.inner_text()
    assert no_horizontal_scroll(page)
    phone.check(page, "confirmation (emergency)")
    case = Case.objects.get()
    assert case.tier == Tier.EMERGENCY


def test_pain_down_one_leg_on_a_phone_says_when_the_clinic_will_call(phone):
    page = phone.new()
    page.goto("/intake/")
    fill_contact(page)
    fill_questionnaire(page, leg_symptoms="one")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/intake/done/**")

    first_heading = page.locator("main h1").first.inner_text()
    assert first_heading.startswith("We will contact you within 2 working days")
    assert "A&E" not in first_heading
    assert page.locator("main a[href^='tel:']").first.is_visible()  # the clinic's number
    assert no_horizontal_scroll(page)
    phone.check(page, "confirmation (soon)")
    assert Case.objects.get().tier == Tier.SOON
