"""Patient data stays out of URLs and access logs: the triage search posts, and its URL carries
an opaque token; gunicorn's access log has no query strings."""

import http.client
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intake import search
from intake.services import Contact, record_enquiry

from .factories import answers, roles, staff
from .realservices import free_port, wait_for

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Zoë Quill", "zoe.quill@example.test", "07700 900999"
SECRETS = ("quill", "zoë", "zo%c3%ab", "zoe.quill", "900999", "900+999", "900%20999")
# What a queue URL may carry: the filters, and two opaque tokens (the search, the page cursor).
FILTERS = {"tier", "status", "assigned", "source", "opened_from", "opened_to"}


def zoe_and_others():
    zoe = record_enquiry(
        contact=Contact("Zoë", "Quill", EMAIL, PHONE), source="web", answers=answers()
    ).case
    for n in range(60):  # more than a page, so there is a next page
        record_enquiry(
            contact=Contact("Zoë", f"Quill{n}", f"zq{n}@example.test", f"07700 901{n:03d}"),
            source="web",
            answers=answers(),
        )
    record_enquiry(contact=Contact("Sam", "Sample", "sam@example.test"), source="web")
    return zoe


def carries_no_patient_data(text: str) -> bool:
    return not any(secret in text.lower() for secret in SECRETS)


def url_carries_no_patient_data(url: str) -> bool:
    """Only filters and tokens in the query; no filter value holds the patient's details."""
    query = parse_qs(urlsplit(url.replace("&amp;", "&")).query)
    if not set(query) <= FILTERS | {"search", "after"}:
        return False
    if any(not re.fullmatch(r"[\w:-]+", value) for value in query.get("search", [])):
        return False
    return all(carries_no_patient_data(v) for name in FILTERS for v in query.get(name, []))


@pytest.mark.parametrize("term", [NAME, EMAIL, PHONE])
def test_a_search_opens_a_queue_whose_urls_hold_a_token_not_the_search(practitioner_client, term):
    zoe = zoe_and_others()
    posted = practitioner_client.post(reverse("triage_search"), {"q": term, "source": "web"})
    location = posted["Location"]
    assert url_carries_no_patient_data(location)
    assert re.fullmatch(r"/triage/\?source=web&search=[\w-]{16,}", location)
    page = practitioner_client.get(location).content.decode()
    assert f'data-case="{zoe.pk}"' in page
    assert 'data-case="' in page and "Sam Sample" not in page
    # Every address the page links to keeps the search by its token only.
    links = re.findall(r'(?:href|data-fragment-url)="([^"]*triage[^"]*)"', page)
    assert links
    for link in links:
        assert url_carries_no_patient_data(link), link
    if term == NAME:
        next_page = re.search(r'href="([^"]*after=[^"]*)"', page).group(1).replace("&amp;", "&")
        assert "search=" in next_page
        more = practitioner_client.get(next_page).content.decode()
        assert "Sam Sample" not in more and "Quill" in more


def test_a_search_typed_into_the_url_is_ignored_and_says_why(practitioner_client):
    zoe_and_others()
    page = practitioner_client.get(reverse("triage_queue"), {"q": "Sam"}).content.decode()
    assert "what you search for is never put in a page address" in page
    assert "Zoë Quill" in page  # not filtered
    fragment = re.search(r'data-fragment-url="([^"]+)"', page).group(1)
    assert "Sam" not in fragment


def test_a_search_token_is_only_good_for_the_person_who_searched(practitioner_client):
    zoe_and_others()
    location = practitioner_client.post(reverse("triage_search"), {"q": "Sam"})["Location"]
    other = Client()
    other.force_login(staff(roles.PRACTITIONER))
    page = other.get(location).content.decode()
    assert "That search has expired: search again." in page
    assert "Zoë Quill" in page


def test_with_the_cache_down_searching_says_so_and_the_queue_still_works(
    practitioner_client, settings
):
    zoe_and_others()
    settings.CACHES = {
        **settings.CACHES,  # the page-fragment cache is each process's own memory
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1},
        },
    }
    posted = practitioner_client.post(reverse("triage_search"), {"q": "Sam"})
    page = practitioner_client.get(posted["Location"]).content.decode()
    assert "Search is not available just now" in page
    assert "Zoë Quill" in page


def test_the_search_is_kept_no_longer_than_a_staff_session(practitioner, monkeypatch):
    calls = []
    monkeypatch.setattr(search.cache, "set", lambda *args, **kwargs: calls.append(kwargs))
    search.remember(practitioner, "Sam")
    assert calls == [{"timeout": settings.SESSION_COOKIE_AGE}]


def test_gunicorns_access_log_has_no_query_strings(tmp_path):
    """The real thing: gunicorn with the clinic's settings, asked for URLs with patient data."""
    log = tmp_path / "access.log"
    port = free_port()
    root = Path(settings.BASE_DIR)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings.test"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "clinic.wsgi",
            "--config",
            "python:clinic.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def get(path, **headers):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", path, headers=headers)
                return connection.getresponse().status
            finally:
                connection.close()

        def answers_requests():
            try:
                return get("/robots.txt") == 200
            except OSError:
                return False

        assert wait_for(answers_requests, timeout=30)
        query = "?q=Zo%C3%AB+Quill&email=zoe.quill%40example.test&phone=07700+900999"
        assert get("/robots.txt" + query) == 200
        referer = f"http://127.0.0.1:{port}/triage/{query}"
        assert get("/triage/" + query, Referer=referer) == 302  # to sign in
        assert wait_for(lambda: log.exists() and log.read_text().count("\n") >= 3, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert '"GET /robots.txt HTTP/1.1" 200' in written
    assert '"GET /triage/ HTTP/1.1" 302' in written
    assert carries_no_patient_data(written), written
    assert "?" not in written
