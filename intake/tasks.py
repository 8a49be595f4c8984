"""Celery tasks of intake: the escalation pass (no arguments, no patient data)."""

from celery import shared_task

from . import escalation


@shared_task(ignore_result=True)
def escalate():
    """One escalation pass; beat runs it every minute (intake/escalation.py)."""
    summary = escalation.run()
    return {
        "emergencies": summary.emergencies,
        "urgent": summary.urgent,
        "emails": summary.emails,
        "skipped": summary.skipped,
    }
