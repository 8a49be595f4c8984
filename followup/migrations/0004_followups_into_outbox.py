# Each follow-up's sending state (status, attempts, last error, next attempt, claim, sent time,
# Message-ID) moves to an outbox row of its own (clinic.OutgoingEmail, kind "followup").
# The Message-ID stays the one the old dispatch used, <followup-ID@host>, so that a row whose
# outcome is unknown can still be found in the mail server's log.

from django.conf import settings
from django.db import migrations

BATCH = 2000
FIELDS = ["attempts", "last_error", "next_attempt_at", "claimed_at", "sent_at"]


def batches(queryset):
    last = 0
    while rows := list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH]):
        yield rows
        last = rows[-1].pk


def old_message_id(followup_id):
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<followup-{followup_id}@{domain or 'localhost'}>"


def into_outbox(apps, schema_editor):
    FollowUp = apps.get_model("followup", "FollowUp")
    OutgoingEmail = apps.get_model("clinic", "OutgoingEmail")
    for rows in batches(FollowUp.objects.filter(email=None).select_related("case__patient")):
        emails = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                kind="followup",
                template="followup",
                case_id=followup.case_id,
                recipient=followup.case.patient.email,
                context={"step": followup.step},
                status="queued" if followup.status == "scheduled" else followup.status,
                message_id=followup.message_id or old_message_id(followup.pk),
                created_at=followup.created_at,
                **{field: getattr(followup, field) for field in FIELDS},
            )
            for followup in rows
        )
        for followup, email in zip(rows, emails, strict=True):
            followup.email = email
        FollowUp.objects.bulk_update(rows, ["email"])


def out_of_outbox(apps, schema_editor):
    FollowUp = apps.get_model("followup", "FollowUp")
    OutgoingEmail = apps.get_model("clinic", "OutgoingEmail")
    for rows in batches(FollowUp.objects.exclude(email=None).select_related("email")):
        for followup in rows:
            email = followup.email
            followup.status = "scheduled" if email.status == "queued" else email.status
            followup.message_id = email.message_id if email.status == "sent" else ""
            for field in FIELDS:
                setattr(followup, field, getattr(email, field))
            followup.email = None
        FollowUp.objects.bulk_update(rows, ["status", "message_id", "email", *FIELDS])
    OutgoingEmail.objects.filter(kind="followup").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('followup', '0003_followup_email'),
    ]

    operations = [migrations.RunPython(into_outbox, out_of_outbox)]
