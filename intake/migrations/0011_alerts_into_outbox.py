# Every alert row becomes an outbox row (clinic.OutgoingEmail, kind "alert"), with its status,
# attempts, last error, next attempt and times. 0012 then drops the Alert table.

from django.db import migrations

BATCH = 2000
TO_OUTBOX = {"pending": "queued", "sending": "sending", "sent": "sent", "cancelled": "cancelled"}
# The old table knew no failed or unknown alert: it retried those (pending).
FROM_OUTBOX = {"queued": "pending", "sending": "sending", "sent": "sent", "failed": "pending",
               "unknown": "pending", "cancelled": "cancelled"}


def batches(queryset):
    last = 0
    while rows := list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH]):
        yield rows
        last = rows[-1].pk


def into_outbox(apps, schema_editor):
    Alert = apps.get_model("intake", "Alert")
    OutgoingEmail = apps.get_model("clinic", "OutgoingEmail")
    for rows in batches(Alert.objects.select_related("recipient")):
        OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                kind="alert",
                template="alert",
                case_id=alert.case_id,
                recipient=alert.recipient.email,
                recipient_user_id=alert.recipient_id,
                context={"tier": alert.tier, "response": alert.response_id},
                dedupe_key=f"alert:{alert.response_id}:{alert.recipient_id}",
                status=TO_OUTBOX[alert.status],
                attempts=alert.attempts,
                last_error=alert.last_error,
                next_attempt_at=alert.next_attempt_at,
                claimed_at=alert.claimed_at,
                sent_at=alert.sent_at,
                created_at=alert.created_at,
            )
            for alert in rows
        )


def out_of_outbox(apps, schema_editor):
    Alert = apps.get_model("intake", "Alert")
    OutgoingEmail = apps.get_model("clinic", "OutgoingEmail")
    alerts = OutgoingEmail.objects.filter(kind="alert")
    for rows in batches(alerts):
        Alert.objects.bulk_create(
            Alert(
                case_id=email.case_id,
                response_id=email.context["response"],
                recipient_id=email.recipient_user_id,
                tier=email.context["tier"],
                status=FROM_OUTBOX[email.status],
                attempts=email.attempts,
                last_error=email.last_error,
                next_attempt_at=email.next_attempt_at,
                claimed_at=email.claimed_at,
                sent_at=email.sent_at,
            )
            for email in rows
        )
    alerts.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0010_patient_privacy'),
        ('clinic', '0004_outgoingemail'),
    ]

    operations = [migrations.RunPython(into_outbox, out_of_outbox)]
