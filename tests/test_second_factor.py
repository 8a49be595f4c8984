"""A second factor for staff (django-allauth's MFA): required for MFA_REQUIRED_ROLES, set up on
first sign-in, asked after the password, reset by a clinic admin, audited."""

import json

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from clinic import roles
from clinic.models import AuditEntry

from .accounts import code_for, later, sign_in
from .factories import PASSWORD, staff
from .softkey import SoftKey

pytestmark = pytest.mark.django_db

REQUIRED = ["practitioner", "clinic_admin"]


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_ROLES = REQUIRED


def enrol_totp(client, capture):
    """Set up the authenticator app through the pages; returns its secret. Like every change
    to a second factor, it asks for the password again first."""
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    confirmed = client.post(asked["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    with capture(execute=True):  # allauth signals the change once it is committed
        response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


def test_staff_whose_role_needs_it_are_sent_to_set_up_a_second_factor(client, mfa_required):
    staff(roles.PRACTITIONER, username="pat")
    assert sign_in(client, "pat").status_code == 302
    for page in ("triage_queue", "home", "enquiry_new"):
        response = client.get(reverse(page))
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_index")
    page = client.get(reverse("mfa_index"), follow=True)
    assert "Your role needs a second factor" in page.content.decode()
    # Signing out stays possible.
    assert client.post(reverse("account_logout")).status_code == 302


def test_after_setting_up_the_app_the_pages_open(
    client, mfa_required, django_capture_on_commit_callbacks
):
    pat = staff(roles.PRACTITIONER, username="pat")
    sign_in(client, "pat")
    enrol_totp(client, django_capture_on_commit_callbacks)
    assert client.get(reverse("triage_queue")).status_code == 200
    assert Authenticator.objects.filter(user=pat, type="totp").exists()
    assert Authenticator.objects.filter(user=pat, type="recovery_codes").exists()
    added = AuditEntry.objects.filter(action="mfa", object_id=pat.pk, actor=pat)
    assert set(added.values_list("what", flat=True)) >= {"added: totp"}


def test_the_next_sign_in_asks_for_the_code_after_the_password(
    client, mfa_required, django_capture_on_commit_callbacks
):
    pat = staff(roles.PRACTITIONER, username="pat")
    sign_in(client, "pat")
    secret = enrol_totp(client, django_capture_on_commit_callbacks)
    client.post(reverse("account_logout"))

    response = sign_in(client, "pat")
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone signs nobody in.
    assert client.get(reverse("triage_queue"))["Location"].startswith(reverse("account_login"))
    with time_machine.travel(later(60)):
        wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert wrong.status_code == 200
        assert "Incorrect code" in wrong.content.decode()
        right = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
        assert right.status_code == 302
        assert client.get(reverse("triage_queue")).status_code == 200
    failed = AuditEntry.objects.get(action="signinfail", what="second factor")
    assert (failed.object_id, failed.actor) == (pat.pk, None)


def test_a_recovery_code_replaces_the_app_once(
    client, mfa_required, django_capture_on_commit_callbacks
):
    pat = staff(roles.PRACTITIONER, username="pat")
    sign_in(client, "pat")
    enrol_totp(client, django_capture_on_commit_callbacks)
    client.post(reverse("account_logout"))
    codes = RecoveryCodes(Authenticator.objects.get(user=pat, type="recovery_codes"))
    code = codes.get_unused_codes()[0]

    sign_in(client, "pat")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("triage_queue")).status_code == 200
    client.post(reverse("account_logout"))
    sign_in(client, "pat")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200  # used


def test_the_last_second_factor_of_a_required_role_cannot_be_removed(
    client, mfa_required, django_capture_on_commit_callbacks
):
    pat = staff(roles.PRACTITIONER, username="pat")
    sign_in(client, "pat")
    enrol_totp(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert "Your role needs a second factor" in response.content.decode()
    assert Authenticator.objects.filter(user=pat, type="totp").exists()


def test_reception_is_not_asked_unless_listed(client, settings):
    settings.MFA_REQUIRED_ROLES = REQUIRED
    staff(roles.RECEPTION, username="rec")
    sign_in(client, "rec")
    assert client.get(reverse("enquiry_new")).status_code == 200
    settings.MFA_REQUIRED_ROLES = [*REQUIRED, "reception"]
    other = Client()
    sign_in(other, "rec")
    assert other.get(reverse("enquiry_new"))["Location"] == reverse("mfa_index")


def test_locally_the_demo_signs_in_with_the_password_alone(client, settings):
    settings.MFA_REQUIRED_ROLES = []
    staff(roles.PRACTITIONER, username="practitioner")
    sign_in(client, "practitioner")
    assert client.get(reverse("triage_queue")).status_code == 200


def test_a_clinic_admin_resets_a_colleagues_second_factor(
    mfa_required, django_capture_on_commit_callbacks
):
    pat = staff(roles.PRACTITIONER, username="pat")
    pats_phone = Client()
    sign_in(pats_phone, "pat")
    enrol_totp(pats_phone, django_capture_on_commit_callbacks)
    assert pats_phone.get(reverse("triage_queue")).status_code == 200

    boss = staff(roles.CLINIC_ADMIN, username="boss")
    admin = Client()
    admin.force_login(boss)
    Authenticator.objects.create(user=boss, type="totp", data={"secret": "x"})
    page = admin.get(reverse("staff_account", args=[pat.pk])).content.decode()
    assert "Reset their second factor" in page
    response = admin.post(reverse("staff_account_action", args=[pat.pk, "reset-second-factor"]))
    assert response.status_code == 302

    assert not Authenticator.objects.filter(user=pat).exists()
    # Every session of theirs ended: the next page asks them to sign in.
    assert pats_phone.get(reverse("triage_queue"))["Location"].startswith(reverse("account_login"))
    reset = AuditEntry.objects.get(action="mfa", what__startswith="reset")
    assert (reset.actor, reset.object_id) == (boss, pat.pk)
    # At their next sign-in they set up a new one before anything else.
    sign_in(pats_phone, "pat")
    assert pats_phone.get(reverse("triage_queue"))["Location"] == reverse("mfa_index")


@pytest.mark.parametrize("role", [roles.RECEPTION, roles.PRACTITIONER])
def test_only_a_clinic_admin_resets_a_second_factor(client, role):
    pat = staff(roles.PRACTITIONER, username="pat")
    Authenticator.objects.create(user=pat, type="totp", data={"secret": "x"})
    client.force_login(staff(role))
    response = client.post(reverse("staff_account_action", args=[pat.pk, "reset-second-factor"]))
    assert response.status_code == 403
    assert Authenticator.objects.filter(user=pat).exists()


def test_a_passkey_is_a_second_factor(client, settings, django_capture_on_commit_callbacks):
    settings.MFA_REQUIRED_ROLES = REQUIRED
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the test server is http://testserver
    pat = staff(roles.PRACTITIONER, username="pat")
    key = SoftKey(origin="http://testserver")
    sign_in(client, "pat")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    credential = key.register(page.context["js_data"]["creation_options"])
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("mfa_add_webauthn"), {"name": "Blue key", "credential": json.dumps(credential)}
        )
    assert added.status_code == 302, added.content.decode()
    assert Authenticator.objects.filter(user=pat, type="webauthn").exists()
    assert client.get(reverse("triage_queue")).status_code == 200
    assert AuditEntry.objects.filter(action="mfa", what="added: webauthn").exists()
    client.post(reverse("account_logout"))

    assert sign_in(client, "pat")["Location"] == reverse("mfa_authenticate")
    challenge = client.get(reverse("mfa_authenticate")).context["js_data"]["request_options"]
    response = client.post(
        reverse("mfa_authenticate"), {"credential": json.dumps(key.sign_in(challenge))}
    )
    assert response.status_code == 302
    assert client.get(reverse("triage_queue")).status_code == 200

    # Another key, unknown to the server, signs nobody in.
    client.post(reverse("account_logout"))
    sign_in(client, "pat")
    challenge = client.get(reverse("mfa_authenticate")).context["js_data"]["request_options"]
    stranger = SoftKey(origin="http://testserver")
    stranger.credential_id = key.credential_id  # same id, different private key
    client.post(
        reverse("mfa_authenticate"), {"credential": json.dumps(stranger.sign_in(challenge))}
    )
    assert client.get(reverse("triage_queue"))["Location"].startswith(reverse("account_login"))
