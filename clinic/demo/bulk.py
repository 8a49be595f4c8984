"""The one path every bulk load of demo data takes.

A load is a sequence of batches, each a `Batch` of unsaved rows built in memory; each batch is
written in its own transaction with bulk_create, in the order the foreign keys need, and the
caller hears about it (progress). When the last batch is in, every table the load wrote is
ANALYZEd: autovacuum may be off or late, and a million rows the planner has no statistics for
make the queue's plans wrong (p95 292 ms before an ANALYZE at 1,000,000 cases, 17 ms after).
Generated rows never alert anyone and send nothing: no signals, no outbox hand-over.
"""

import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from psycopg import sql

from clinic.models import OutgoingEmail
from followup.models import FollowUp
from intake.models import Case, CaseEvent, Enquiry, Flag, IntakeResponse, Patient

# Written in this order: each bulk_create sets the ids that the next one's foreign keys read.
ORDER = (Patient, Case, Enquiry, IntakeResponse, Flag, OutgoingEmail, FollowUp, CaseEvent)


@dataclass
class Batch:
    """Unsaved rows of one batch; a follow-up refers to its unsaved outbox row (`email=`)."""

    patients: list[Patient] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)
    responses: list[IntakeResponse] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    emails: list[OutgoingEmail] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    def rows(self):
        """(model, rows) in ORDER."""
        lists = (
            self.patients,
            self.cases,
            self.enquiries,
            self.responses,
            self.flags,
            self.emails,
            self.followups,
            self.events,
        )
        return zip(ORDER, lists, strict=True)

    def __len__(self) -> int:
        return len(self.cases)


@contextmanager
def own_timestamps():
    """Let bulk_create keep back-dated timestamps, which auto_now(_add) would set to now.

    It changes the model fields for this process only while the block runs; seed_demo is the
    only thing running in its process, and the fields are restored even on error.
    """
    fields = [
        Patient._meta.get_field("created_at"),
        Case._meta.get_field("opened_at"),
        Case._meta.get_field("updated_at"),
        Enquiry._meta.get_field("created_at"),
        IntakeResponse._meta.get_field("submitted_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def write(batch: Batch) -> set[type]:
    """One batch in one transaction; the models it wrote rows of."""
    written = set()
    with transaction.atomic():
        for model, rows in batch.rows():
            if rows:
                model.objects.bulk_create(rows)
                written.add(model)
    return written


def analyze(models: Iterable[type]) -> list[str]:
    """ANALYZE these models' tables (names quoted by psycopg, never pasted in); their names."""
    tables = sorted(model._meta.db_table for model in models)
    if tables:
        statement = sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
        with connection.cursor() as cursor:
            cursor.execute(statement)
    return tables


def load(
    batches: Iterable[Batch],
    progress: Callable[[int, float], None] | None = None,
    analysed: Callable[[list[str], float], None] | None = None,
) -> tuple[int, float]:
    """Write every batch, each in its own transaction, then ANALYZE the tables written.

    `progress(rows so far, seconds)` after each batch (rows: cases); `analysed(tables,
    seconds)` once the statistics are fresh. Returns (cases written, seconds in all).
    """
    started = time.monotonic()
    done, written = 0, set()
    with own_timestamps():
        for batch in batches:
            written |= write(batch)
            done += len(batch)
            if progress is not None:
                progress(done, time.monotonic() - started)
    tables = analyze(written)
    if analysed is not None:
        analysed(tables, time.monotonic() - started)
    return done, time.monotonic() - started
