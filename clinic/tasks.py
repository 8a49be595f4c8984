"""Celery tasks of the frame: the outbox's (primary keys only) and the daily retention job (no
arguments, no patient data)."""

from celery import shared_task

from . import outbox, retention

# Well inside the task's soft time limit; whatever is left waits for the next minute's pass.
PASS_BUDGET_SECONDS = 45


@shared_task(ignore_result=True)
def send_email(email_id: int):
    """Send one row now, if it is still due and nobody else has it (enqueued on commit)."""
    outbox.send(email_id)


@shared_task(ignore_result=True)
def send_outbox():
    """One pass over the whole outbox; beat runs it every minute."""
    tally = outbox.send_due(budget=PASS_BUDGET_SECONDS)
    return {"sent": tally.sent, "retrying": tally.retrying, "failed": tally.failed}


# A first run on years of records may have thousands to anonymise: it works for BUDGET seconds
# and leaves the rest for the next day, well inside its own time limits (the default 90 s
# limit of every other task would cut it off mid-batch).
BUDGET_SECONDS = 20 * 60


@shared_task(
    ignore_result=True, soft_time_limit=BUDGET_SECONDS + 300, time_limit=BUDGET_SECONDS + 360
)
def apply_retention():
    """Anonymise the records whose retention period has ended; beat runs it daily."""
    report = retention.run(budget=BUDGET_SECONDS)
    return {
        "expired": report.expired,
        "anonymised": report.anonymised,
        "held": report.held,
        "unfinished": report.unfinished,
    }
