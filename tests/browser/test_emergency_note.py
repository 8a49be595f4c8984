"""Ticking an answer that fires an emergency rule shows the A&E instruction beside it at once,
before anything is sent (static/js/intake.js, answers from rules.emergency_triggers); without
the script the server path does the same on submission (tests/test_emergency_wins.py). Every
page is checked with axe-core, the instruction included."""

from tests.browser.questionnaire import fill_contact, fill_questionnaire


def note_beside(page, question_id):
    return page.locator(f"#div_id_{question_id} [data-emergency-note]")


def test_ticking_an_emergency_answer_shows_the_instruction_beside_it(phone):
    page = phone.new()
    page.goto("/intake/")
    assert note_beside(page, "bladder_change").count() == 0
    page.check("input[name='bladder_change'][value='yes']")
    note = note_beside(page, "bladder_change")
    note.wait_for()
    assert "Go to A&E now or call 999" in note.inner_text()
    assert note.get_attribute("role") == "alert"
    phone.check(page, "questionnaire with an emergency answer ticked")
    page.check("input[name='bladder_change'][value='no']")  # the instruction goes
    assert note_beside(page, "bladder_change").count() == 0


def test_a_pair_of_answers_that_fires_together_shows_it_on_both(desktop):
    page = desktop.new()
    page.goto("/intake/")
    page.check("input[name='leg_weakness'][value='one']")
    assert note_beside(page, "leg_weakness").count() == 0  # one weak leg alone: urgent
    page.check("input[name='weakness_worsening'][value='yes']")  # getting worse: emergency
    note_beside(page, "weakness_worsening").wait_for()
    assert note_beside(page, "leg_weakness").count() == 1


def test_age_decides_with_the_rules_own_threshold_and_the_date_is_shown_back(desktop):
    page = desktop.new()
    page.goto("/intake/")
    page.check("input[name='abdominal_pain_or_fainting'][value='yes']")
    assert note_beside(page, "abdominal_pain_or_fainting").count() == 0  # no age yet
    page.fill("#id_date_of_birth", "1950-01-01")
    page.locator("#id_date_of_birth").dispatch_event("change")
    note_beside(page, "abdominal_pain_or_fainting").wait_for()
    assert "You were born on 1 January 1950" in page.inner_text("#div_id_date_of_birth")


def test_a_mistyped_email_with_an_emergency_puts_a_and_e_first_on_a_phone(phone, practitioner):
    from intake.models import Case
    from tests.factories import alert_emails

    page = phone.new()
    page.goto("/intake/")
    fill_contact(page, email="alex.example@example")
    fill_questionnaire(page, saddle_numbness=True)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "Go to A&E now or call 999" in page.locator("main h1").first.inner_text()
    phone.check(page, "questionnaire sent back with an emergency recorded")
    assert alert_emails().filter(case=Case.objects.get()).count() == 1


def test_reception_sees_the_instruction_to_tell_the_patient(desktop, reception):
    page = desktop.new(user=reception)
    page.goto("/enquiries/new/")
    desktop.check(page, "new enquiry")
    page.get_by_text("Fill in the questionnaire now, with the patient").click()
    page.check("input[name='saddle_numbness'][value='yes']")
    note = note_beside(page, "saddle_numbness")
    note.wait_for()
    assert "Tell the patient now" in note.inner_text()
    desktop.check(page, "new enquiry with an emergency answer ticked")


def test_clinic_admins_set_the_hours(desktop, clinic_admin):
    page = desktop.new(user=clinic_admin)
    page.goto("/staff/hours/")
    desktop.check(page, "clinic hours")
    page.uncheck("#id_open_2")
    page.get_by_role("button", name="Save opening hours").click()
    page.wait_for_load_state()
    assert "Saved." in page.inner_text("main")
