"""The triage queue and the case page on a phone (390x844) and on a laptop (1366): nothing to
scroll sideways, every action reachable, labels read in full; axe-core on each."""

import pytest

from clinic import roles
from intake.models import Case
from intake.services import Contact, record_enquiry
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import answers, staff

WIDTHS = "({document: document.documentElement.scrollWidth, window: window.innerWidth})"


@pytest.fixture
def cases(transactional_db):
    """An unacknowledged emergency, a soon case whose target was missed, a routine one."""
    emergency = record_enquiry(
        contact=Contact("Rowan", "Example-Longname", "rowan@example.test", "07700 900111"),
        source="web",
        answers=answers(bladder_change=True, leg_symptoms="both", night_pain=True),
    ).case
    missed = record_enquiry(
        contact=Contact("Sam", "Sample", "sam@example.test", "07700 900222"),
        source="phone",
        answers=answers(leg_symptoms="one"),
        logged_by=staff(roles.RECEPTION),
    ).case
    Case.objects.filter(pk=missed.pk).update(
        opened_at=missed.opened_at.replace(year=missed.opened_at.year - 1),
        target_due_at=missed.target_due_at.replace(year=missed.target_due_at.year - 1),
    )
    routine = record_enquiry(
        contact=Contact("Alex", "Example", "alex@example.test"), source="web", answers=answers()
    ).case
    return {"emergency": emergency, "missed": missed, "routine": routine}


def test_the_queue_on_a_phone_has_no_sideways_scroll_and_acknowledge_in_reach(phone, cases):
    page = phone.new(staff(roles.PRACTITIONER))
    page.goto("/triage/")
    widths = page.evaluate(WIDTHS)
    assert widths["document"] <= widths["window"] == 390, widths
    phone.check(page, "triage queue")
    row = page.locator(f'#pinned tr[data-case="{cases["emergency"].pk}"]')
    # The tier badge reads the whole label, not "Em".
    badge = row.locator(".badge.tier-0").first
    assert badge.inner_text() == "Emergency"
    assert badge.evaluate("b => b.scrollWidth <= b.clientWidth")
    button = row.get_by_role("button", name="Acknowledge")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # The staff menu does not push the queue below the fold.
    assert page.locator("h1").bounding_box()["y"] < 150
    button.click()
    page.wait_for_url("**/cases/*/")
    assert Case.objects.get(pk=cases["emergency"].pk).acknowledged_at is not None


def test_the_staff_menu_on_a_phone_opens_and_closes(phone, cases):
    page = phone.new(staff(roles.CLINIC_ADMIN))
    page.goto("/triage/")
    menu = page.get_by_role("button", name="Menu")
    assert page.get_by_role("link", name="Outbox").is_hidden()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Outbox").is_visible()
    phone.check(page, "triage queue, menu open")
    assert no_horizontal_scroll(page)
    menu.click()
    assert page.get_by_role("link", name="Outbox").is_hidden()


def test_the_case_page_on_a_phone_has_no_sideways_scroll_and_every_action(phone, cases):
    page = phone.new(staff(roles.PRACTITIONER))
    page.goto(f"/cases/{cases['emergency'].pk}/")
    widths = page.evaluate(WIDTHS)
    assert widths["document"] <= widths["window"] == 390, widths
    phone.check(page, "case page (emergency)")
    for name in ("Acknowledge", "Move", "Record", "Add note", "Assign", "Change urgency"):
        button = page.get_by_role("button", name=name, exact=True).first
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    page.locator("#id_note_text").fill("Called back, on the way to A&E")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(f"**/cases/{cases['emergency'].pk}/")
    assert "Called back, on the way to A&amp;E" in page.content()


def test_the_queue_at_1366_keeps_the_target_inside_its_column(desktop, cases):
    page = desktop.new(staff(roles.PRACTITIONER))
    page.goto("/triage/")
    assert no_horizontal_scroll(page)
    desktop.check(page, "triage queue")
    row = page.locator(f'tr[data-case="{cases["missed"].pk}"]')
    assert "target missed, was due" in row.inner_text()
    for cell in row.locator("td").all():
        # Nothing spills out of its cell into the next column.
        assert cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1"), cell.inner_text()
