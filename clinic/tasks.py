"""Celery tasks of the frame: the daily retention job (no arguments, no patient data)."""

from celery import shared_task

from . import retention


@shared_task(ignore_result=True)
def apply_retention():
    """Anonymise the records whose retention period has ended; beat runs it daily."""
    report = retention.run()
    return {"expired": report.expired, "anonymised": report.anonymised, "held": report.held}
