"""Sessions: signed out after SESSION_IDLE_MINUTES idle and SESSION_LIFETIME_HOURS whatever
happens; ended everywhere on a password change, a second-factor reset, a closed account or a
role change; "sign out everywhere"."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.models import AuditEntry

from .accounts import sign_in
from .factories import PASSWORD, staff

pytestmark = pytest.mark.django_db

PAGE = "enquiry_new"
BACKGROUND = {"HTTP_SEC_FETCH_DEST": "empty", "HTTP_SEC_FETCH_MODE": "cors"}


def opens(client, **headers):
    return client.get(reverse(PAGE), **headers).status_code == 200


def at(start, **delta):
    return time_machine.travel(start + datetime.timedelta(**delta), tick=False)


@pytest.fixture
def start():
    return timezone.now()


def boss_acting(boss, pat, action, data=None):
    """A clinic admin's action on the staff page, as `boss`, from a browser of their own."""
    admin = Client()
    admin.force_login(boss)
    return admin.post(reverse("staff_account_action", args=[pat.pk, action]), data or {})


def signed_in_client(start, username="pat"):
    staff(roles.RECEPTION, username=username)
    client = Client()
    with at(start):
        assert sign_in(client, username).status_code == 302
    return client


def test_idle_for_the_limit_signs_out_with_a_message(start, settings):
    client = signed_in_client(start)
    with at(start, minutes=settings.SESSION_IDLE_MINUTES - 1):
        assert opens(client)
    with at(start, minutes=2 * settings.SESSION_IDLE_MINUTES - 2):
        assert opens(client)  # activity renewed the clock
    with at(start, minutes=3 * settings.SESSION_IDLE_MINUTES - 1):
        response = client.get(reverse(PAGE))
        assert response["Location"].startswith(reverse("account_login"))
        page = client.get(response["Location"]).content.decode()
    assert f"signed out after {settings.SESSION_IDLE_MINUTES} minutes without activity" in page
    row = AuditEntry.objects.get(action="signout")
    assert row.what == "idle timeout"


def test_the_idle_limit_is_a_setting(start, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = signed_in_client(start)
    with at(start, minutes=6):
        assert not opens(client)


def test_a_background_refresh_does_not_keep_a_session_alive(start, settings):
    client = signed_in_client(start)
    with at(start, minutes=settings.SESSION_IDLE_MINUTES - 2):
        assert opens(client, **BACKGROUND)
    with at(start, minutes=settings.SESSION_IDLE_MINUTES + 1):
        assert not opens(client, **BACKGROUND)


def test_a_session_ends_after_its_lifetime_however_busy(start, settings):
    client = signed_in_client(start)
    minutes = 0
    while minutes + 20 < settings.SESSION_LIFETIME_HOURS * 60:
        minutes += 20
        with at(start, minutes=minutes):
            assert opens(client)
    with at(start, hours=settings.SESSION_LIFETIME_HOURS, minutes=1):
        assert not opens(client)
    assert AuditEntry.objects.get(action="signout").what == "session lifetime"


def test_sign_out_everywhere_ends_every_session_of_mine(start):
    laptop = signed_in_client(start)
    phone = Client()
    other = signed_in_client(start, username="sam")
    with at(start, minutes=1):
        sign_in(phone, "pat")
        response = laptop.post(reverse("sign_out_everywhere"))
        assert response["Location"] == reverse("account_login")
        assert not opens(laptop)
        assert not opens(phone)
        assert opens(other)  # a colleague is not affected
    assert AuditEntry.objects.filter(action="account", what__contains="everywhere").exists()


def test_your_account_lists_where_you_are_signed_in(start):
    laptop = signed_in_client(start)
    phone = Client(HTTP_USER_AGENT="Phone browser")
    with at(start, minutes=1):
        sign_in(phone, "pat")
        page = laptop.get(reverse("account_security")).content.decode()
    assert "Phone browser" in page
    assert "This device" in page
    assert "Sign out everywhere" in page


def test_changing_my_password_ends_my_other_sessions_but_not_this_one(start):
    laptop = signed_in_client(start)
    phone = Client()
    with at(start, minutes=1):
        sign_in(phone, "pat")
        new = "a-new-long-passphrase-42"
        response = laptop.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        assert response.status_code == 302, response.content.decode()
        assert opens(laptop)
        assert not opens(phone)
        assert sign_in(Client(), "pat", new).status_code == 302


def test_a_clinic_admin_sets_a_new_password_shown_once_and_ending_their_sessions(start):
    pat = staff(roles.PRACTITIONER, username="colleague")
    pat_client = Client()
    boss = staff(roles.CLINIC_ADMIN, username="boss")
    admin = Client()
    with at(start, minutes=1):
        sign_in(pat_client, "colleague")
        admin.force_login(boss)
        page = admin.post(reverse("staff_account_action", args=[pat.pk, "password"]))
        password = page.context["password"]
        assert password in page.content.decode()
        assert page["Cache-Control"].startswith("max-age=0")
        assert not opens(pat_client)
        assert sign_in(Client(), "colleague", PASSWORD).status_code == 200  # old one is gone
        assert sign_in(Client(), "colleague", password).status_code == 302
    row = AuditEntry.objects.get(action="account", what="password set")
    assert (row.actor, row.object_id) == (boss, pat.pk)


def test_closing_an_account_ends_its_sessions_and_its_sign_in(start):
    pat_client = signed_in_client(start)
    pat = get_user_model().objects.get(username="pat")
    boss = staff(roles.CLINIC_ADMIN, username="boss")
    with at(start, minutes=1):
        boss_acting(boss, pat, "close")
        assert not opens(pat_client)
        response = sign_in(Client(), "pat")
        assert response["Location"] == reverse("account_inactive")
        reopened = boss_acting(boss, pat, "reopen")
        assert reopened.status_code == 302
        assert sign_in(Client(), "pat").status_code == 302
    assert AuditEntry.objects.filter(action="account", what="closed", actor=boss).exists()


def test_a_clinic_admin_cannot_close_their_own_account(admin_client_, clinic_admin):
    admin_client_.post(reverse("staff_account_action", args=[clinic_admin.pk, "close"]))
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_active


def test_a_role_change_ends_their_sessions(start):
    pat_client = signed_in_client(start)
    pat = get_user_model().objects.get(username="pat")
    boss = staff(roles.CLINIC_ADMIN, username="boss")
    with at(start, minutes=1):
        boss_acting(boss, pat, "role", {"role": "practitioner"})
        assert not opens(pat_client)
        assert sign_in(pat_client, "pat").status_code == 302
        assert pat_client.get(reverse("triage_queue")).status_code == 200
    assert AuditEntry.objects.filter(action="account", what="role: practitioner").exists()
