"""One outbox for every email the clinic sends: safety alerts, escalations, follow-ups.

Every email is an OutgoingEmail row before it is a message, written in the same transaction as
what it is about. The database is the queue: an email meant to go at once has a Celery task
enqueued after commit (`send_on_commit`), and beat runs a pass (`send_due`) every minute that
sends whatever is due, so a broker or mail outage delays an email but never loses it. Tasks
take primary keys only.

Claim, send, mark, next. A sender claims ONE row at a time (SELECT ... FOR UPDATE SKIP LOCKED,
flipping it to 'sending' in the same short transaction), hands it to the mail server, marks it,
then claims the next; it may keep its SMTP connection open across rows. So any number of
workers, beats and `manage.py send_outbox` never take the same row, and a sender killed
outright (SIGKILL, power) leaves at most the one row it was sending in doubt.

What happens to a row is its kind's policy (POLICIES):
- A transient error (cannot connect, disconnected, timeout, a 4xx reply) puts it back in the
  queue after a growing delay, `first_retry` doubled after each attempt up to `max_retry`;
  after `max_attempts` attempts it is 'failed'. A permanent error (a 5xx reply to the sender,
  recipient or message; an address Django cannot send to) makes it 'failed' at once.
- A row still 'sending' `stuck_after` its claim belongs to a sender that died mid-send, maybe
  after the server accepted it. A safety alert or escalation is sent again: twice beats never.
  A follow-up becomes 'outcome unknown' and waits for a person (the outbox page or the
  follow-ups page: retry or cancel, perhaps after looking its Message-ID up in the mail log),
  because a doubled reminder costs a patient's trust and a person sees every unknown row.
- Urgent kinds (alerts, escalations) are claimed before the others (a pass looks for them
  again at least every second, and always before it ends); when the mail server cannot
  be reached a pass stops taking follow-ups but still tries each due alert, so that every alert
  counts its own attempts towards its bound. A failed urgent email shows a banner on every
  practitioner's and clinic admin's page until a person retries or cancels it.
- A kind's handler may hold it (follow-ups: the plan's quiet hours).

Each kind's app registers its handler (`register`, from its AppConfig.ready()): how to turn a
row's ids into the template's context and headers, and what to record when the row changes
(e.g. a line on the case timeline), in the same transaction as the change. The frame never
imports the apps. Logs carry ids only; `last_error` never holds the address.
"""

import contextlib
import datetime
import logging
import smtplib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from .emails import make_message
from .models import OutgoingEmail

log = logging.getLogger(__name__)

Kind = OutgoingEmail.Kind
S = OutgoingEmail.Status


@dataclass(frozen=True)
class Policy:
    first_retry: timedelta  # the wait after the first failed attempt, doubled after each one...
    max_retry: timedelta  # ... up to this
    max_attempts: int  # then 'failed'
    stuck_after: timedelta  # 'sending' this long after its claim: its sender died
    resend_stuck: bool  # True: send it again (twice beats never); False: 'outcome unknown'
    late_after: timedelta  # due this long and not sent: listed on the outbox page
    urgent: bool  # claimed first; tried while the server seems down; failed: banner


# An alert's attempts, with beat's pass every minute: at about 0, 1, 2, 4, 8 and 13 minutes,
# then 'failed' (and the banner), inside the 15-minute target for acknowledging an emergency.
# A live send never outlasts stuck_after: the task's hard time limit is 2 minutes and every
# SMTP step times out after 10 seconds.
SAFETY = Policy(
    first_retry=timedelta(seconds=30),
    max_retry=timedelta(minutes=5),
    max_attempts=6,
    stuck_after=timedelta(minutes=5),
    resend_stuck=True,
    late_after=timedelta(minutes=5),
    urgent=True,
)
# A follow-up: retried after 1, 2, 4 ... minutes, at most an hour apart, 'failed' after 10.
FOLLOWUP = Policy(
    first_retry=timedelta(minutes=1),
    max_retry=timedelta(hours=1),
    max_attempts=10,
    stuck_after=timedelta(minutes=15),
    resend_stuck=False,
    late_after=timedelta(hours=1),
    urgent=False,
)
POLICIES = {Kind.ALERT: SAFETY, Kind.ESCALATION: SAFETY, Kind.FOLLOWUP: FOLLOWUP}
URGENT_KINDS = [kind for kind, policy in POLICIES.items() if policy.urgent]
# The order a sender looks for due rows in: urgent kinds first.
ORDER = sorted(POLICIES, key=lambda kind: not POLICIES[kind].urgent)

RECHECK_EMPTY_SECONDS = 1.0

# What a handler's on_change hears (besides the statuses sent, failed and unknown).
RESENT = "resent"  # stuck with a dead sender, queued again
RETRY = "retry"  # a person asked for it to be sent again


def backoff(policy: Policy, attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts: the one back-off rule."""
    return min(policy.max_retry, policy.first_retry * 2 ** min(max(attempts, 1) - 1, 20))


# --- What each kind's app provides ------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    # (template context, extra headers) for a row: reads what it needs from the row's ids.
    prepare: Callable[[OutgoingEmail], tuple[dict, dict]]
    # (row, event, actor): called inside the transaction that changed the row.
    on_change: Callable[[OutgoingEmail, str, object], None] | None = None
    # True while rows of this kind must wait (follow-ups' quiet hours).
    held: Callable[[], bool] | None = None
    # What `prepare` reads, loaded with the row when a pass claims it (select_related paths).
    related: tuple[str, ...] = ()


HANDLERS: dict[str, Handler] = {}


def register(kind: str, prepare, on_change=None, held=None, related=()) -> None:
    if kind not in POLICIES:
        raise ValueError(f"no outbox policy for {kind!r}")
    HANDLERS[kind] = Handler(prepare, on_change, held, tuple(related))


def _changed(email: OutgoingEmail, event: str, actor=None) -> None:
    handler = HANDLERS.get(email.kind)
    if handler is not None and handler.on_change is not None:
        handler.on_change(email, event, actor)


def held(kind: str) -> bool:
    """True while rows of this kind must wait (no handler yet, or the handler holds them)."""
    handler = HANDLERS.get(kind)
    return handler is None or (handler.held is not None and handler.held())


def sendable_kinds() -> list[str]:
    """The kinds that may be sent now, urgent first."""
    return [kind for kind in ORDER if not held(kind)]


# --- Writing ------------------------------------------------------------------------------------


def send_on_commit(email_ids: Collection[int]) -> None:
    """Hand the rows to a worker once the transaction that wrote them commits."""
    ids = list(email_ids)
    if ids:
        transaction.on_commit(lambda: _enqueue(ids), robust=True)


def _enqueue(ids):
    from .tasks import send_email

    for pk in ids:
        try:
            send_email.delay(pk)
        except Exception as exc:  # the broker is down: beat's pass sends them, no need to wait
            log.warning(
                "outbox %s and %s more not enqueued (%s); left for the pass",
                pk,
                len(ids) - ids.index(pk) - 1,
                type(exc).__name__,
            )
            return


def message_id(pk: int) -> str:
    """The Message-ID of a row's email, the same on every attempt."""
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<outbox-{pk}@{domain or 'localhost'}>"


# --- Claim, send, mark ------------------------------------------------------------------------


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0  # found stuck and marked 'outcome unknown'
    resent: int = 0  # found stuck and queued again

    @property
    def done(self) -> int:
        return self.sent + self.retrying + self.failed


def claim(kinds: list[str], pk: int | None = None) -> OutgoingEmail | None:
    """Take one due row of `kinds` (that one row if `pk`) for this sender alone; None if none."""
    now = timezone.now()
    due = OutgoingEmail.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=S.QUEUED, next_attempt_at__lte=now
    )
    if pk is not None:
        candidates = [due.filter(pk=pk, kind__in=kinds)]
    else:  # kind by kind, each an index range: the first due row of the most urgent kind
        candidates = (
            _with_related(due.filter(kind=kind), kind).order_by("next_attempt_at", "pk")
            for kind in kinds
        )
    with transaction.atomic(savepoint=False):
        for rows in candidates:
            email = rows.first()
            if email is not None:
                email.status, email.claimed_at = S.SENDING, now
                email.attempts += 1
                email.message_id = email.message_id or message_id(email.pk)
                email.save(update_fields=["status", "claimed_at", "attempts", "message_id"])
                return email
    return None


def _with_related(rows, kind):
    related = HANDLERS[kind].related
    return rows.select_related(*related) if related else rows


def render(email: OutgoingEmail):
    context, headers = HANDLERS[email.kind].prepare(email)
    headers = {**headers, "Message-ID": email.message_id}
    return make_message(email.template, email.recipient, context, headers=headers)


def _mark(email, event, condition, **changes) -> bool:
    with transaction.atomic():
        if not OutgoingEmail.objects.filter(condition, pk=email.pk).update(**changes):
            return False
        for field, value in changes.items():
            setattr(email, field, value)
        _changed(email, event)
    return True


def _ours(email) -> Q:
    """Still the claim this sender made (nobody has taken it over since)."""
    return Q(status=S.SENDING, claimed_at=email.claimed_at)


def mark_sent(email: OutgoingEmail) -> None:
    # Whatever happened meanwhile (queued again or marked unknown by a pass that took this
    # sender for dead), the server has it now: recording that saves a second copy.
    delivered = _mark(
        email,
        S.SENT,
        Q(status__in=[S.SENDING, S.QUEUED, S.UNKNOWN]),
        status=S.SENT,
        sent_at=timezone.now(),
        last_error="",
    )
    if delivered:
        log.info("outbox %s (%s) sent", email.pk, email.kind)


def mark_failed(email: OutgoingEmail, error: str) -> None:
    _mark(email, S.FAILED, _ours(email), status=S.FAILED, last_error=error)
    log.warning("outbox %s (%s) failed: %s", email.pk, email.kind, error.split(":", 1)[0])


def mark_retry(email: OutgoingEmail, error: str) -> bool:
    """Queue it again after the back-off; False if it is out of attempts (then 'failed')."""
    policy = POLICIES[email.kind]
    if email.attempts >= policy.max_attempts:
        mark_failed(email, error)
        return False
    delay = backoff(policy, email.attempts)
    _mark(
        email,
        S.QUEUED,
        _ours(email),
        status=S.QUEUED,
        last_error=error,
        next_attempt_at=timezone.now() + delay,
    )
    log.warning("outbox %s not sent (%s); retry in %s", email.pk, error.split(":")[0], delay)
    return True


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


def settle(email: OutgoingEmail, exc: Exception, tally: Tally) -> bool:
    """Mark a row whose sending raised; False if the server itself could not be reached."""
    if isinstance(exc, ValueError):  # an address Django cannot send to
        mark_failed(email, "invalid email address")
    elif is_permanent(exc):
        mark_failed(email, describe(exc, email.recipient))
    else:
        if mark_retry(email, describe(exc, email.recipient)):
            tally.retrying += 1
        else:
            tally.failed += 1
        return is_about_message(exc)
    tally.failed += 1
    return True


def deliver(email: OutgoingEmail, connection, tally: Tally) -> bool:
    """Send one claimed row and mark it; False if the mail server could not be reached."""
    try:
        message = render(email)
    except DatabaseError:
        raise  # the row stays 'sending': its policy decides once it is found stuck
    except Exception as exc:  # a bug or a vanished record: failed, where staff see it
        log.exception("outbox %s (%s) could not be written", email.pk, email.kind)
        mark_failed(email, f"the email could not be written ({type(exc).__name__})")
        tally.failed += 1
        return True
    try:
        connection.open()  # a no-op while open; reconnects after an error
        accepted = connection.send_messages([message]) == 1
    except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
        _close(connection)  # the next row starts on a fresh connection
        return settle(email, exc, tally)
    if accepted:
        mark_sent(email)
        tally.sent += 1
    else:
        mark_failed(email, "no email address")
        tally.failed += 1
    return True


def _close(connection):
    with contextlib.suppress(OSError):  # smtplib's errors included
        connection.close()


def recover_stuck(tally: Tally) -> None:
    """Rows whose sender stopped mid-send, each as its kind's policy says."""
    now = timezone.now()
    for kind, policy in POLICIES.items():
        with transaction.atomic():
            stuck = list(
                OutgoingEmail.objects.select_for_update(skip_locked=True).filter(
                    status=S.SENDING, kind=kind, claimed_at__lt=now - policy.stuck_after
                )
            )
            for email in stuck:
                if not policy.resend_stuck:
                    email.status, event = S.UNKNOWN, S.UNKNOWN
                    email.last_error = "The sender stopped mid-send: it may have been delivered."
                    tally.unknown += 1
                elif email.attempts >= policy.max_attempts:
                    email.status, event = S.FAILED, S.FAILED
                    email.last_error = "The sender stopped mid-send on every attempt."
                    tally.failed += 1
                else:
                    email.status, event = S.QUEUED, RESENT
                    email.next_attempt_at = now
                    email.last_error = "The sender stopped mid-send: sending again."
                    tally.resent += 1
                email.save(update_fields=["status", "last_error", "next_attempt_at"])
                _changed(email, event)
                log.error("outbox %s (%s) stuck mid-send: %s", email.pk, kind, email.status)


def send_due(limit=None, budget=None, progress=None) -> Tally:
    """One pass: deal with stuck rows, then send due rows one at a time, urgent kinds first,
    until none is left (or `limit` are done, or `budget` seconds have passed);
    `progress(tally)` after each row."""
    tally = Tally()
    recover_stuck(tally)
    kinds = sendable_kinds()
    started = time.monotonic()
    connection = mailers.default
    # A kind found with nothing due is looked at again a second later, not before every row:
    # one query less per email (an alert that arrives meanwhile has its own task).
    empty_until: dict[str, float] = {}
    try:
        while kinds and (limit is None or tally.done < limit):
            now = time.monotonic()
            if budget is not None and now - started > budget:
                break
            looking = [kind for kind in kinds if empty_until.get(kind, 0) <= now]
            email = claim(looking) if looking else None
            if email is None and len(looking) < len(kinds):
                looking = kinds  # before giving up, the kinds passed over too
                email = claim(looking)
            if email is None:
                break
            for kind in looking[: looking.index(email.kind)]:
                empty_until[kind] = now + RECHECK_EMPTY_SECONDS
            if not deliver(email, connection, tally):
                # The server cannot be reached: the rest of the follow-ups wait for the next
                # pass; each due alert is still tried, so that it counts towards its bound.
                kinds = [kind for kind in kinds if POLICIES[kind].urgent]
            if progress is not None:
                progress(tally)
    finally:
        _close(connection)
    return tally


def send(email_id: int) -> bool:
    """Send this one row now if it is due and nobody else has it; True if it was sent."""
    email = claim(sendable_kinds(), pk=email_id)
    if email is None:
        return False
    tally, connection = Tally(), mailers.default
    try:
        deliver(email, connection, tally)
    finally:
        _close(connection)
    return tally.sent == 1


# --- What staff do (the outbox page, the follow-ups page) -----------------------------------------


def _staff_change(email_id, expected, allowed, actor, event, **changes) -> bool:
    """Apply `changes` if the row is still in a status the person saw (`expected`) and that
    allows it; False if it was not (someone or something got there first)."""
    statuses = {expected} if isinstance(expected, str) else set(expected)
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update()
            .filter(allowed, pk=email_id, status__in=statuses)
            .first()
        )
        if email is None:
            return False
        for field, value in changes.items():
            setattr(email, field, value)
        email.save(update_fields=list(changes))
        _changed(email, event, actor)
        if event == RETRY:
            send_on_commit([email.pk])
    log.info(
        "outbox %s (%s): %s by user %s", email_id, email.kind, event, getattr(actor, "pk", None)
    )
    return True


def retry(email_id: int, actor, expected: str | Collection[str]) -> bool:
    """Send a failed, unknown-outcome or overdue row again now (quiet hours permitting), with
    its attempts counted afresh. For an unknown one this is the person's decision that a second
    copy is acceptable."""
    now = timezone.now()
    return _staff_change(
        email_id,
        expected,
        Q(status__in=[S.FAILED, S.UNKNOWN]) | Q(status=S.QUEUED, next_attempt_at__lte=now),
        actor,
        RETRY,
        status=S.QUEUED,
        attempts=0,
        next_attempt_at=now,
    )


def cancel(email_id: int, actor, expected: str | Collection[str]) -> bool:
    """Never send it: a queued, failed or unknown-outcome row."""
    return _staff_change(
        email_id,
        expected,
        Q(status__in=[S.QUEUED, S.FAILED, S.UNKNOWN]),
        actor,
        S.CANCELLED,
        status=S.CANCELLED,
    )


# --- What staff see -------------------------------------------------------------------------------


def overdue(now: datetime.datetime | None = None) -> Q:
    """Queued or sending for longer than its kind allows: pending too long."""
    now = now or timezone.now()
    late = Q(pk__in=[])
    for kind, policy in POLICIES.items():
        cutoff = now - policy.late_after
        late |= Q(kind=kind, status=S.QUEUED, next_attempt_at__lt=cutoff)
        late |= Q(kind=kind, status=S.SENDING, claimed_at__lt=cutoff)
    return late


def failed_urgent_cases(limit: int = 10) -> list[int]:
    """Cases with a failed safety alert or escalation: one query, for the banner."""
    return list(
        OutgoingEmail.objects.filter(status=S.FAILED, kind__in=URGENT_KINDS)
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()[:limit]
    )
