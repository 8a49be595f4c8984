"""`manage.py escalate`: one escalation pass, the same code as beat's every-minute task."""

from django.core.management.base import BaseCommand

from intake import escalation


class Command(BaseCommand):
    help = (
        "Escalate every case that missed its target: emergencies nobody has acknowledged (to "
        "every practitioner, clinic admin and escalation contact, again every "
        "ESCALATION_REPEAT_MINUTES) and urgent cases not contacted by their due time (once, to "
        "the practitioners on duty). The emails go through the outbox. Prints one line per "
        "case escalated (ids only) and a summary."
    )

    def handle(self, *args, **options):
        def progress(done):
            self.stdout.write(
                f"  case {done.case_id}: {done.get_kind_display().lower()} for "
                f"{escalation.duration_words(escalation.minutes(done.waited))}, "
                f"round {done.number}, {done.recipients} email{'s' if done.recipients != 1 else ''}"
            )

        summary = escalation.run(progress=progress)
        self.stdout.write(
            f"Escalated {summary.emergencies:,} unacknowledged emergenc"
            f"{'y' if summary.emergencies == 1 else 'ies'} and {summary.urgent:,} urgent "
            f"case{'' if summary.urgent == 1 else 's'} not contacted; {summary.emails:,} "
            f"email{'' if summary.emails == 1 else 's'} queued in the outbox."
        )
        if summary.skipped:
            self.stdout.write(
                f"Left {summary.skipped:,} to another pass running at the same time "
                "(or acknowledged meanwhile)."
            )
