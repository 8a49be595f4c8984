"""Retake the README's screenshots from a running `make run` (its demo data and logins).

    make run                                   # in one terminal
    .venv/bin/python docs/screenshots/take.py  # in another; PORT or a URL as the argument

Debian's Chromium through Playwright, as in the browser tests (no browser is downloaded); the
demo password is read from DEMO_PASSWORD or var/demo-password, as seed_demo keeps it. Each PNG
is written beside this file, at phone (390x844) or desktop (1366x900) width.
"""

import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or (ROOT / "var" / "demo-password").read_text().strip()


def signed_in(browser, base, device, username):
    context = browser.new_context(**device, base_url=base, locale="en-GB")
    page = context.new_page()
    if username:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo_password())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    return page


def shoot(page, name, full_page=False):
    path = HERE / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    print(f"  {path.relative_to(ROOT)}")


def main(base):
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])

        page = signed_in(browser, base, DESKTOP, "practitioner")
        page.goto("/triage/")
        shoot(page, "triage-desktop")
        first = page.locator("#pinned tr[data-case] a").first
        first.click()
        page.wait_for_load_state()
        shoot(page, "case-desktop")

        page = signed_in(browser, base, PHONE, "practitioner")
        page.goto("/triage/")
        shoot(page, "triage-phone")

        page = signed_in(browser, base, DESKTOP, "admin")
        page.goto("/overview/")
        shoot(page, "overview-desktop", full_page=True)

        page = signed_in(browser, base, DESKTOP, "reception")
        page.goto("/enquiries/new/")
        page.get_by_text("Fill in the questionnaire now, with the patient").click()
        page.check("input[name='saddle_numbness'][value='yes']")
        page.locator("[data-emergency-note]").first.scroll_into_view_if_needed()
        shoot(page, "reception-emergency-desktop")

        page = signed_in(browser, base, PHONE, None)
        page.goto("/intake/")
        shoot(page, "questionnaire-phone")
        page.check("input[name='bladder_change'][value='yes']")
        note = page.locator("[data-emergency-note]").first
        note.wait_for()
        note.scroll_into_view_if_needed()
        shoot(page, "questionnaire-emergency-phone")
        browser.close()


if __name__ == "__main__":
    argument = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000")
    main(argument if "://" in argument else f"http://127.0.0.1:{argument}")
