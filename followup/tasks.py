"""Celery tasks for follow-up: thin wrappers that take no patient data."""

from celery import shared_task

from . import dispatch

# Well inside the task's soft time limit; whatever is left waits for the next minute's pass.
PASS_BUDGET_SECONDS = 45


@shared_task(ignore_result=True)
def dispatch_followups():
    """One dispatch pass; beat runs it every minute."""
    tally = dispatch.dispatch(budget=PASS_BUDGET_SECONDS)
    return {"sent": tally.sent, "retrying": tally.retrying, "failed": tally.failed}
