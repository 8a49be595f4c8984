"""Follow-up after recovery: the clinic's plan, one row per reminder, patients' opt-outs and
check-ins."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import OutgoingEmail
from intake.models import Case, Patient, Tier

# 2 weeks, 6 weeks, 3 months, 5 months (before the median recurrence), 12 months.
DEFAULT_STEPS = [14, 42, 91, 152, 365]


def default_steps():
    return list(DEFAULT_STEPS)


class FollowUpPlan(models.Model):
    """The clinic's default plan and quiet hours; one row, edited by clinic admins."""

    # Days after recovery, one per step, rising.
    steps = models.JSONField(default=default_steps)
    # No sending from quiet_start to quiet_end, clinic time (settings.TIME_ZONE); equal: none.
    quiet_start = models.TimeField(default=datetime.time(20))
    quiet_end = models.TimeField(default=datetime.time(8))
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def clean(self):
        steps = self.steps
        if (
            not isinstance(steps, list)
            or not steps
            or any(type(day) is not int or day < 1 for day in steps)
            or steps != sorted(set(steps))
        ):
            raise ValidationError(
                {"steps": "Give whole numbers of days after recovery, each later than the last."}
            )

    @classmethod
    def current(cls) -> "FollowUpPlan":
        return cls.objects.order_by("pk").first() or cls()

    def is_quiet(self, moment: datetime.datetime) -> bool:
        now = timezone.localtime(moment, timezone.get_default_timezone()).time()
        start, end = self.quiet_start, self.quiet_end
        if start <= end:
            return start <= now < end
        return now >= start or now < end  # the quiet hours span midnight


class FollowUpManager(models.Manager):
    """Follow-ups come with their email: its status is theirs."""

    def get_queryset(self):
        return super().get_queryset().select_related("email")


class FollowUp(models.Model):
    """One step of a recovered case's plan: when it falls due, and the email that carries it.

    The email is an outbox row (clinic.models.OutgoingEmail), written with the plan and queued
    for the step's due time: its status (queued, sending, sent, failed, outcome unknown,
    cancelled) is the follow-up's.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="followups")
    step = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    email = models.OneToOneField(OutgoingEmail, on_delete=models.PROTECT, related_name="followup")
    cancelled_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="followup_once_per_step")
        ]

    def __str__(self):
        return f"Follow-up {self.step} of case {self.case_id}"


class OptOut(models.Model):
    """A patient who asked for no more follow-up emails; a later consent on intake wins."""

    class Source(models.TextChoices):
        LINK = "link", "Unsubscribe page"
        ONE_CLICK = "one_click", "One-click unsubscribe (mail program)"
        STAFF = "staff", "Staff"

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="followup_optout"
    )
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices)


class CheckIn(models.Model):
    """A recovered patient's answers to the check-in linked from a follow-up email.

    Kept whatever the answers; the red-flag answers themselves are kept only when something was
    raised, on the questionnaire of the case the check-in was recorded on (`new_case`).
    """

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="checkins")
    # The recovered case the follow-up belongs to.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="checkins")
    pain_now = models.PositiveSmallIntegerField()
    recurred = models.BooleanField()
    wants_assessment = models.BooleanField()
    # The computed urgency when a flag fired or an assessment was asked for; null: nothing raised.
    urgency = models.PositiveSmallIntegerField(choices=Tier.choices, null=True, blank=True)
    # The case the check-in was recorded on: a new one, or the patient's open case if they had one.
    new_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pain_now__lte=10), name="checkin_pain_0_to_10")
        ]
        indexes = [models.Index(fields=["created_at"], name="checkin_created")]

    def __str__(self):
        return f"Check-in {self.pk} on case {self.case_id}"

    @property
    def raised(self) -> bool:
        return self.urgency is not None

    @property
    def tier(self) -> Tier | None:
        return None if self.urgency is None else Tier(self.urgency)
