"""Sending due follow-ups: the database is the queue, and no email goes out twice.

One pass (`dispatch`) claims due rows in small batches with SELECT ... FOR UPDATE SKIP LOCKED,
flipping them to 'sending' in the same short transaction, so any number of workers, beats and
`manage.py dispatch_followups` running at once never take the same row. It sends a batch over
one SMTP connection and marks each row the moment the server has accepted it.

- A transient error (cannot connect, disconnected, timeout, a 4xx reply) puts the row back to
  'scheduled' with a growing delay (1, 2, 4 ... minutes, at most an hour); after MAX_ATTEMPTS
  it is 'failed'. Trouble reaching the server also ends the pass: the rest wait for the next.
- A permanent error (a 5xx reply to the sender, recipient or message) marks it 'failed'.
- Rows of a batch not yet tried when anything goes wrong (an exception, the task's soft time
  limit) are put back to 'scheduled'; the one in flight is left 'sending'.
- A row still 'sending' STUCK_AFTER its claim belongs to a process that died mid-send, maybe
  after the server accepted the email. It is never resent blindly: the sweep marks it
  'unknown', shown to staff, who retry or cancel it (plan.retry / plan.cancel), perhaps after
  looking its Message-ID up in the mail server's log. We chose a possibly missed reminder,
  caught by a person, over a possibly doubled one sent by a machine: a duplicate reminder to
  a patient who asked for few emails costs trust, and staff see every unknown row. A process
  killed outright (SIGKILL, power) also leaves its untried rows 'sending': BATCH_SIZE bounds
  how many then wait for a person.

Quiet hours (FollowUpPlan, clinic time) hold all sending; FOLLOWUP_QUIET_HOURS=off lifts them.
Logs and task arguments carry ids only; last_error never holds the address or clinical content.
"""

import contextlib
import datetime
import logging
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic.emails import OneLineHeader, make_message
from intake.models import CaseEvent

from . import links
from .models import FollowUp, FollowUpPlan

log = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_ATTEMPTS = 10
MAX_BACKOFF = datetime.timedelta(hours=1)
STUCK_AFTER = datetime.timedelta(minutes=15)

S = FollowUp.Status


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.retrying + self.failed


def backoff(attempts: int) -> datetime.timedelta:
    return min(MAX_BACKOFF, datetime.timedelta(minutes=2 ** min(attempts - 1, 10)))


def quiet_now() -> bool:
    return settings.FOLLOWUP_QUIET_HOURS and FollowUpPlan.current().is_quiet(timezone.now())


def sweep_stuck() -> int:
    """Mark rows whose sender died mid-send 'unknown', for a person to decide about."""
    stale = timezone.now() - STUCK_AFTER
    with transaction.atomic():
        stuck = list(
            FollowUp.objects.filter(status=S.SENDING, claimed_at__lt=stale)
            .select_for_update(skip_locked=True)
            .values_list("pk", "case_id", "step")
        )
        FollowUp.objects.filter(pk__in=[pk for pk, _, _ in stuck]).update(status=S.UNKNOWN)
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=case_id,
                kind=CaseEvent.Kind.FOLLOWUP,
                data={"step": step, "status": S.UNKNOWN},
            )
            for _, case_id, step in stuck
        )
    for pk, _, _ in stuck:
        log.error("follow-up %s: outcome unknown (sender died mid-send); waiting for staff", pk)
    return len(stuck)


def claim(limit: int) -> list[FollowUp]:
    """Take up to `limit` due rows for this process alone."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            FollowUp.objects.filter(status=S.SCHEDULED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        FollowUp.objects.filter(pk__in=ids).update(status=S.SENDING, claimed_at=now)
    return list(FollowUp.objects.filter(pk__in=ids).select_related("case__patient").order_by("pk"))


def build_message(followup: FollowUp):
    patient = followup.case.patient
    unsubscribe = links.unsubscribe_url(followup.pk)
    context = {
        "first_name": patient.first_name,
        "checkin_url": links.checkin_url(followup.pk),
        "unsubscribe_url": unsubscribe,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
    }
    headers = {
        "Message-ID": followup.make_message_id(),
        "List-Unsubscribe": OneLineHeader("List-Unsubscribe", f"<{unsubscribe}>"),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return make_message("followup", patient.email, context, headers=headers)


def describe(exc: Exception, address: str) -> str:
    """The error for staff: class, code and reply, with the recipient's address taken out."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
    else:
        code, reply = getattr(exc, "smtp_code", ""), getattr(exc, "smtp_error", str(exc))
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    text = f"{type(exc).__name__}: {code} {reply}"
    if address:
        text = text.replace(address, "<recipient>")
    return " ".join(text.split())[:200]


def is_permanent(exc: Exception) -> bool:
    """A 5xx reply about this sender, recipient or message; anything else may pass."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and min(codes) >= 500
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def is_about_message(exc: Exception) -> bool:
    """The server answered about this message (so the next one may fare better)."""
    return isinstance(
        exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError
    )


def mark_sent(followup: FollowUp, message_id: str):
    with transaction.atomic():
        FollowUp.objects.filter(pk=followup.pk, status=S.SENDING).update(
            status=S.SENT,
            sent_at=timezone.now(),
            message_id=message_id,
            attempts=F("attempts") + 1,
            last_error="",
        )
        CaseEvent.objects.create(
            case_id=followup.case_id,
            kind=CaseEvent.Kind.FOLLOWUP,
            data={"step": followup.step, "status": S.SENT},
        )
    log.info("follow-up %s sent", followup.pk)


def mark_failed(followup: FollowUp, error: str):
    with transaction.atomic():
        FollowUp.objects.filter(pk=followup.pk, status=S.SENDING).update(
            status=S.FAILED, attempts=F("attempts") + 1, last_error=error
        )
        CaseEvent.objects.create(
            case_id=followup.case_id,
            kind=CaseEvent.Kind.FOLLOWUP,
            data={"step": followup.step, "status": S.FAILED},
        )
    log.warning("follow-up %s failed: %s", followup.pk, error.split(":", 1)[0])


def mark_retry(followup: FollowUp, error: str):
    attempts = followup.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        mark_failed(followup, error)
        return False
    delay = backoff(attempts)
    FollowUp.objects.filter(pk=followup.pk, status=S.SENDING).update(
        status=S.SCHEDULED,
        attempts=attempts,
        last_error=error,
        next_attempt_at=timezone.now() + delay,
    )
    log.warning("follow-up %s not sent (%s); retry in %s", followup.pk, error.split(":")[0], delay)
    return True


def release(ids: list[int]):
    """Put claimed rows that were never tried back in the queue, as they were."""
    if ids:
        FollowUp.objects.filter(pk__in=ids, status=S.SENDING).update(status=S.SCHEDULED)


def settle(followup: FollowUp, exc: Exception, tally: Tally) -> bool:
    """Mark a row whose sending raised; False if the server itself could not be reached."""
    if isinstance(exc, ValueError):  # an address Django cannot send to
        mark_failed(followup, "invalid email address")
    elif is_permanent(exc):
        mark_failed(followup, describe(exc, followup.case.patient.email))
    elif mark_retry(followup, describe(exc, followup.case.patient.email)):
        tally.retrying += 1
        return is_about_message(exc)
    else:  # out of attempts: marked failed
        tally.failed += 1
        return is_about_message(exc)
    tally.failed += 1
    return True


def send_batch(rows: list[FollowUp], tally: Tally) -> bool:
    """Send claimed rows over one connection; False if the server could not be reached."""
    connection = mailers.default
    done, in_flight, reachable = 0, None, True
    try:
        for followup in rows:
            message = build_message(followup)
            in_flight = followup
            try:
                connection.open()  # a no-op while open; reconnects after an error
                accepted = connection.send_messages([message]) == 1
            except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
                _close(connection)  # the next message starts on a fresh connection
                reachable = settle(followup, exc, tally)
            else:
                if accepted:
                    mark_sent(followup, message.extra_headers["Message-ID"])
                    tally.sent += 1
                else:  # no address to send to
                    mark_failed(followup, "no email address")
                    tally.failed += 1
            in_flight = None
            done += 1
            if not reachable:
                break
    finally:
        # Never tried: back to the queue. The one in flight, if any, stays 'sending' for the sweep.
        release([row.pk for row in rows[done:] if row is not in_flight])
        _close(connection)
    return reachable


def _close(connection):
    with contextlib.suppress(OSError):  # smtplib's errors included
        connection.close()


def dispatch(limit=None, batch_size=BATCH_SIZE, budget=None, progress=None) -> Tally:
    """One pass: sweep stuck rows, then send due follow-ups until none are left (or `limit`
    rows are done, or `budget` seconds have passed); `progress(tally)` after each batch."""
    tally = Tally()
    tally.unknown = sweep_stuck()
    started = time.monotonic()
    while limit is None or tally.done < limit:
        if budget is not None and time.monotonic() - started > budget:
            break
        if quiet_now():
            break
        size = batch_size if limit is None else min(batch_size, limit - tally.done)
        rows = claim(size)
        if not rows:
            break
        reachable = send_batch(rows, tally)
        if progress is not None:
            progress(tally)
        if not reachable:
            break
    return tally
