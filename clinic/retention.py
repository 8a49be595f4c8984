"""Retention: a patient's record is anonymised RETENTION_YEARS (default 8) after their last
activity, by a daily beat job and by `manage.py retention`.

Why 8 years: UK guidance for adult health records (the NHS Records Management Code of Practice)
is to keep them 8 years after the last treatment; a clinic bound by another rule sets
RETENTION_YEARS. After that the record is anonymised exactly as a clinic admin's erasure does
(clinic/erasure.py): the counts stay, nothing identifying does.

Last activity is the latest of: the record's creation, any enquiry, any change to or line on the
timeline of any of its cases (questionnaires, notes, follow-ups sent, check-ins all write one).
A record with an open case or a possible match waiting for staff is not anonymised, however old:
it is counted as held, for a person to look at.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from intake.models import Case, CaseEvent, Enquiry, Patient, PossibleMatch

from . import erasure

log = logging.getLogger(__name__)

REASON = "Retention period ended: {years} years after the last activity."


def cutoff(now: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment `years` years before `now` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _latest(queryset, column):
    """The latest `column` of these rows, as a subquery (NULL when there are none)."""
    return Subquery(queryset.order_by(f"-{column}").values(column)[:1])


def with_last_activity(patients):
    """Annotate each patient with `last_activity` (the latest moment anything happened).

    GREATEST skips NULLs on PostgreSQL: a record with no case counts from its creation."""
    mine = OuterRef("pk")
    return patients.annotate(
        last_activity=Greatest(
            "created_at",
            _latest(Case.objects.filter(patient=mine), "updated_at"),
            _latest(CaseEvent.objects.filter(case__patient=mine), "at"),
            _latest(Enquiry.objects.filter(patient=mine), "created_at"),
        )
    )


def expired(now=None, years=None):
    """Records whose retention period has ended (not erased, not merged into another)."""
    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    live = Patient.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
    return with_last_activity(live).filter(last_activity__lt=cutoff(now, years))


def held(patients):
    """Of these, those kept for a person to look at: an open case, or a pending possible match."""
    open_case = Case.objects.filter(
        Q(patient=OuterRef("pk")) | Q(patient__merged_into=OuterRef("pk")),
        status__in=Case.OPEN_STATUSES,
    )
    pending = PossibleMatch.objects.filter(
        Q(candidate=OuterRef("pk")) | Q(patient=OuterRef("pk")),
        status=PossibleMatch.Status.PENDING,
    )
    return patients.filter(Exists(open_case) | Exists(pending))


@dataclass
class Report:
    cutoff: datetime.datetime
    expired: int = 0
    held: int = 0
    anonymised: int = 0
    failed: list[int] = field(default_factory=list)


def run(*, dry_run=False, now=None, years=None, progress=None, batch=500) -> Report:
    """Anonymise every record whose retention period has ended; with dry_run, only count.

    Each record is anonymised in its own transaction, so a failure costs that record only (it
    is logged by id and tried again the next day). `progress(done, total)` is called as it goes.
    """
    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    candidates = expired(now, years)
    kept = held(candidates)
    report = Report(cutoff=cutoff(now, years), expired=candidates.count(), held=kept.count())
    if dry_run:
        return report
    ids = list(candidates.exclude(pk__in=kept.values("pk")).values_list("pk", flat=True))
    reason = REASON.format(years=years)
    for done, patient_id in enumerate(ids, start=1):
        try:
            erasure.erase(patient_id, reason, what="erase-retention")
            report.anonymised += 1
        except Exception:
            log.exception("retention: patient %s not anonymised", patient_id)
            report.failed.append(patient_id)
        if progress and (done % batch == 0 or done == len(ids)):
            progress(done, len(ids))
    log.info(
        "retention: %s expired, %s anonymised, %s held, %s failed",
        report.expired,
        report.anonymised,
        report.held,
        len(report.failed),
    )
    return report
