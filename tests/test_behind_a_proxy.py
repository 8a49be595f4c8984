"""Behind a proxy: the client's address comes from X-Forwarded-For only as far as
DJANGO_TRUSTED_PROXY_COUNT proxies vouch for it, for the intake rate limit, the sign-in lockout
and the audit alike; with the default 0 the header is ignored (anyone can send it)."""

import datetime
import urllib.request

import pytest
import time_machine
from django.test import Client, RequestFactory

from clinic import roles
from clinic.client_address import client_ip
from clinic.models import AuditEntry
from intake.models import IntakeResponse

from .accounts import sign_in
from .factories import PASSWORD, form_data, staff
from .test_sign_in_http import Browser

PROXY = "10.0.0.5"  # the TLS proxy, as the app sees it
A_MONDAY_MORNING = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)


def address(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_with_no_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address("203.0.113.9") == PROXY
    assert address() == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # Entries left of what our proxy appended were written by the client: not believed.
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (1, "2001:db8::7", "2001:db8::7"),
        # Shorter than the proxies configured: the request came round one; its leftmost entry.
        (2, "203.0.113.9", "203.0.113.9"),
        # No header (a health check from inside), or garbage: the connection's own address.
        (1, None, PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "203.0.113.9, <script>", PROXY),
    ],
)
def test_the_client_is_the_entry_the_trusted_proxies_vouch_for(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert address(forwarded) == expected


def post_questionnaire(client, n, forwarded):
    contact = {"email": f"patient{n}@example.test", "phone": f"07700 90012{n}"}
    return client.post(
        "/intake/", form_data(contact), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
    )


@pytest.mark.django_db
def test_behind_the_proxy_each_patient_has_their_own_intake_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.INTAKE_RATE = "1/m"
    with time_machine.travel(A_MONDAY_MORNING, tick=False):
        assert post_questionnaire(client, 1, "203.0.113.9").status_code == 302
        assert post_questionnaire(client, 2, "203.0.113.10").status_code == 302
        # The same patient again: limited, whatever they put in front of the header.
        assert post_questionnaire(client, 3, "198.51.100.1, 203.0.113.9").status_code == 429
    assert IntakeResponse.objects.count() == 2


@pytest.mark.django_db
def test_with_no_trusted_proxy_a_forged_header_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.INTAKE_RATE = "1/m"
    with time_machine.travel(A_MONDAY_MORNING, tick=False):
        assert post_questionnaire(client, 1, "203.0.113.9").status_code == 302
        assert post_questionnaire(client, 2, "203.0.113.10").status_code == 429
    assert IntakeResponse.objects.count() == 1


@pytest.mark.django_db
def test_the_sign_in_lockout_counts_per_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    staff(roles.RECEPTION, username="pat")
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.7")
    for n in range(settings.SIGNIN_FAILURES_PER_ADDRESS):
        sign_in(attacker, f"guess{n}", "not-the-password")
    lockout = AuditEntry.objects.get(action="lockout", what="address")
    assert lockout.ip == "192.0.2.7"
    # A colleague behind the same proxy is not locked out with the attacker.
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert sign_in(colleague, "pat", PASSWORD).status_code == 302
    assert AuditEntry.objects.get(action="signin").ip == "198.51.100.3"


@pytest.mark.django_db(transaction=True)
def test_over_http_the_audit_records_the_forwarded_client_not_a_forged_one(live_server, settings):
    staff(roles.RECEPTION, username="pat")
    browser = Browser(live_server.url)

    class Proxy(urllib.request.BaseHandler):
        """What a TLS proxy adds to each request it passes on, after the client's own header."""

        def http_request(self, request):
            request.add_unredirected_header("X-Forwarded-For", "198.51.100.1, 203.0.113.9")
            return request

    browser.opener.add_handler(Proxy())
    settings.TRUSTED_PROXY_COUNT = 1
    assert browser.sign_in("pat")[0] == 302
    assert AuditEntry.objects.get(action="signin").ip == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 0
    browser.request("/accounts/")
    token = browser.csrf("/accounts/")
    browser.request("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert AuditEntry.objects.get(action="signout").ip == "127.0.0.1"


def test_production_believes_x_forwarded_proto_only_from_a_trusted_proxy():
    from .test_settings import DEPLOYMENT, manage, secret_key

    probe = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    alone = manage("shell", "-c", probe, DJANGO_SECRET_KEY=secret_key(), **DEPLOYMENT)
    assert alone.stdout.strip().splitlines()[-1] == "None", alone.stderr
    behind = manage(
        "shell",
        "-c",
        probe,
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_TRUSTED_PROXY_COUNT="1",
        **DEPLOYMENT,
    )
    assert behind.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')", (
        behind.stderr
    )
