"""The frame's records: the audit trail (who looked at or changed what, when, from where;
append-only) and the outbox (every email the clinic sends, as a row first)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One view or change. Holds no clinical content: the action and the object's id only."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        # Staff accounts: object_type "user", object_id the account (when the name is known).
        SIGN_IN = "signin", "Signed in"
        SIGN_OUT = "signout", "Signed out"
        SIGN_IN_FAILED = "signinfail", "Sign-in failed"
        LOCKOUT = "lockout", "Locked out"
        SECOND_FACTOR = "mfa", "Second factor changed"
        ACCOUNT = "account", "Account changed"
        # Any answer 403: object_type "page", `what` the page's URL name.
        DENIED = "denied", "Refused"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # e.g. "case"; `what` names the change (status, note, override...), never its content.
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField(null=True)
    what = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class OutgoingEmail(models.Model):
    """One email, any kind: a row in the outbox before it is a message (clinic/outbox.py).

    It keeps the template's name and a small context of ids, never clinical detail; the kind's
    handler turns them into the email when it is sent. `case` says what it is about (every
    email the clinic sends today is about a case); a follow-up's plan row points here.
    """

    class Kind(models.TextChoices):
        ALERT = "alert", "Safety alert"
        ESCALATION = "escalation", "Escalation"
        FOLLOWUP = "followup", "Follow-up"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # The sender stopped between handing it to the server and marking it: a person decides.
        UNKNOWN = "unknown", "Outcome unknown"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.EmailField()
    # The member of staff it goes to, if it goes to one (alerts, escalations).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # templates/emails/<template>-subject.html, -body-text.html and -body-html.html
    template = models.CharField(max_length=40)
    # Ids and labels the handler needs (a tier, a step); never an answer, a flag or a name.
    context = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey(
        "intake.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="emails"
    )
    # What makes it one of a kind (e.g. "alert:<response>:<user>"): writing it twice fails.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Sends started (a claim counts, so a send its sender never finished counts too).
    attempts = models.PositiveSmallIntegerField(default=0)
    # What the mail server said, without the address and without any clinical content.
    last_error = models.CharField(max_length=200, blank=True)
    # When it may be sent: at once, a follow-up's due time, or later after a transient error.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set before the first send and the same on every attempt: staff look it up in the mail log.
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The claim: the next due row of one kind.
            models.Index(
                fields=["kind", "next_attempt_at", "id"],
                name="outbox_due",
                condition=models.Q(status="queued"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="outbox_in_flight",
                condition=models.Q(status="sending"),
            ),
            # The outbox page and the failed-alert banner on every practitioner's page.
            models.Index(
                fields=["kind", "case"],
                name="outbox_undelivered",
                condition=models.Q(status__in=["failed", "unknown"]),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} to {self.recipient}"
