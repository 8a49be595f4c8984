"""What staff do to a case: acknowledge, assign, override, note, contact, move its status.

Each service takes the staff member acting (`actor`) and, from a page, their address (`ip`),
never the request, so that a view, a task or a command changes a case the same way. Every
change runs in one transaction under a row lock and leaves a timeline event and an audit row.

Conflicts (optimistic concurrency on `Case.version`) only between changes that touch the same
thing: every change bumps the version, and a change made on an older version is refused only
if what it depends on (`WATCHES`) is no longer what the person saw (`seen`, from
`seen_state`). A note or a contact attempt never conflicts; an assignment conflicts with
another assignment; a change of urgency with another change of urgency (an override or a new
questionnaire); a status change with another status change, or with a change of urgency (the
status was chosen for the urgency the person saw). Without `seen`, any change since counts.

A status change is announced with the `case_status_changed` signal after commit, so that
follow-ups can react without intake knowing about them.
"""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from clinic import audit, roles

from . import targets
from .models import Case, CaseEvent, Tier, TriageTargets

# Sent after commit with case_id, old, new, actor.
case_status_changed = Signal()

S = Case.Status
TRANSITIONS = {
    S.NEW: (S.TRIAGED, S.BOOKED, S.EMERGENCY_CARE, S.CLOSED),
    S.TRIAGED: (S.BOOKED, S.EMERGENCY_CARE, S.CLOSED),
    S.BOOKED: (S.IN_TREATMENT, S.DID_NOT_ATTEND, S.EMERGENCY_CARE, S.CLOSED),
    S.DID_NOT_ATTEND: (S.BOOKED, S.CLOSED),
    S.IN_TREATMENT: (S.RECOVERED, S.EMERGENCY_CARE, S.CLOSED),
    S.EMERGENCY_CARE: (S.TRIAGED, S.CLOSED),
    S.RECOVERED: (S.CLOSED,),
    S.CLOSED: (),
}

CONTACT_OUTCOMES = {
    "called": "Called, spoke to the patient",
    "no_answer": "Called, no answer",
    "left_message": "Left a message",
    "booked": "Booked an appointment",
}
# An attempt that reached the patient meets the tier's contact target.
CONTACT_MEETS_TARGET = {"called", "booked"}


class CaseworkError(Exception):
    """A change refused for a reason the person can act on; the message says which."""

    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Conflict(CaseworkError):
    """Someone else changed the case first; `case` is its state now."""

    def __init__(self, case):
        super().__init__(
            "Someone else changed this case while you were looking at it. "
            "Here is what it looks like now; please check before you try again."
        )
        self.case = case


def allowed_moves(status):
    return TRANSITIONS[Case.Status(status)]


# What each change depends on: the fields whose change by someone else makes it a conflict.
WATCHES = {
    "acknowledge": (),  # acknowledged already: refused for that reason, not as a conflict
    "note": (),
    "contact": (),
    "assign": ("assigned_to_id",),
    "override": ("urgency",),
    "status": ("status", "urgency"),
}


def seen_state(case, what) -> str:
    """What a change of kind `what` depends on, as the person sees it now (a form's `seen`)."""
    return "|".join(
        "" if getattr(case, f) is None else str(getattr(case, f)) for f in WATCHES[what]
    )


def _change(case_id, version, what, apply, actor, ip, seen=None):
    """Lock, check for a conflict, apply, bump the version, and write the event and audit rows."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("patient").get(pk=case_id)
        if case.version != version and (seen is None or seen != seen_state(case, what)):
            raise Conflict(case)
        changed_fields, event = apply(case)
        case.version += 1
        case.save(update_fields=[*changed_fields, "version", "updated_at"])
        if event is not None:
            CaseEvent.objects.create(case=case, actor=actor, **event)
        audit.change(actor, "case", case.pk, what, ip)
    return case


def _meet_target(case, now):
    if case.target_met_at is None:
        case.target_met_at = now
        return ["target_met_at"]
    return []


def acknowledge(case_id, version, *, actor, ip=None, seen=None):
    def apply(case):
        if case.acknowledged_at is not None:
            raise CaseworkError("This case has already been acknowledged.")
        now = timezone.now()
        case.acknowledged_at, case.acknowledged_by = now, actor
        fields = ["acknowledged_at", "acknowledged_by"]
        if case.urgency == Tier.EMERGENCY:
            fields += _meet_target(case, now)
        return fields, {"kind": CaseEvent.Kind.ACKNOWLEDGED}

    return _change(case_id, version, "acknowledge", apply, actor, ip, seen)


def assign(case_id, version, assignee_id, *, actor, ip=None, seen=None):
    assignee = None
    if assignee_id:
        assignee = roles.clinical_staff().filter(pk=assignee_id).first()
        if assignee is None:
            raise CaseworkError("Choose a practitioner.", field="assignee")

    def apply(case):
        case.assigned_to = assignee
        who = assignee.get_username() if assignee else None
        return ["assigned_to"], {"kind": CaseEvent.Kind.ASSIGNED, "data": {"to": who}}

    return _change(case_id, version, "assign", apply, actor, ip, seen)


def override_urgency(case_id, version, tier, reason, *, actor, ip=None, seen=None):
    reason = (reason or "").strip()
    if not reason:
        raise CaseworkError("Write down why you are changing the urgency.", field="reason")
    try:
        tier = Tier(int(tier))
    except (TypeError, ValueError):
        raise CaseworkError("Choose an urgency tier.", field="tier") from None

    def apply(case):
        if tier == case.urgency:
            raise CaseworkError("The case already has this urgency.", field="tier")
        old = Tier(case.urgency)
        now = timezone.now()
        case.urgency = tier
        case.override_reason, case.overridden_by, case.overridden_at = reason, actor, now
        # The new tier's target runs from the override: an old case made an emergency gets
        # its minutes to be acknowledged, not an escalation at once.
        case.target_started_at = now
        case.target_due_at = targets.due_at(tier, now, TriageTargets.current())
        fields = [
            "urgency",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "target_started_at",
            "target_due_at",
        ]
        event = {
            "kind": CaseEvent.Kind.OVERRIDE,
            "data": {"from": old.key, "to": tier.key, "computed": Tier(case.computed_urgency).key},
            "text": reason,
        }
        return fields, event

    return _change(case_id, version, "override", apply, actor, ip, seen)


def add_note(case_id, version, text, *, actor, ip=None, seen=None):
    text = (text or "").strip()
    if not text:
        raise CaseworkError("A note cannot be empty.", field="text")

    def apply(case):
        return [], {"kind": CaseEvent.Kind.NOTE, "text": text}

    return _change(case_id, version, "note", apply, actor, ip, seen)


def record_contact(case_id, version, outcome, text="", *, actor, ip=None, seen=None):
    if outcome not in CONTACT_OUTCOMES:
        raise CaseworkError("Choose what happened.", field="outcome")

    def apply(case):
        fields = []
        data = {"outcome": outcome}
        if outcome in CONTACT_MEETS_TARGET and case.urgency != Tier.EMERGENCY:
            fields += _meet_target(case, timezone.now())
        if outcome == "booked" and S.BOOKED in allowed_moves(case.status):
            data["status"] = {"from": case.status, "to": S.BOOKED}
            _announce(case, case.status, S.BOOKED, actor)
            case.status = S.BOOKED
            fields.append("status")
        return fields, {"kind": CaseEvent.Kind.CONTACT, "data": data, "text": text.strip()}

    return _change(case_id, version, "contact", apply, actor, ip, seen)


def move_status(case_id, version, new_status, *, actor, ip=None, seen=None):
    if new_status not in Case.Status.values:
        raise CaseworkError("Choose a status.", field="status")
    new_status = Case.Status(new_status)

    def apply(case):
        old = Case.Status(case.status)
        if new_status not in allowed_moves(old):
            raise CaseworkError(
                f"A case that is “{old.label}” cannot move to “{new_status.label}”.",
                field="status",
            )
        fields = ["status"]
        case.status = new_status
        if new_status == S.RECOVERED:
            case.recovered_at = timezone.now()
            fields.append("recovered_at")
        if old == S.NEW and case.urgency != Tier.EMERGENCY:
            fields += _meet_target(case, timezone.now())
        _announce(case, old, new_status, actor)
        event = {"kind": CaseEvent.Kind.STATUS, "data": {"from": old, "to": new_status}}
        return fields, event

    return _change(case_id, version, "status", apply, actor, ip, seen)


def _announce(case, old, new, actor):
    transaction.on_commit(
        lambda: case_status_changed.send(
            sender=Case, case_id=case.pk, old=str(old), new=str(new), actor=actor
        )
    )
