"""Celery beat's scheduler, with a heartbeat: every pass of beat's loop touches a file, so a
health check can tell a beat that is alive from one that hangs or died (`manage.py
beat_health`, docker-compose.yml). A task could not tell: the worker runs tasks, not beat.

Beat wakes at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds, so a file older than a few of
those means no beat is looping.
"""

from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings


def heartbeat_file() -> Path:
    return Path(settings.CELERY_BEAT_HEARTBEAT_FILE)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        heartbeat_file().touch()
        return interval
