"""Celery tasks for intake: thin wrappers that take primary keys only."""

from celery import shared_task

from . import alerts


@shared_task(ignore_result=True)
def send_alert(alert_id: int):
    alerts.deliver(alert_id)


@shared_task(ignore_result=True)
def sweep_alerts():
    return alerts.sweep()
