"""Alerting practitioners on duty about emergency and urgent responses, through an outbox.

Each alert is a row first and an email second. The row is written in the same transaction as
the response; the Celery task is enqueued after commit; if the broker is down, or the email
fails, the row stays pending and the periodic sweep sends it later. A row claimed by a worker
that then died is sent again after ALERT_STALE_AFTER: for a safety alert, twice beats never.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.emails import make_message

from .models import Alert, Case, CaseEvent, IntakeResponse, Tier

log = logging.getLogger(__name__)

ALERT_STALE_AFTER = datetime.timedelta(minutes=10)
MAX_BACKOFF = datetime.timedelta(minutes=10)


def recipients():
    """Practitioners on duty; if nobody is on duty, every practitioner and clinic admin."""
    staff = roles.clinical_staff().exclude(email="")
    on_duty = staff.filter(staff_profile__on_duty=True)
    if on_duty.exists():
        return on_duty
    log.warning("no practitioner is on duty: alerting every practitioner and clinic admin")
    return staff


def raise_alerts(case: Case, response: IntakeResponse) -> list[int]:
    """Write one alert row per recipient and send them once the transaction commits."""
    now = timezone.now()
    # Not due for the sweep until the task has had its chance to send it.
    due = now + datetime.timedelta(seconds=settings.ALERT_RETRY_AFTER_SECONDS)
    rows = Alert.objects.bulk_create(
        Alert(
            case=case, response=response, recipient=user, tier=response.urgency, next_attempt_at=due
        )
        for user in recipients()
    )
    ids = [row.pk for row in rows]
    if not ids:
        log.error("case %s needs an alert but no practitioner has an email address", case.pk)
    transaction.on_commit(lambda: enqueue(ids), robust=True)
    return ids


def enqueue(alert_ids):
    from .tasks import send_alert

    for alert_id in alert_ids:
        try:
            send_alert.delay(alert_id)
        except Exception as exc:  # the broker is down: the sweep will send it
            log.warning(
                "alert %s not enqueued (%s); left for the sweep", alert_id, type(exc).__name__
            )
            Alert.objects.filter(pk=alert_id, status=Alert.Status.PENDING).update(
                next_attempt_at=timezone.now()
            )


def claim(alert_id) -> bool:
    """Take the row for this worker only; False if someone else has it or it is done."""
    now = timezone.now()
    unclaimed = Q(status=Alert.Status.PENDING) | Q(
        status=Alert.Status.SENDING, claimed_at__lt=now - ALERT_STALE_AFTER
    )
    return (
        Alert.objects.filter(unclaimed, pk=alert_id).update(
            status=Alert.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def deliver(alert_id) -> bool:
    if not claim(alert_id):
        return False
    alert = Alert.objects.select_related("recipient").get(pk=alert_id)
    link = settings.SITE_URL + reverse("case_detail", args=[alert.case_id])
    message = make_message(
        "alert",
        alert.recipient.email,
        {"tier": Tier(alert.tier), "link": link, "recipient": alert.recipient},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        delay = min(MAX_BACKOFF, datetime.timedelta(seconds=30 * 2 ** min(alert.attempts, 8)))
        Alert.objects.filter(pk=alert_id).update(
            status=Alert.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:200],
            next_attempt_at=timezone.now() + delay,
        )
        log.warning("alert %s not sent (%s); retry in %s", alert_id, type(exc).__name__, delay)
        return False
    now = timezone.now()
    Alert.objects.filter(pk=alert_id).update(status=Alert.Status.SENT, sent_at=now, last_error="")
    CaseEvent.objects.create(
        case_id=alert.case_id,
        kind=CaseEvent.Kind.ALERT,
        at=now,
        data={"to": alert.recipient.get_username(), "tier": Tier(alert.tier).key},
    )
    log.info("alert %s sent", alert_id)
    return True


def sweep(limit=500) -> int:
    """Send every alert that is due again: never enqueued, failed, or stuck with a dead worker."""
    now = timezone.now()
    due = Q(status=Alert.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Alert.Status.SENDING, claimed_at__lt=now - ALERT_STALE_AFTER
    )
    ids = list(
        Alert.objects.filter(due).order_by("tier", "id").values_list("id", flat=True)[:limit]
    )
    return sum(deliver(alert_id) for alert_id in ids)
