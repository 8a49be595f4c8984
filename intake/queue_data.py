"""The triage queue's rows: the pinned emergencies and a page of cases in one query, and the
values each row shows, prepared once here for the queue's template to print.

Both halves are plain values (no model instances), with each case's open flags (those of every
response of the case: the flags behind its current urgency, which a later, calmer answer never
lowers) aggregated by PostgreSQL in the same query.
"""

import datetime
import functools

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, JSONField, Lookup, OuterRef, Subquery, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.timesince import timesince

from . import rules
from .flag_labels import flag_label
from .models import Case, Enquiry, Escalation, Flag, IntakeResponse, Tier

QUEUE_ORDER = ("queue_rank", "opened_at", "id")
# What a row shows (and the cursor needs).
ROW_FIELDS = (
    "id",
    "queue_rank",
    "opened_at",
    "urgency",
    "status",
    "source",
    "screen_incomplete",
    "target_due_at",
    "target_met_at",
    "version",
    "patient__first_name",
    "patient__last_name",
    "patient__date_of_birth",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)
STATUS_LABELS = dict(Case.Status.choices)
SOURCE_LABELS = dict(Enquiry.Source.choices)


class AnyOf(Lookup):
    """`column = ANY(array)`. With an ArraySubquery as the array, PostgreSQL looks each element
    up in the column's index whatever its statistics say; a join of a case's responses to their
    flags is planned as a hash join over every flag when statistics are missing (autovacuum
    off, a fresh bulk load): seconds per page instead of a millisecond."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@functools.cache  # built once: every query that uses it resolves its own copy
def current_flags():
    """Each case's open flags, most urgent first: [{"rule_id": …, "tier": …}] from every one
    of its responses (a rule that fired twice is there twice: `distinct_flags` keeps one), or
    None when none raised anything (or there is no response yet).

    Every response counts, not only the latest: three submissions merged into one emergency
    case keep the emergency (a new answer never lowers an open case's urgency), so the flags
    behind it must stay in sight even when the latest submission raised nothing."""
    responses = ArraySubquery(
        IntakeResponse.objects.filter(case=OuterRef(OuterRef("pk"))).order_by().values("pk")
    )
    flags = (
        Flag.objects.filter(AnyOf(F("response_id"), responses))
        .order_by()
        .values(one=Value(1))  # one group: the aggregate over all of them
        .annotate(
            all=JSONBAgg(JSONObject(rule_id=F("rule_id"), tier=F("tier")), order_by=("tier", "id"))
        )
        .values("all")
    )
    return Subquery(flags)


@functools.cache
def latest_escalation():
    """A pinned emergency's latest escalation round: {"number": …, "at": …}, or None."""
    rounds = Escalation.objects.filter(
        case=OuterRef("pk"),
        kind=Escalation.Kind.NOT_ACKNOWLEDGED,
        target_due_at=OuterRef("target_due_at"),
    ).order_by("-number")
    return Subquery(rounds.values(json=JSONObject(number=F("number"), at=F("at")))[:1])


def awaiting_acknowledgement():
    # Whatever the filters say: nobody filters an emergency out of sight.
    return Case.objects.filter(queue_rank=0, status__in=Case.OPEN_STATUSES)


def page_of_cases(filters, after, pinned_ids=None):
    """The filtered cases after the cursor in queue order, less the pinned emergencies: all
    unacknowledged ones, or (when more are waiting than the banner holds) those in pinned_ids."""
    cases = filters.qs
    if pinned_ids is None:
        cases = cases.exclude(queue_rank=0, status__in=Case.OPEN_STATUSES)
    else:
        cases = cases.exclude(pk__in=pinned_ids)
    if after is not None:
        cases = cases.filter(TupleGreaterThan(Tuple(*QUEUE_ORDER), after))
    return cases.order_by(*QUEUE_ORDER)


def shown(cases, *, pinned, limit):
    # Only the banner's rows say how often they were escalated (the page's rows: NULL).
    escalated = latest_escalation() if pinned else Value(None, output_field=JSONField())
    return cases.values(
        *ROW_FIELDS, flags=current_flags(), pinned=Value(pinned), escalated=escalated
    )[:limit]


def fetch_queue(filters, after, page_size, pinned_limit):
    """The pinned emergencies, the page (page_size + 1 rows at most, to tell whether another
    follows) and how many emergencies are waiting: one query. When more are waiting than the
    banner holds, the rest lead the table: the page again without the pinned ones, and a COUNT."""
    pinned = shown(
        awaiting_acknowledgement().order_by(*QUEUE_ORDER), pinned=True, limit=pinned_limit + 1
    )
    page = shown(page_of_cases(filters, after), pinned=False, limit=page_size + 1)
    both = pinned.union(page, all=True).order_by("-pinned", *QUEUE_ORDER)
    # Sliced, so that a half the filters rule out (nothing can match) leaves a valid statement.
    rows = list(both[: pinned_limit + page_size + 2])
    split = next((n for n, row in enumerate(rows) if not row["pinned"]), len(rows))
    pinned, page = rows[:split], rows[split:]
    if len(pinned) <= pinned_limit:
        return pinned, page, len(pinned)
    pinned = pinned[:pinned_limit]
    rest = page_of_cases(filters, after, [case["id"] for case in pinned])
    page = list(shown(rest, pinned=False, limit=page_size + 1))
    return pinned, page, awaiting_acknowledgement().count()


# --- What each row shows -------------------------------------------------------------------------


def age_today(date_of_birth, today):
    if date_of_birth is None or date_of_birth > today:
        return None
    return rules.age_on(date_of_birth, today)


def assignee_name(case):
    """User.get_full_name(), or the username; None for nobody."""
    if case["assigned_to__username"] is None:
        return None
    full_name = f"{case['assigned_to__first_name']} {case['assigned_to__last_name']}".strip()
    return full_name or case["assigned_to__username"]


def distinct_flags(flags):
    """Each rule once, at its first (most urgent) place: `current_flags` lists a rule once per
    response that raised it."""
    kept = {}
    for flag in flags or ():
        kept.setdefault(flag["rule_id"], flag)
    return list(kept.values())


def queue_row(case, now, today, labels, *, pinned):
    """What one row of the queue prints (templates/jinja2/intake/queue_live.html), as text."""
    pk, due, met = case["id"], case["target_due_at"], case["target_met_at"]
    age = age_today(case["patient__date_of_birth"], today)
    return {
        "id": str(pk),
        "url": reverse("case_detail", args=[pk]),
        "acknowledge_url": reverse("case_action", args=[pk, "acknowledge"]) if pinned else None,
        "version": str(case["version"]),
        "name": f"{case['patient__first_name']} {case['patient__last_name']}",
        "age": None if age is None else str(age),
        "tier": str(case["urgency"]),
        "tier_label": labels["tier"][case["urgency"]],
        "flags": [
            {"label": flag_label(flag["rule_id"]), "tier": str(flag["tier"])}
            for flag in distinct_flags(case["flags"])
        ],
        "screen_incomplete": case["screen_incomplete"],
        "source": labels["source"].get(case["source"], case["source"]),
        "waiting": timesince(case["opened_at"], now),
        "target_met": met is not None,
        # Shown only while the target is open.
        "target_due": dateformat.format(timezone.localtime(due), "D j M H:i")
        if due and met is None
        else "",
        "breached": bool(due and met is None and due < now),
        "escalated": escalated_text(case.get("escalated")),
        "assigned": assignee_name(case),
        "status": labels["status"].get(case["status"], case["status"]),
    }


def escalated_text(escalated):
    """'escalated at 14:05 (round 3)' for a pinned emergency escalated so far."""
    if not escalated:
        return ""
    at = timezone.localtime(datetime.datetime.fromisoformat(escalated["at"]))
    number = escalated["number"]
    return f"escalated at {at:%H:%M}" + (f" (round {number})" if number > 1 else "")


def queue_rows(cases, now, *, pinned):
    today = timezone.localdate(now)
    # The tiers', statuses' and sources' labels, translated once for all the rows.
    labels = {
        name: {key: str(label) for key, label in choices}
        for name, choices in (
            ("tier", Tier.choices),
            ("status", Case.Status.choices),
            ("source", Enquiry.Source.choices),
        )
    }
    return [queue_row(case, now, today, labels, pinned=pinned) for case in cases]
