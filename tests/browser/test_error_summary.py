"""A refused form on a phone: the error summary first and focused, a count, a link to each
field that takes the focus there, every message naming its question; axe-core on the page."""

from intake.models import Case
from tests.browser.questionnaire import fill_contact, fill_questionnaire


def test_a_patient_on_a_phone_is_taken_to_the_error_summary_and_on_to_each_field(phone):
    page = phone.new()
    page.goto("/intake/")
    fill_contact(page, first="")
    fill_questionnaire(page, saddle_numbness=None, leg_symptoms=None, pain_score=None)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()

    summary = page.locator("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert 0 <= box["y"] < 844  # in view on the phone, not below the fold
    assert "4 answers need another look" in summary.inner_text()
    links = summary.get_by_role("link")
    assert links.count() == 4
    texts = links.all_inner_texts()
    assert "Enter a first name." in texts
    assert "Answer yes or no: numbness between your legs." in texts
    assert "This field is required." not in page.content()
    phone.check(page, "questionnaire with errors")

    summary.get_by_role("link", name="Answer yes or no: numbness between your legs.").click()
    assert page.evaluate("document.activeElement.name") == "saddle_numbness"
    assert not Case.objects.exists()


def test_under_an_emergency_the_a_and_e_instruction_keeps_the_top_of_the_page(phone):
    page = phone.new()
    page.goto("/intake/")
    fill_contact(page, first="")
    fill_questionnaire(page, bladder_change=True, leg_symptoms=None)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "A&E" in page.locator("main h1, main h2").first.inner_text()
    assert page.evaluate("window.scrollY") == 0  # nothing scrolled the instruction away
    assert page.locator("#error-summary").is_visible()
    phone.check(page, "questionnaire with errors under an emergency")
