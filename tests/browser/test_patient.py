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
