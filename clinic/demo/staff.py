"""The demo staff logins: one of each role, their password printed and kept under var/."""

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError

from clinic import roles
from intake.models import StaffProfile

STAFF_DOMAIN = "clinic.example.test"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: str
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@{STAFF_DOMAIN}"


STAFF = (
    StaffAccount("reception", roles.RECEPTION, "Rita", "Reception"),
    StaffAccount("practitioner", roles.PRACTITIONER, "Pat", "Practitioner"),
    StaffAccount("admin", roles.CLINIC_ADMIN, "Ada", "Admin"),
)


def password_file() -> Path:
    """Where a generated demo password is kept, so that the login printed last time stays true."""
    return Path(settings.VAR_DIR) / "demo-password"


def kept_demo_password() -> tuple[str, str] | None:
    """The demo password seed_demo last set and where it comes from, without making one."""
    if password := os.environ.get("DEMO_PASSWORD"):
        return password, "from DEMO_PASSWORD"
    try:
        password = password_file().read_text().strip()
    except FileNotFoundError:
        return None
    return (password, f"kept in {password_file()}") if password else None


def demo_password() -> tuple[str, str]:
    """The demo staff password and where it comes from: DEMO_PASSWORD, or a kept generated one."""
    if password := os.environ.get("DEMO_PASSWORD"):
        return password, "from DEMO_PASSWORD"
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two runs at once cannot each write a different password.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        password = path.read_text().strip()
        if not password:
            raise CommandError(f"{path} is empty: delete it to have a new password made") from None
        return password, f"kept in {path}"
    password = secrets.token_urlsafe(12)
    with os.fdopen(fd, "w") as file:
        file.write(password + "\n")
    return password, f"new, kept in {path}"


def seed_staff(say: Callable[[str], None], warn: Callable[[str], None]) -> dict:
    """The demo logins, created or given the demo password again; {username: user}. An account
    of the same name that is not a demo one (say a superuser called admin) is left alone."""
    password, where = demo_password()
    User = get_user_model()
    staff = {}
    for account in STAFF:
        try:
            group = Group.objects.get(name=account.role)
        except Group.DoesNotExist:
            raise CommandError(f"No {account.role!r} group: run migrate first.") from None
        user, _ = User.objects.get_or_create(
            username=account.username, defaults={"email": account.email}
        )
        if user.email != account.email:
            warn(
                f"User {account.username!r} exists and is not a demo account "
                f"(email {user.email!r}): left unchanged."
            )
            continue
        user.first_name, user.last_name = account.first_name, account.last_name
        user.is_active = True
        user.set_password(password)
        user.save(update_fields=["first_name", "last_name", "is_active", "password"])
        user.groups.add(group)
        staff[account.username] = user
    if "practitioner" in staff:
        StaffProfile.objects.update_or_create(
            user=staff["practitioner"], defaults={"on_duty": True}
        )
    if staff:
        say(f"Demo logins (password: {password}): {' / '.join(staff)}")
        say(f"  (password {where})")
    return staff
