"""`manage.py create_staff USERNAME --role reception|practitioner|admin`: a staff account with
one role, instead of `createsuperuser` (which bypasses the roles)."""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from clinic.accounts import services


class Command(BaseCommand):
    help = (
        "Create a staff account with one role. The password is asked for twice (or generated "
        "with --generate-password, or when there is no terminal) and printed once if generated."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(services.ROLE_CHOICES))
        parser.add_argument("--email", default="", help="where their alerts go")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--generate-password",
            action="store_true",
            help="generate a strong password and print it once, instead of asking",
        )

    def handle(self, *args, **options):
        password = None
        if not options["generate_password"] and sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.", returncode=2)
            if not password:
                raise CommandError("The password is empty.", returncode=2)
        try:
            user, password_used = services.create_staff(
                options["username"],
                options["role"],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except services.StaffError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(f"Created {user.username} ({options['role']}).")
        if password is None:
            self.stdout.write(f"Password (shown once): {password_used}")
