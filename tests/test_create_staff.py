"""`manage.py create_staff USERNAME --role reception|practitioner|admin`, and adding a colleague
on the clinic admins' staff page: one role each, a password shown once, audited."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from clinic import roles
from clinic.models import AuditEntry

from .accounts import sign_in
from .test_settings import manage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def create_staff(*args):
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "group"),
    [("reception", roles.RECEPTION), ("practitioner", roles.PRACTITIONER),
     ("admin", roles.CLINIC_ADMIN)],
)  # fmt: skip
def test_create_staff_makes_an_account_with_one_role_and_a_generated_password(role, group):
    out = create_staff("Sam", "--role", role, "--generate-password", "--email", "sam@x.test")
    password = out.split("Password (shown once): ")[1].strip()
    user = get_user_model().objects.get(username="sam")
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert (user.email, user.is_superuser, user.is_staff) == ("sam@x.test", False, False)
    assert len(password) >= 20
    assert sign_in(Client(), "sam", password).status_code == 302
    created = AuditEntry.objects.get(action="account", object_id=user.pk)
    assert created.what == f"created: {role}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sam", "--role", "superuser"], "invalid choice: 'superuser'"),
        (["sam"], "the following arguments are required: --role"),
        (["no spaces", "--role", "reception"], "Enter a valid username"),
        (["", "--role", "reception"], "The username is empty."),
    ],
)
def test_bad_input_is_one_clear_error_and_exit_2(args, message):
    # Refused before any database work; never prompts (a password would be generated).
    result = manage(
        "create_staff", *args, "--generate-password", DJANGO_SETTINGS_MODULE="clinic.settings.test"
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_username_is_refused_with_exit_2():
    create_staff("sam", "--role", "reception", "--generate-password")
    with pytest.raises(Exception, match="already an account called 'sam'") as error:
        create_staff("SAM", "--role", "admin", "--generate-password")
    assert error.value.returncode == 2
    assert get_user_model().objects.filter(username__iexact="sam").count() == 1


def test_a_clinic_admin_adds_a_colleague_on_the_staff_page(admin_client_, clinic_admin):
    response = admin_client_.post(
        reverse("staff_account_new"),
        {"username": "Robin", "first_name": "Robin", "email": "robin@x.test", "role": "reception"},
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    robin = get_user_model().objects.get(username="robin")
    assert robin.groups.get().name == roles.RECEPTION
    assert sign_in(Client(), "robin", password).status_code == 302
    assert AuditEntry.objects.get(action="account", object_id=robin.pk).actor == clinic_admin


def test_the_staff_page_keeps_what_was_typed_on_a_bad_username(admin_client_):
    response = admin_client_.post(
        reverse("staff_account_new"), {"username": "bad name", "first_name": "Kim", "role": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Kim"' in page
    assert response.context["form"].errors.keys() >= {"role"}


def test_the_readme_no_longer_says_createsuperuser():
    readme = (ROOT / "README.md").read_text()
    assert "createsuperuser" not in readme
    assert "create_staff" in readme
