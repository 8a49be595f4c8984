"""`manage.py dispatch_followups`: one dispatch pass, the same code as the every-minute task."""

from django.core.management.base import BaseCommand

from followup.dispatch import dispatch, quiet_now

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Send every follow-up that is due now (quiet hours permitting) and print how many were "
        "sent, will be retried, failed, or were found with an unknown outcome."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="stop after this many follow-ups")

    def handle(self, *args, **options):
        reported = 0

        def progress(tally):
            nonlocal reported
            if tally.done - reported >= PROGRESS_EVERY:
                reported = tally.done
                self.stderr.write(f"  {tally.done:,} done ({tally.sent:,} sent)")

        tally = dispatch(limit=options["limit"], progress=progress)
        if quiet_now():
            self.stdout.write("Quiet hours: due follow-ups wait (FOLLOWUP_QUIET_HOURS=off lifts).")
        self.stdout.write(
            f"Sent {tally.sent:,}, retrying {tally.retrying:,}, failed {tally.failed:,}, "
            f"outcome unknown {tally.unknown:,}."
        )
