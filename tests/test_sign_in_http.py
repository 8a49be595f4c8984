"""Sign-in over real HTTP (a live server, urllib, a cookie jar): the session cookie, a huge
multipart post refused unread, sign out everywhere reaching another browser's cookie."""

import http.client
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from clinic import roles

from .factories import PASSWORD, staff
from .realservices import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """Cookies kept, redirects not followed: each answer is looked at as the server sent it."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (http://)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def csrf(self, path):
        _, _, page = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def sign_in(self, username, password=PASSWORD):
        token = self.csrf("/accounts/login/")
        return self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": username, "password": password},
        )

    def cookie(self, name):
        return next((c for c in self.jar if c.name == name), None)


def test_signing_in_sets_a_browser_session_cookie_only_scripts_cannot_read(live_server):
    staff(roles.RECEPTION, username="pat")
    browser = Browser(live_server.url)
    status, headers, _ = browser.sign_in("pat")
    assert status == 302
    assert headers["Location"] == "/enquiries/"  # reception lands on their enquiries
    cookie = browser.cookie("sessionid")
    assert cookie is not None
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.expires is None  # ends with the browser; the server ends it after 8 h at most
    assert browser.request("/enquiries/new/")[0] == 200


def test_sign_out_everywhere_reaches_the_other_browser(live_server):
    staff(roles.RECEPTION, username="pat")
    laptop, phone = Browser(live_server.url), Browser(live_server.url)
    laptop.sign_in("pat")
    phone.sign_in("pat")
    assert phone.request("/enquiries/new/")[0] == 200
    token = laptop.csrf("/accounts/")
    status, headers, _ = laptop.request(
        "/accounts/sign-out-everywhere/", {"csrfmiddlewaretoken": token}
    )
    assert (status, headers["Location"]) == (302, "/accounts/login/")
    for browser in (laptop, phone):
        status, headers, _ = browser.request("/enquiries/new/")
        assert status == 302
        assert headers["Location"].startswith("/accounts/login/?next=")


@pytest.fixture
def gunicorn():
    """The production web server, with the test settings: the refusal happens before any
    database or session work, so it needs neither."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings.test"}
    server = subprocess.Popen(
        [GUNICORN, "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_50_mb_multipart_post_to_the_sign_in_page_is_refused_unread(gunicorn):
    boundary = "----clinic-test-boundary"
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    started = time.monotonic()
    connection.putrequest("POST", "/accounts/login/")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(50 * 1024 * 1024))
    connection.endheaders()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    connection.send(head + b"\0" * 64 * 1024)  # a start; the answer comes without the rest
    response = connection.getresponse()
    body = response.read().decode()
    elapsed = time.monotonic() - started
    connection.close()
    assert response.status == 413
    assert "more than this page accepts" in body
    assert elapsed < 10
