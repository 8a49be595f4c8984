"""`manage.py demo_ready`: `make run`'s last word. Once the web server answers and the worker
has sent what was due at start, it prints where the clinic is and the demo logins, below all
the startup noise of web, worker and beat, then waits until `make run` stops (Procfile.dev)."""

import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic import outbox
from clinic.demo.staff import STAFF, kept_demo_password
from clinic.models import OutgoingEmail

WEB_WAIT_SECONDS = 120
OUTBOX_WAIT_SECONDS = 30
POLL_SECONDS = 0.5


def web_answers(url: str) -> bool:
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (checked above)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def due_unsent(since) -> int:
    """Emails that were due when make run started and that the worker has not sent yet."""
    return OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.QUEUED,
        next_attempt_at__lte=since,
        kind__in=outbox.sendable_kinds(),
    ).count()


def demo_accounts() -> list[str]:
    """The demo staff usernames seed_demo set up (not someone's own account of the same name)."""
    emails = {account.email: account.username for account in STAFF}
    found = set(
        get_user_model()
        .objects.filter(email__in=emails, is_active=True)
        .values_list("email", flat=True)
    )
    return [emails[email] for email in emails if email in found]


def announcement(site_url: str, accounts: list[str], password: tuple[str, str] | None) -> str:
    rule = "=" * 72
    lines = [
        rule,
        f"  The clinic is running at {site_url}/",
        f"    Patients' questionnaire   {site_url}/intake/",
        f"    Staff sign-in             {site_url}/accounts/login/",
    ]
    if accounts and password:
        secret, where = password
        lines += [
            f"  Demo logins: {', '.join(accounts)}",
            f"    password {secret}   ({where}; DEMO_PASSWORD sets your own)",
        ]
    else:
        lines.append("  No demo logins: run `manage.py seed_demo`, or create_staff for your own.")
    lines += [
        "  Emails print above, in the worker's lines (EMAIL_URL sends them elsewhere).",
        "  Ctrl-C stops web, worker, beat and the database.",
        rule,
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Wait until make run's web server answers, then print the URL and the demo logins."

    def handle(self, *args, **options):
        try:
            self.announce()
            threading.Event().wait()  # Procfile.dev stops everything when one process ends
        except KeyboardInterrupt:
            pass

    def announce(self):
        started = timezone.now()
        site = settings.SITE_URL
        deadline = time.monotonic() + WEB_WAIT_SECONDS
        while not web_answers(f"{site}/healthz"):
            if time.monotonic() > deadline:
                self.stderr.write(
                    f"The web server has not answered at {site}/healthz within "
                    f"{WEB_WAIT_SECONDS} s: see web.1's lines above."
                )
                return
            time.sleep(POLL_SECONDS)
        # What seed_demo left due (the demo follow-ups) goes now, not at beat's first minute, so
        # that those emails print above the logins rather than under them.
        from clinic.tasks import send_outbox

        send_outbox.delay()
        deadline = time.monotonic() + OUTBOX_WAIT_SECONDS
        while due_unsent(started) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        time.sleep(1)  # the worker's last lines about those emails
        self.stdout.write(announcement(site, demo_accounts(), kept_demo_password()))
