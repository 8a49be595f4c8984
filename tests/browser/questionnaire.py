"""Filling in the questionnaire in a real browser, as a patient or a receptionist would."""

from intake import rules
from tests.factories import ROUTINE_ANSWERS


def fill_questionnaire(page, **changes):
    """Answer every question on the page: routine answers, except those in `changes`."""
    answers = {**ROUTINE_ANSWERS, **changes}
    for question in rules.QUESTIONS:
        value = answers.get(question.id)
        if value is None:
            continue
        if question.kind == "yesno":
            page.check(f"input[name='{question.id}'][value='{'yes' if value else 'no'}']")
        elif question.kind == "leg":
            page.check(f"input[name='{question.id}'][value='{value}']")
        elif question.kind == "date":
            page.fill(f"input[name='{question.id}']", value.isoformat())
        else:
            page.fill(f"input[name='{question.id}']", str(value))


def fill_contact(
    page, first="Alex", last="Example", email="alex.example@example.test", phone="07700 900123"
):
    page.fill("input[name='first_name']", first)
    page.fill("input[name='last_name']", last)
    if email is not None:
        page.fill("input[name='email']", email)
    if phone is not None:
        page.fill("input[name='phone']", phone)
