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
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from intake.models import Case, CaseEvent, Enquiry, Patient

from . import erasure

log = logging.getLogger(__name__)

REASON = "Retention period ended: {years} years after the last activity."
WHAT = "erase-retention"


def cutoff(now: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment `years` years before `now` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def expired(now=None, years=None):
    """Records whose retention period has ended (not erased, not merged into another): made
    before the cut-off, with no enquiry, case change or timeline line since.

    Asked as "nothing since the cut-off" rather than "the latest is before it": PostgreSQL then
    answers with anti-joins over the recent rows, not a look-up per patient."""
    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    cut = cutoff(now, years)
    mine = OuterRef("pk")
    return (
        Patient.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
        .filter(created_at__lt=cut)
        .exclude(Exists(Case.objects.filter(patient=mine, updated_at__gte=cut)))
        .exclude(Exists(CaseEvent.objects.filter(case__patient=mine, at__gte=cut)))
        .exclude(Exists(Enquiry.objects.filter(patient=mine, created_at__gte=cut)))
    )


@dataclass
class Report:
    cutoff: datetime.datetime
    expired: int = 0
    held: int = 0
    anonymised: int = 0
    # Left for the next run: the time budget ran out.
    unfinished: int = 0
    failed: list[int] = field(default_factory=list)


def run(*, dry_run=False, now=None, years=None, progress=None, batch=200, budget=None) -> Report:
    """Anonymise every record whose retention period has ended; with dry_run, only count.

    Records go in batches of `batch`, each in one transaction; a batch that fails is tried
    record by record, so a failure costs that record only (logged by id, tried again the next
    day). A record with an open case or a possible match waiting is held (erasure.erasable).
    With `budget` (seconds) the run stops between batches once it is spent; the rest waits for
    the next run. `progress(done, total)` is called after each batch.
    """
    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    candidates = expired(now, years)
    ready = erasure.erasable(candidates)
    report = Report(cutoff=cutoff(now, years), expired=candidates.count())
    ids = list(ready.order_by("pk").values_list("pk", flat=True))
    report.held = report.expired - len(ids)
    if dry_run:
        return report
    reason = REASON.format(years=years)
    started = time.monotonic()
    for start in range(0, len(ids), batch):
        if budget is not None and time.monotonic() - started > budget:
            report.unfinished = len(ids) - start
            break
        chunk = ids[start : start + batch]
        try:
            report.anonymised += len(erasure.erase_batch(chunk, reason, what=WHAT))
        except Exception:
            log.exception("retention: a batch failed; its records are tried one by one")
            for patient_id in chunk:
                try:
                    erasure.erase(patient_id, reason, what=WHAT)
                    report.anonymised += 1
                except Exception:
                    log.exception("retention: patient %s not anonymised", patient_id)
                    report.failed.append(patient_id)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    log.info(
        "retention: %s expired, %s anonymised, %s held, %s failed, %s left for the next run",
        report.expired,
        report.anonymised,
        report.held,
        len(report.failed),
        report.unfinished,
    )
    return report
