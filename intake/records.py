"""A patient's record as staff change it: merging two records into one.

A merge moves every case and enquiry of one record (the source) to another (the target), in one
transaction, audited. The source row is kept, marked `merged_into`, with its details as they
were typed: what a person once gave as their name is part of the record, and the patient page
shows it. The target keeps its own details; only details it lacks are taken from the source.

The usual rules hold. No case's urgency, acknowledgement or target changes: the moved cases keep
their own triage, so nothing is quietly lowered and an emergency stays pinned until someone
acknowledges it. A newer case stops the plan of older ones, as when a returning patient opens a
new case: follow-up reacts to `patients_merged` (sent inside the transaction) by cancelling the
scheduled follow-ups of every case but the newest, and by keeping an opt-out of either record.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from clinic import audit
from clinic.models import AuditEntry

from . import matching
from .models import Case, CaseEvent, Enquiry, Patient, PossibleMatch

log = logging.getLogger(__name__)

# Sent inside the merge's transaction with source_id, target_id, case_ids (moved), actor.
patients_merged = Signal()


class MergeError(Exception):
    """A merge refused for a reason the person can act on; the message says which."""


def merge(source_id: int, target_id: int, actor, *, ip=None) -> Patient:
    """Move everything of patient `source_id` to patient `target_id`; the target, merged."""
    if source_id == target_id:
        raise MergeError("A record cannot be merged into itself.")
    now = timezone.now()
    with transaction.atomic():
        locked = Patient.objects.select_for_update().filter(pk__in=[source_id, target_id])
        patients = {p.pk: p for p in locked.order_by("pk")}
        if len(patients) != 2:
            raise MergeError("There is no patient record with that number.")
        source, target = patients[source_id], patients[target_id]
        for patient in (source, target):
            if patient.erased_at is not None:
                raise MergeError(f"Patient record {patient.pk} has been erased.")
            if patient.merged_into_id is not None:
                raise MergeError(
                    f"Patient record {patient.pk} was merged into record "
                    f"{patient.merged_into_id} already."
                )

        case_ids = list(Case.objects.filter(patient=source).values_list("pk", flat=True))
        # Anyone looking at a moved case must reload before changing it.
        Case.objects.filter(pk__in=case_ids).update(
            patient=target, version=F("version") + 1, updated_at=now
        )
        Enquiry.objects.filter(patient=source).update(patient=target)

        matching.fill_in(
            target, source.email, source.phone, source.phone_digits, source.date_of_birth
        )
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        # Records merged into the source before now point at the target: one step, never a chain.
        Patient.objects.filter(merged_into=source).update(merged_into=target)

        # A possible match of the source with the target is now decided; any other one of the
        # source's cases or against the source now concerns the target.
        confirmed = list(
            PossibleMatch.objects.filter(
                patient=source, candidate=target, status=PossibleMatch.Status.PENDING
            ).select_related("case")
        )
        PossibleMatch.objects.filter(pk__in=[p.pk for p in confirmed]).update(
            status=PossibleMatch.Status.CONFIRMED, decided_by=actor, decided_at=now
        )
        PossibleMatch.objects.filter(patient=source).update(patient=target)
        PossibleMatch.objects.filter(candidate=source).update(candidate=target)
        for possible in confirmed:
            possible.refresh_from_db()
            matching.decided(possible.case, possible, actor)

        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=case_id,
                kind=CaseEvent.Kind.MERGE,
                actor=actor,
                data={"from": source.pk, "into": target.pk},
            )
            for case_id in case_ids
        )
        patients_merged.send(
            sender=Patient,
            source_id=source.pk,
            target_id=target.pk,
            case_ids=case_ids,
            actor=actor,
        )
        audit.log(actor, AuditEntry.Action.CHANGE, "patient", target.pk, "merge", ip)
        audit.log(actor, AuditEntry.Action.CHANGE, "patient", source.pk, "merged-away", ip)
    log.info("patient %s merged into %s (%s cases)", source.pk, target.pk, len(case_ids))
    return target
