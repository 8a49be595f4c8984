"""Browser tests: Debian's Chromium driven by Playwright, axe-core on every page visited.

No browser is downloaded: Playwright launches the Chromium found at $CHROMIUM or
/usr/bin/chromium (`apt-get install chromium`). Pages are served by pytest-django's live
server on loopback, against the same real PostgreSQL database the rest of the suite uses.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
# The WCAG 2.2 A and AA rules of axe-core; a serious or critical finding fails the test.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
REPORT = Path(os.environ.get("AXE_REPORT", "var/axe-report.jsonl"))


def chromium_path() -> str:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail(
            "No Chromium found for the browser tests. Install Debian's: "
            "`apt-get install chromium` (or set CHROMIUM=/path/to/chromium).",
            pytrace=False,
        )
    return candidate


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
    # thread with a running loop unless told that the caller is synchronous here. Only while a
    # browser module runs: subprocesses of other tests must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Pages:
    """Opens pages of the live server for one kind of device, checking each with axe-core."""

    def __init__(self, browser, live_server, device, device_name):
        self.browser = browser
        self.base = live_server.url
        self.device = device
        self.device_name = device_name
        self.contexts = []
        self.findings = []

    def new(self, user=None):
        """A new page (its own cookies), signed in as `user` if given."""
        context = self.browser.new_context(**self.device, base_url=self.base)
        context.set_default_timeout(10_000)
        if user is not None:
            context.add_cookies([self._session_cookie(user)])
        self.contexts.append(context)
        return context.new_page()

    def _session_cookie(self, user):
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": self.base}

    def check(self, page, name=None):
        """Run axe-core on the page as it is now; serious or critical findings fail."""
        results = Axe().run(page, options=AXE_OPTIONS).response
        counts = {}
        for violation in results["violations"]:
            counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(
                violation["nodes"]
            )
        record = {
            "page": name or page.url.removeprefix(self.base),
            "device": self.device_name,
            "counts": counts,
            "rules": sorted({v["id"] for v in results["violations"]}),
        }
        REPORT.parent.mkdir(exist_ok=True)
        with REPORT.open("a") as report:
            report.write(json.dumps(record) + "\n")
        failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not failing, "axe-core found on {} ({}):\n{}".format(
            record["page"],
            self.device_name,
            "\n".join(
                f"- {v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                for v in failing
            ),
        )
        return record

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def phone(browser, live_server, transactional_db):
    pages = Pages(browser, live_server, PHONE, "phone 390x844")
    yield pages
    pages.close()


@pytest.fixture
def desktop(browser, live_server, transactional_db):
    pages = Pages(browser, live_server, DESKTOP, "desktop 1366x900")
    yield pages
    pages.close()


def no_horizontal_scroll(page):
    """True when the page is no wider than the window (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
