"""`manage.py retention [--dry-run]`: anonymise the patient records whose retention period
(RETENTION_YEARS after the last activity) has ended, as the daily beat job does; `--dry-run`
only counts. Progress goes to stderr, the counts to stdout."""

from django.conf import settings
from django.core.management.base import BaseCommand

from clinic import retention


class Command(BaseCommand):
    help = "Anonymise patient records past the retention period (RETENTION_YEARS)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]

        def progress(done, total):
            self.stderr.write(f"anonymised {done:,} of {total:,}")

        report = retention.run(dry_run=dry_run, progress=progress)
        years = settings.RETENTION_YEARS
        self.stdout.write(
            f"Retention {years} years: last activity before {report.cutoff:%Y-%m-%d}."
        )
        self.stdout.write(f"Expired records: {report.expired:,}")
        self.stdout.write(f"Held (open case or possible match waiting): {report.held:,}")
        if dry_run:
            self.stdout.write(f"Would anonymise: {report.expired - report.held:,} (dry run)")
            return
        self.stdout.write(f"Anonymised: {report.anonymised:,}")
        if report.failed:
            self.stdout.write(f"Failed (logged, tried again tomorrow): {len(report.failed):,}")
