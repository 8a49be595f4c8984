"""`manage.py send_outbox`: one pass over the outbox, the same code as beat's every-minute task."""

from django.core.management.base import BaseCommand

from clinic import outbox
from clinic.models import OutgoingEmail

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Send every email in the outbox that is due now (alerts first; follow-ups quiet hours "
        "permitting) and print how many were sent, will be retried, failed, or were found "
        "stuck mid-send."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="stop after this many emails")

    def handle(self, *args, **options):
        reported = 0

        def progress(tally):
            nonlocal reported
            if tally.done - reported >= PROGRESS_EVERY:
                reported = tally.done
                self.stderr.write(f"  {tally.done:,} done ({tally.sent:,} sent)")

        tally = outbox.send_due(limit=options["limit"], progress=progress)
        if outbox.held(OutgoingEmail.Kind.FOLLOWUP):
            self.stdout.write("Quiet hours: due follow-ups wait (FOLLOWUP_QUIET_HOURS=off lifts).")
        self.stdout.write(
            f"Sent {tally.sent:,}, retrying {tally.retrying:,}, failed {tally.failed:,}, "
            f"outcome unknown {tally.unknown:,}."
        )
        if tally.resent:
            self.stdout.write(
                f"Queued again after their sender stopped mid-send: {tally.resent:,}."
            )
