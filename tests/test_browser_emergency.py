"""The questionnaire in a real browser (Debian's Chromium driven by Playwright): ticking an answer
that fires an emergency rule shows the A&E instruction beside it at once, before anything is
sent; without the script the server path does the same on submission (test_emergency_wins)."""

import os
import shutil
from contextlib import contextmanager

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls that fixtures make
    # here are still synchronous. Only while these tests run: subprocesses of other tests
    # (manage.py check --deploy) must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with launched() as browser:
            yield browser
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@contextmanager
def launched():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def note_beside(page, question_id):
    return page.locator(f"#div_id_{question_id} [data-emergency-note]")


def test_ticking_an_emergency_answer_shows_the_instruction_beside_it(page):
    page.goto("/intake/")
    assert note_beside(page, "bladder_change").count() == 0
    page.check("#id_bladder_change_0")  # yes
    note = note_beside(page, "bladder_change")
    note.wait_for(timeout=5000)
    assert "Go to A&E now or call 999" in note.inner_text()
    assert note.get_attribute("role") == "alert"
    page.check("#id_bladder_change_1")  # no: the instruction goes
    assert note_beside(page, "bladder_change").count() == 0


def test_a_pair_of_answers_that_fires_together_shows_it_on_both(page):
    page.goto("/intake/")
    page.check("#id_leg_weakness_1")  # one leg
    assert note_beside(page, "leg_weakness").count() == 0  # weakness in one leg: urgent only
    page.check("#id_weakness_worsening_0")  # getting worse: emergency
    note_beside(page, "weakness_worsening").wait_for(timeout=5000)
    assert note_beside(page, "leg_weakness").count() == 1


def test_age_decides_with_the_rules_thresholds(page):
    page.goto("/intake/")
    page.check("#id_abdominal_pain_or_fainting_0")
    assert note_beside(page, "abdominal_pain_or_fainting").count() == 0  # no age yet
    page.fill("#id_date_of_birth", "1950-01-01")
    page.locator("#id_date_of_birth").dispatch_event("change")
    note_beside(page, "abdominal_pain_or_fainting").wait_for(timeout=5000)
    assert "You were born on 1 January 1950" in page.inner_text("#div_id_date_of_birth")


def test_reception_sees_the_instruction_for_the_patient(page, live_server, reception):
    from django.conf import settings

    page.goto("/accounts/login/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", "correct-horse-battery-staple")
    page.click("main form button")
    page.wait_for_url("**/")
    page.goto("/enquiries/new/")
    page.click("summary")
    page.check("#id_saddle_numbness_0")
    note = note_beside(page, "saddle_numbness")
    note.wait_for(timeout=5000)
    assert "Tell the patient now" in note.inner_text()
    assert settings.CLINIC_NAME in page.title()
