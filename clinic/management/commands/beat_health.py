"""`manage.py beat_health`: exit 0 if Celery beat's loop ran recently (clinic/beat.py), 1 if
not: the health check of the beat container (docker-compose.yml)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from clinic.beat import heartbeat_file

UNHEALTHY = 1


class Command(BaseCommand):
    help = "Exit 0 if Celery beat is looping (its heartbeat file is recent), 1 if not."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=4 * settings.CELERY_BEAT_MAX_LOOP_INTERVAL,
            help="seconds since the last heartbeat still counted healthy",
        )

    def handle(self, *args, **options):
        path = heartbeat_file()
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            self.stderr.write(f"No heartbeat at {path}: beat has not started its loop.")
            raise SystemExit(UNHEALTHY) from None
        if age > options["max_age"]:
            self.stderr.write(f"Beat's last heartbeat was {age:.0f} s ago: it is not looping.")
            raise SystemExit(UNHEALTHY)
        self.stdout.write(f"Beat is looping: last heartbeat {age:.0f} s ago.")
