"""The Content-Security-Policy in a real browser: Chromium reports every blocked script, style
or image (a `securitypolicyviolation` event, a console error); the key pages, their scripts and
the second factor's pages (the authenticator app's QR code, a passkey added through allauth's
WebAuthn script and Chromium's virtual authenticator) run without one."""

import pytest
from allauth.mfa.models import Authenticator

from clinic import roles
from intake.services import Contact, record_enquiry
from tests.factories import PASSWORD, answers, staff

# Runs in every document before its own scripts (Playwright injects it past the policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.log("csp-violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


class Violations:
    """Every policy violation the browser reported on a page, across its navigations."""

    def __init__(self, page):
        self.seen = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        text = message.text
        if text.startswith("csp-violation:") or "Content Security Policy" in text:
            self.seen.append(text)


@pytest.fixture
def watched(desktop):
    def open_page(user=None):
        page = desktop.new(user)
        return page, Violations(page)

    return open_page


def test_the_reporting_sees_a_violation_when_there_is_one(watched, live_server):
    page, violations = watched()
    page.goto("/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("true")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in violations.seen), violations.seen


def test_public_pages_and_their_scripts_run_without_a_violation(watched, desktop):
    page, violations = watched()
    page.goto("/")
    page.goto("/intake/")
    # intake.js is running: an emergency answer shows the A&E note beside it at once.
    page.check("input[name='bladder_change'][value='yes']")
    page.locator("#div_id_bladder_change [data-emergency-note]").wait_for()
    page.goto("/accounts/login/")
    page.goto("/no-such-page/")
    assert violations.seen == []


def test_staff_pages_run_without_a_violation(watched, desktop):
    recorded = record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444"),
        source="web",
        answers=answers(bladder_change=True),
    )
    page, violations = watched(staff(roles.CLINIC_ADMIN))
    for path in (
        "/triage/",
        f"/cases/{recorded.case.pk}/",
        f"/patients/{recorded.enquiry.patient_id}/",
        "/enquiries/new/",
        "/followups/",
        "/overview/",
        "/staff/duty/",
        "/staff/accounts/",
        "/staff/outbox/",
        "/staff/audit/",
        "/accounts/",
    ):
        page.goto(path)
        assert page.locator("main").count() == 1
    page.goto("/staff/audit/?action=view")
    desktop.check(page, "audit trail")
    assert violations.seen == []


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_second_factor_pages_and_a_passkey_work_under_the_policy(watched, desktop, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is http://localhost
    user = staff(roles.PRACTITIONER, username="sam")
    page, violations = watched()
    # Chromium's virtual authenticator answers navigator.credentials.create like a security key.
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, "sam")

    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # the password again, before a second factor changes
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url("**/totp/activate/")
    qr = page.locator("img[src^='data:image/svg+xml']")
    qr.wait_for()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")

    page.goto("/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Blue key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=user, type="webauthn").exists()

    # Signing in again: the password, then the passkey through allauth's script at the
    # second-factor stage.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    sign_in(page, "sam")
    page.wait_for_url("**/2fa/authenticate/**")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/2fa/" not in url and "/login/" not in url)
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert violations.seen == []
