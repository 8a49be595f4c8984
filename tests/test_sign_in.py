"""Signing in: throttled per account and per address with one message for everyone, lockouts
audited and undone by a clinic admin, small bodies only, no emailed reset, no Django admin."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from clinic import roles
from clinic.models import AuditEntry

from .accounts import sign_in
from .factories import PASSWORD, staff

pytestmark = pytest.mark.django_db

WRONG = "Wrong username or password."
LOCKED = "Too many failed sign-ins for this username or from this address."


def signed_in(client):
    return client.get(reverse("enquiry_new")).status_code == 200


def fail(client, username, times, **extra):
    for _ in range(times):
        response = sign_in(client, username, "not-the-password", **extra)
        assert response.status_code == 200


def test_sign_in_and_out_are_audited(client):
    pat = staff(roles.RECEPTION, username="pat")
    assert sign_in(client, "pat").status_code == 302
    assert signed_in(client)
    client.post(reverse("account_logout"))
    assert not signed_in(client)
    rows = AuditEntry.objects.filter(object_type="user", object_id=pat.pk).order_by("pk")
    assert [(r.action, r.actor) for r in rows] == [("signin", pat), ("signout", pat)]
    assert all(r.ip == "127.0.0.1" for r in rows)


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        (roles.PRACTITIONER, "triage_queue"),
        (roles.CLINIC_ADMIN, "triage_queue"),
        (roles.RECEPTION, "enquiry_list"),
    ],
)
def test_each_role_lands_on_its_work_after_signing_in(client, role, lands_on):
    staff(role, username="pat")
    response = sign_in(client, "pat")
    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)
    # The start page sends a signed-in person to the same place, never to a list of links.
    assert client.get(reverse("home"))["Location"] == reverse(lands_on)
    page = client.get(reverse(lands_on)).content.decode()
    if role == roles.RECEPTION:
        assert f'href="{reverse("enquiry_new")}"' in page  # a new enquiry is one click away
    assert "Hello" not in page


def test_a_next_link_still_wins_over_the_landing_page(client):
    staff(roles.PRACTITIONER, username="pat")
    response = client.post(
        reverse("account_login") + "?next=/followups/", {"login": "pat", "password": PASSWORD}
    )
    assert response["Location"] == "/followups/"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(client):
    staff(roles.RECEPTION, username="pat")
    wrong = sign_in(client, "pat", "not-the-password")
    unknown = sign_in(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.content.decode()
    assert WRONG in unknown.content.decode()
    errors = [r.context["form"].non_field_errors() for r in (wrong, unknown)]
    assert errors[0] == errors[1]


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the hashes it computes."""

    algorithm = "counting_md5"
    computed = 0

    def encode(self, password, salt):
        CountingHasher.computed += 1
        return super().encode(password, salt).replace("md5$", "counting_md5$", 1)

    def verify(self, password, encoded):
        return self.encode(password, encoded.split("$")[1]) == encoded


def test_an_unknown_name_costs_the_same_password_hash_as_a_known_one(client, settings):
    # Timing: both paths compute exactly one password hash, so neither answers faster.
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    staff(roles.RECEPTION, username="pat")
    CountingHasher.computed = 0
    sign_in(client, "pat", "not-the-password")
    known = CountingHasher.computed
    CountingHasher.computed = 0
    sign_in(client, "nobody-here", "not-the-password")
    assert known == CountingHasher.computed == 1


def test_five_failures_lock_the_account_even_against_the_right_password(client, settings):
    pat = staff(roles.RECEPTION, username="pat")
    fail(client, "pat", settings.SIGNIN_FAILURES_PER_ACCOUNT)
    refused = sign_in(client, "pat")
    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert not signed_in(client)
    failures = AuditEntry.objects.filter(action="signinfail", object_id=pat.pk)
    assert failures.count() == settings.SIGNIN_FAILURES_PER_ACCOUNT
    lockout = AuditEntry.objects.get(action="lockout")
    assert (lockout.what, lockout.object_id, lockout.ip) == ("account", pat.pk, "127.0.0.1")
    # Other accounts from the same address are not affected.
    staff(roles.RECEPTION, username="sam")
    assert sign_in(client, "sam").status_code == 302


def test_an_unknown_name_is_locked_with_the_same_words(client, settings):
    fail(client, "nobody-here", settings.SIGNIN_FAILURES_PER_ACCOUNT)
    refused = sign_in(client, "nobody-here")
    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert AuditEntry.objects.get(action="lockout").object_id is None


def test_a_lockout_is_audited_once_however_many_attempts_follow(client, settings):
    fail(client, "pat", settings.SIGNIN_FAILURES_PER_ACCOUNT + 10)
    assert AuditEntry.objects.filter(action="lockout").count() == 1


def test_another_host_header_does_not_reset_the_account_count(client, settings):
    staff(roles.RECEPTION, username="pat")
    settings.ALLOWED_HOSTS = ["testserver", "clinic.example.test"]
    hosts = ["testserver", "testserver:8000", "clinic.example.test", "clinic.example.test:1"]
    for host in hosts:
        fail(client, "pat", 2, HTTP_HOST=host)
    assert LOCKED in sign_in(client, "pat", HTTP_HOST="clinic.example.test:2").content.decode()


def test_an_address_is_locked_after_many_failures_on_any_names(settings):
    staff(roles.RECEPTION, username="pat")
    attacker = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(settings.SIGNIN_FAILURES_PER_ADDRESS):
        sign_in(attacker, f"guess{n}", "not-the-password")
    assert LOCKED in sign_in(attacker, "pat").content.decode()
    lockout = AuditEntry.objects.get(action="lockout", what="address")
    assert lockout.ip == "192.0.2.7"
    colleague = Client(REMOTE_ADDR="198.51.100.3")
    assert sign_in(colleague, "pat").status_code == 302


def test_a_clinic_admin_unlocks_an_account(admin_client_, clinic_admin, settings):
    pat = staff(roles.RECEPTION, username="pat")
    client = Client()
    fail(client, "pat", settings.SIGNIN_FAILURES_PER_ACCOUNT)
    page = admin_client_.get(reverse("staff_accounts")).content.decode()
    assert "Locked" in page
    response = admin_client_.post(reverse("staff_account_action", args=[pat.pk, "unlock"]))
    assert response.status_code == 302
    assert sign_in(client, "pat").status_code == 302
    unlocked = AuditEntry.objects.get(action="account", what="unlocked")
    assert (unlocked.actor, unlocked.object_id) == (clinic_admin, pat.pk)


def test_a_clinic_admin_unlocks_an_address(admin_client_, settings):
    staff(roles.RECEPTION, username="pat")
    attacker = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(settings.SIGNIN_FAILURES_PER_ADDRESS):
        sign_in(attacker, f"guess{n}", "not-the-password")
    page = admin_client_.get(reverse("staff_accounts")).content.decode()
    assert "Unlock 192.0.2.7" in page
    admin_client_.post(reverse("staff_unlock_address"), {"address": "192.0.2.7"})
    assert sign_in(attacker, "pat").status_code == 302
    assert AuditEntry.objects.filter(object_type="address", what="unlocked 192.0.2.7").exists()


def test_a_failed_sign_in_never_stores_what_was_typed(client):
    typed = "correct-horse-typed-in-the-wrong-box"
    sign_in(client, typed, "another-secret-value")
    row = AuditEntry.objects.get(action="signinfail")
    assert row.object_id is None
    for entry in AuditEntry.objects.all():
        assert typed not in str(entry.__dict__)
        assert "another-secret-value" not in str(entry.__dict__)


@pytest.mark.parametrize("path", ["account_login", "mfa_authenticate", "account_reauthenticate"])
def test_large_bodies_to_the_sign_in_pages_are_refused(client, path, settings):
    big = {"login": "pat", "password": "x" * (settings.SIGNIN_MAX_BODY_BYTES + 1)}
    assert client.post(reverse(path), big).status_code == 413


def test_a_large_multipart_upload_to_the_sign_in_page_is_refused(client):
    upload = {
        "login": "pat",
        "password": PASSWORD,
        "file": SimpleUploadedFile("big.bin", b"\0" * 200_000),
    }
    response = client.post(reverse("account_login"), upload)
    assert response.status_code == 413
    assert "more than this page accepts" in response.content.decode()


def test_an_ordinary_sign_in_fits(client):
    staff(roles.RECEPTION, username="pat")
    assert sign_in(client, "pat").status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/accounts/password_reset/", "/accounts/password/reset/", "/accounts/signup/", "/admin/"],
)
def test_no_emailed_reset_no_sign_up_and_no_django_admin(client, path):
    assert client.get(path).status_code == 404


def test_the_sign_in_page_says_who_resets_a_password(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Ask a clinic admin" in page
