"""The audit trail: who looked at or changed what, when, and from where. Append-only."""

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
