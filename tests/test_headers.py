"""Security headers over real HTTP (a live server and urllib): the Content-Security-Policy allows
no inline script or style and no framing, the Permissions-Policy turns powerful features off,
and no template carries what the policy would block."""

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clinic import roles
from intake.services import Contact, record_enquiry
from tests.factories import answers, staff

from .test_sign_in_http import Browser

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def policy(header):
    """{"script-src": ["'self'", ...], ...} from a Content-Security-Policy header."""
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (http://)
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.parametrize(
    "path",
    ["/", "/intake/", "/accounts/login/", "/no-such-page/"],
)
def test_every_answer_carries_a_policy_without_inline_code_or_framing(live_server, path):
    status, headers, _ = get(live_server.url + path)
    assert status in (200, 404)
    csp = policy(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert csp["style-src"] == ["'self'"]
    for directive in csp.values():
        assert "'unsafe-inline'" not in directive
        assert "'unsafe-eval'" not in directive
        assert "*" not in directive
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_permissions_policy_turns_off_powerful_features_but_keeps_passkeys(live_server):
    _, headers, _ = get(live_server.url + "/accounts/login/")
    features = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()"
    # The second factor's passkeys and security keys work on the app's own pages.
    assert features["publickey-credentials-get"] == "(self)"
    assert features["publickey-credentials-create"] == "(self)"


def test_the_queue_script_carries_the_nonce_the_policy_names(live_server):
    record_enquiry(
        contact=Contact("Noor", "Example", "noor@example.test", "07700 900444"),
        source="web",
        answers=answers(),
    )
    staff(roles.PRACTITIONER, username="sam")
    browser = Browser(live_server.url)
    assert browser.sign_in("sam")[0] == 302
    status, headers, page = browser.request("/triage/")
    assert status == 200
    nonces = [v for v in policy(headers["Content-Security-Policy"])["script-src"] if "nonce" in v]
    assert len(nonces) == 1
    nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
    assert len(nonce) >= 16
    assert f'src="/static/js/queue.js" nonce="{nonce}"' in page
    # A fresh nonce for every answer.
    _, again, _ = browser.request("/triage/")
    assert nonce not in again["Content-Security-Policy"]


INLINE_STYLE = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def served_templates():
    """Every template that renders a page (emails are not pages: mail clients need their
    styles inline, and no Content-Security-Policy applies to them)."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "emails" not in path.relative_to(ROOT / "templates").parts:
            yield path


def test_no_page_template_holds_what_the_policy_blocks():
    found = []
    for path in served_templates():
        text = path.read_text()
        name = path.relative_to(ROOT)
        found += [f"{name}: style attribute" for _ in INLINE_STYLE.findall(text)]
        found += [f"{name}: <style> element" for _ in STYLE_ELEMENT.findall(text)]
        found += [f"{name}: on*= handler" for _ in EVENT_HANDLER.findall(text)]
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and "application/json" not in attributes:
                found.append(f"{name}: inline <script>")
    assert found == []
    assert len(list(served_templates())) > 50  # the scan saw the templates
