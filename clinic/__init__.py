"""The frame of the clinic project: settings, Celery app, URLs, roles and shared views."""

from .celery import app as celery_app

__all__ = ("celery_app",)
