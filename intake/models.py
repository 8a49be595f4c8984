"""The intake records: who contacted the clinic, about which episode, what they answered."""

from django.conf import settings
from django.db import models
from django.db.models import Case as CaseWhen
from django.db.models import F, Q, Subquery, Value, When
from django.utils import timezone

from . import rules


class Tier(models.IntegerChoices):
    """Urgency tiers, stored as their rank so that ordering by the column is by urgency."""

    EMERGENCY = rules.TIER_RANK["emergency"], "Emergency"
    URGENT = rules.TIER_RANK["urgent"], "Urgent"
    SOON = rules.TIER_RANK["soon"], "Soon"
    ROUTINE = rules.TIER_RANK["routine"], "Routine"

    @classmethod
    def of(cls, key: str) -> "Tier":
        return cls(rules.TIER_RANK[key])

    @property
    def key(self) -> str:
        return rules.TIERS[self.value]


class Patient(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # Stored lower-cased so that matching a returning patient is an index look-up.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    phone_digits = models.CharField(max_length=32, blank=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    # Lower-cased name, email and phone digits: what staff search, under a trigram index.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Staff found this record to be another's (intake/records.py): its cases and enquiries moved
    # there; this row keeps the details as they were typed. Never matched again.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    # Anonymised (clinic/erasure.py): nothing identifying is left; the counts stay. The reason
    # never names the patient (the erasure refuses one that does).
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    erasure_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["email"], name="patient_email", condition=~Q(email="")),
            models.Index(
                fields=["phone_digits", "date_of_birth"],
                name="patient_phone_dob",
                condition=~Q(phone_digits=""),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.search_text = self.make_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def make_search_text(self):
        return " ".join([self.first_name, self.last_name, self.email, self.phone_digits]).casefold()


class Case(models.Model):
    """An episode of care: from the first enquiry about it to discharge."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        BOOKED = "booked", "Booked"
        IN_TREATMENT = "in_treatment", "In treatment"
        RECOVERED = "recovered", "Recovered"
        CLOSED = "closed", "Closed"
        EMERGENCY_CARE = "emergency_care", "Sent to emergency care"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.BOOKED, Status.IN_TREATMENT)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # How the first enquiry about this episode reached the clinic.
    source = models.CharField(max_length=10, default="web")
    # The rules' verdict; an override changes `urgency` only, never this.
    computed_urgency = models.PositiveSmallIntegerField(choices=Tier.choices)
    urgency = models.PositiveSmallIntegerField(choices=Tier.choices)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    screen_incomplete = models.BooleanField(default=False)
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=200, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the tier's target falls due (acknowledge, contact) and when it was met.
    target_due_at = models.DateTimeField(null=True, blank=True)
    # When the current target's clock started: the case opening, or the last change of the
    # urgency the target depends on (a later response raising the tier, an override). The due
    # time and an escalation's "for how long" count from it; new targets keep it.
    target_started_at = models.DateTimeField(null=True, blank=True)
    target_met_at = models.DateTimeField(null=True, blank=True)
    # When it moved to recovered (a case recovers once): the follow-up plan counts from it, and
    # the came-back figure counts the recoveries of a period by it.
    recovered_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every change bumps it; a change made on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The queue's order: unacknowledged emergencies first (0), then by tier (1..4).
    queue_rank = models.GeneratedField(
        expression=CaseWhen(
            When(Q(urgency=0, acknowledged_at__isnull=True), then=Value(0)),
            default=F("urgency") + 1,
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        permissions = [
            ("log_enquiry", "Can log enquiries and see contact details, status and tier"),
            ("view_clinical", "Can see clinical answers, flags and notes"),
            ("triage_case", "Can triage and change cases"),
            ("manage_clinic", "Can manage staff duty and clinic settings"),
        ]
        indexes = [
            models.Index(fields=["queue_rank", "opened_at", "id"], name="case_queue"),
            # The default view: open cases only.
            models.Index(
                fields=["queue_rank", "opened_at", "id"],
                name="case_open_queue",
                condition=Q(status__in=["new", "triaged", "booked", "in_treatment"]),
            ),
            models.Index(fields=["patient", "status"], name="case_patient_status"),
            models.Index(fields=["status", "queue_rank", "opened_at"], name="case_status_queue"),
            models.Index(fields=["assigned_to", "queue_rank", "opened_at"], name="case_assigned"),
            models.Index(fields=["opened_at"], name="case_opened"),
            models.Index(
                fields=["recovered_at"],
                name="case_recovered",
                condition=Q(recovered_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Case {self.pk}"

    @property
    def tier(self) -> Tier:
        return Tier(self.urgency)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Enquiry(models.Model):
    class Source(models.TextChoices):
        PHONE = "phone", "Phone"
        WALK_IN = "walk_in", "Walk-in"
        EMAIL = "email", "Email"
        WEB = "web", "Web form"
        CHECKIN = "checkin", "Follow-up check-in"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="enquiries")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="enquiries")
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(fields=["logged_by", "-created_at"], name="enquiry_logged_by"),
            models.Index(fields=["created_at"], name="enquiry_created"),
        ]


class IntakeResponseQuerySet(models.QuerySet):
    """A case's latest response is the one that counts (its flags, its consent): the latest is
    the last submitted, and of two submitted in the same instant the one saved last."""

    def newest_first(self):
        return self.order_by("-submitted_at", "-pk")

    def latest_for(self, case) -> "IntakeResponse | None":
        """The latest response of `case` (a Case or its pk), or None before any."""
        return self.filter(case=case).newest_first().first()

    def latest_id_for(self, case) -> Subquery:
        """The id of the latest response of `case`, as an expression for another query:
        `case` is usually OuterRef("pk") (or OuterRef(OuterRef("pk")) one level deeper)."""
        return Subquery(self.filter(case=case).newest_first().values("pk")[:1])


class IntakeResponse(models.Model):
    """One filled-in questionnaire, with the versions of the questions and of the rules."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="responses")
    enquiry = models.ForeignKey(
        Enquiry, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # question id -> answer as JSON (yes/no as booleans, dates ISO); missing means unanswered.
    answers = models.JSONField()
    questionnaire_version = models.CharField(max_length=20)
    ruleset_version = models.CharField(max_length=20)
    urgency = models.PositiveSmallIntegerField(choices=Tier.choices)
    screen_incomplete = models.BooleanField()
    # Question ids deliberately not asked (a check-in): neither answered nor unanswered.
    not_asked = models.JSONField(default=list, blank=True)
    assessed_on = models.DateField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_followup = models.BooleanField(default=False)
    consent_wording = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = IntakeResponseQuerySet.as_manager()

    @classmethod
    def judged(cls, assessment: "rules.Assessment", *, answers, on, **fields) -> "IntakeResponse":
        """An unsaved response carrying what the rules said of `answers` on day `on`."""
        return cls(
            answers=answers,
            questionnaire_version=rules.QUESTIONNAIRE_VERSION,
            ruleset_version=assessment.ruleset_version,
            urgency=Tier.of(assessment.urgency),
            screen_incomplete=assessment.screen_incomplete,
            not_asked=list(assessment.not_asked),
            assessed_on=on,
            **fields,
        )

    @property
    def tier(self) -> Tier:
        return Tier(self.urgency)


class Flag(models.Model):
    """A red flag a rule raised on a response: which rule, why, and on which answers."""

    response = models.ForeignKey(IntakeResponse, on_delete=models.CASCADE, related_name="flags")
    rule_id = models.CharField(max_length=40)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    reason = models.TextField()
    source = models.TextField()
    facts = models.JSONField(default=list)

    class Meta:
        ordering = ["tier", "id"]

    @classmethod
    def fired(cls, response, flag: "rules.FiredFlag") -> "Flag":
        """The row for a flag the rules raised on this response."""
        return cls(
            response=response,
            rule_id=flag.id,
            tier=Tier.of(flag.tier),
            reason=flag.reason,
            source=flag.source,
            facts=list(flag.facts),
        )


class PossibleMatch(models.Model):
    """An unauthenticated enquiry whose contact details are an existing patient's.

    Anonymous input never changes an existing record (intake/matching.py): the enquiry opened a
    patient record of its own, with the details as typed, and its own case; staff confirm (the
    record is merged into the candidate) or reject (it stays a patient of its own) on the case page.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for staff"
        CONFIRMED = "confirmed", "Confirmed: merged"
        REJECTED = "rejected", "Rejected: another person"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="possible_match")
    # The record opened for the enquiry, as typed; the existing record it resembles.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="possible_matches"
    )
    # Which details matched ("email", "phone and date of birth") and which differ (field names
    # only, never the values).
    matched_on = models.CharField(max_length=40)
    differences = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "possible matches"
        indexes = [
            models.Index(
                fields=["candidate"], name="possiblematch_pending", condition=Q(status="pending")
            )
        ]


class StaffProfile(models.Model):
    """What the clinic knows about a staff user beyond auth: whether they are on duty."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    on_duty = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)


class CaseEvent(models.Model):
    """One line of a case's timeline: what happened, who did it, and when."""

    class Kind(models.TextChoices):
        ENQUIRY = "enquiry", "Enquiry"
        RESPONSE = "response", "Questionnaire"
        ALERT = "alert", "Alert sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        OVERRIDE = "override", "Urgency overridden"
        NOTE = "note", "Note"
        CONTACT = "contact", "Contact attempt"
        FOLLOWUP = "followup", "Follow-up"
        CHECKIN = "checkin", "Check-in"
        MATCH = "match", "Possible match"
        MERGE = "merge", "Patient records merged"
        ESCALATED = "escalated", "Escalated"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Short and structured (old/new status, outcome, assignee); `text` holds a note or reason.
    data = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]


class TriageTargets(models.Model):
    """How soon each tier must be answered; one row, edited by clinic admins."""

    emergency_ack_minutes = models.PositiveIntegerField(default=15)
    urgent_working_days = models.PositiveSmallIntegerField(
        default=0, help_text="0 means by the end of the working day the case arrived."
    )
    soon_working_days = models.PositiveSmallIntegerField(default=2)
    routine_working_days = models.PositiveSmallIntegerField(default=5)
    working_day_ends_hour = models.PositiveSmallIntegerField(default=18)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    @classmethod
    def current(cls) -> "TriageTargets":
        return cls.objects.order_by("pk").first() or cls()


class OpeningHours(models.Model):
    """When the clinic is open on one day of the week; no times means closed that day.

    Working days, and so every target in working days and every promise to a patient, follow
    these rows and the closed days (intake/calendar.py). A weekday without a row keeps the
    default: Monday to Friday 09:00-18:00, closed at weekends.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["weekday"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False, opens__lt=F("closes")),
                name="opening_hours_open_before_close",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self):
        if self.opens is None:
            return f"{self.get_weekday_display()}: closed"
        return f"{self.get_weekday_display()}: {self.opens:%H:%M}-{self.closes:%H:%M}"


class ClosedDay(models.Model):
    """A day the clinic is closed although its weekday is open: a bank holiday, training."""

    day = models.DateField(unique=True)
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.reason}".strip()


class Escalation(models.Model):
    """One round of escalation emails about a case that missed its target (intake/escalation.py).

    An emergency not acknowledged by its target is escalated, then again every
    ESCALATION_REPEAT_MINUTES until someone acknowledges it: rounds 1, 2, 3... of the target it
    missed. An urgent case not contacted by its due time is escalated once (round 1). The unique
    constraint is what makes two passes at once harmless: the second to write a round fails.
    """

    class Kind(models.TextChoices):
        NOT_ACKNOWLEDGED = "not_acknowledged", "Emergency not acknowledged"
        NOT_CONTACTED = "not_contacted", "Urgent case not contacted"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The target it escalates (the case's due time then) and which round of it this is.
    target_due_at = models.DateTimeField()
    number = models.PositiveSmallIntegerField()
    # Since when the case has been waiting (the target's clock started), and when this round went.
    waiting_since = models.DateTimeField()
    at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "target_due_at", "number"], name="escalation_once"
            )
        ]
        indexes = [models.Index(fields=["case", "kind", "-at"], name="escalation_case_latest")]

    def __str__(self):
        return f"Escalation {self.number} of case {self.case_id} ({self.kind})"

    @property
    def waited(self):
        """How long the case had waited when this round went."""
        return self.at - self.waiting_since


class EscalationContact(models.Model):
    """Someone outside the rota that clinic admins want told when an emergency is not
    acknowledged: the clinical lead's phone-to-email gateway, a manager, a partner practice."""

    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name
