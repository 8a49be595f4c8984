"""What axe-core cannot see for itself: a keyboard user's way through the pages (the skip link,
focus kept through the queue's live refresh), the refused sign-in announced, and the contrast of
the edges of form controls and of the focus ring (WCAG 2.2 AA: 2.4.1, 2.4.3, 2.4.7, 4.1.3,
1.4.11)."""

from intake.services import Contact, record_enquiry
from tests.factories import PASSWORD, answers

# The contrast ratio of two CSS colours (WCAG's relative luminance), composited on white.
CONTRAST = """([a, b]) => {
  const rgb = (css) => {
    const probe = document.createElement("div");
    probe.style.color = css;
    document.body.appendChild(probe);
    const parts = getComputedStyle(probe).color.match(/[\\d.]+/g).map(Number);
    probe.remove();
    const alpha = parts.length > 3 ? parts[3] : 1;
    return parts.slice(0, 3).map((c) => c * alpha + 255 * (1 - alpha));
  };
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [la, lb] = [lum(rgb(a)), lum(rgb(b))];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}"""


def emergency(name):
    return record_enquiry(
        contact=Contact(name, "Example", f"{name.lower()}@example.test", "07700 900123"),
        source="web",
        answers=answers(bladder_change=True),
    ).case


def test_the_first_tab_reaches_a_skip_link_to_the_main_content(desktop, practitioner):
    page = desktop.new(practitioner)
    page.goto("/triage/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the main content"
    assert skip.is_visible()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the page's work, not the menu
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
    desktop.check(page, "triage queue, skip link used")


def test_the_live_refresh_keeps_keyboard_focus_on_the_same_case(desktop, practitioner):
    emergency("Ada")
    second = emergency("Ben")  # not the first row: focus follows the case, not the position
    page = desktop.new(practitioner)
    page.clock.install()  # the queue's 15-second timer runs when the test says
    page.goto("/triage/")
    button = f'tr[data-case="{second.pk}"] button:has-text("Acknowledge")'
    page.focus(button)
    page.evaluate("document.activeElement.dataset.beforeRefresh = 'yes'")
    emergency("Cleo")  # the queue changes meanwhile: a third emergency is pinned
    page.clock.run_for(16_000)
    page.wait_for_function(  # the rows were replaced by the fresh ones
        "() => !document.querySelector('[data-before-refresh]')"
        " && document.querySelectorAll('#pinned [data-case]').length === 3"
    )
    focused = page.evaluate(
        "[document.activeElement.closest('[data-case]')?.dataset.case,"
        " document.activeElement.textContent.trim()]"
    )
    assert focused == [str(second.pk), "Acknowledge"]
    desktop.check(page, "triage queue after a live refresh")


def test_a_refused_sign_in_is_announced(phone, practitioner):
    page = phone.new()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(practitioner.username)
    page.get_by_label("Password").fill(PASSWORD + "-wrong")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "Wrong username or password" in alert.inner_text()
    phone.check(page, "sign-in refused")


def test_form_controls_and_the_focus_ring_stand_out_at_3_to_1(phone):
    page = phone.new()
    page.goto("/intake/")
    radio = page.locator("input[name='bladder_change'][value='yes']")
    border = radio.evaluate("r => getComputedStyle(r).borderTopColor")
    assert page.evaluate(CONTRAST, [border, "#ffffff"]) >= 3
    text_box = page.locator("input[name='first_name']")
    border = text_box.evaluate("r => getComputedStyle(r).borderTopColor")
    assert page.evaluate(CONTRAST, [border, "#ffffff"]) >= 3

    page.keyboard.press("Tab")
    while not page.evaluate("document.activeElement.name === 'bladder_change'"):
        page.keyboard.press("Tab")
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; })()"
    )
    style, width, colour = ring
    assert style == "solid" and width >= 2
    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert page.evaluate(CONTRAST, [colour, body]) >= 3
    assert page.evaluate(CONTRAST, [colour, "#ffffff"]) >= 3
