"""The triage queue's rows: one statement for the pinned emergencies, a page of cases and
their flags, and the values each row shows, ready to print.

At 100,000 cases PostgreSQL answers a page in about a millisecond (index walks that stop after
fifty rows); the time went to Python: building and compiling querysets, making model instances,
the template language's lookups. So the rows come back as plain values, in one statement on
PostgreSQL, and are formatted once here, with each translation looked up once per request.
"""

import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.timesince import TIME_STRINGS, timesince

from . import rules
from .models import Case, Enquiry, Flag, IntakeResponse, Patient, Tier

QUEUE_ORDER = ("queue_rank", "opened_at", "id")
# What a row shows (and the cursor needs); the keys of the values fetch_queue returns.
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
# The case's own columns of ROW_FIELDS, and the keys to the patient and the assignee.
CASE_COLUMNS = (
    *(field for field in ROW_FIELDS if "__" not in field),
    "patient_id",
    "assigned_to_id",
)
TIER_LABELS = dict(Tier.choices)
STATUS_LABELS = dict(Case.Status.choices)
SOURCE_LABELS = dict(Enquiry.Source.choices)


# --- Fetching -----------------------------------------------------------------------------------


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


def fetch_queue(filters, after, page_size, pinned_limit):
    """The pinned emergencies, the page (page_size + 1 rows at most, to tell whether another
    follows) and how many emergencies are waiting. A COUNT only when more are waiting than the
    banner holds, and then the rest lead the table."""
    fetch = fetch_in_one_statement if connection.vendor == "postgresql" else fetch_with_orm
    pinned, page = fetch(page_of_cases(filters, after), page_size, pinned_limit)
    if len(pinned) <= pinned_limit:
        return pinned, page, len(pinned)
    pinned = pinned[:pinned_limit]
    pinned_ids = [case["id"] for case in pinned]
    _, page = fetch(page_of_cases(filters, after, pinned_ids), page_size, pinned_limit)
    return pinned, page, awaiting_acknowledgement().count()


@functools.cache
def pinned_sql(limit):
    """The pinned half of the statement, compiled once: it has no inputs but its limit."""
    pinned = awaiting_acknowledgement().order_by(*QUEUE_ORDER)
    return pinned.values(*CASE_COLUMNS, pinned=Value(True))[: limit + 1].query.sql_with_params()


@functools.cache
def outer_sql():
    """The patient, the assignee and the latest response's flags ("tier:id:rule_id" words) for
    the hundred cases at most that the two halves return, and the queue's order."""
    names = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (Patient, get_user_model(), Flag, IntakeResponse)
    }
    return f"""SELECT c.id, c.queue_rank, c.opened_at, c.urgency, c.status, c.source,
  c.screen_incomplete, c.target_due_at, c.target_met_at, c.version,
  p.first_name, p.last_name, p.date_of_birth, u.username, u.first_name, u.last_name,
  (SELECT string_agg(f.tier || ':' || f.id || ':' || f.rule_id, ' ') FROM {names[Flag]} f
    WHERE f.response_id = (SELECT r.id FROM {names[IntakeResponse]} r WHERE r.case_id = c.id
      ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1)),
  c.pinned
FROM (({{pinned}}) UNION ALL ({{page}})) c
JOIN {names[Patient]} p ON p.id = c.patient_id
LEFT JOIN {names[get_user_model()]} u ON u.id = c.assigned_to_id
ORDER BY c.pinned DESC, c.queue_rank, c.opened_at, c.id"""  # noqa: S608 (names of tables)


def fetch_in_one_statement(page, page_size, pinned_limit):
    """PostgreSQL: the ORM compiles the filtered page (only the case's own columns); one
    statement joins it with the pinned emergencies and adds what the rows show. Building and
    compiling the equivalent querysets took longer than PostgreSQL takes to answer."""
    pinned, pinned_params = pinned_sql(pinned_limit)
    page = page.values(*CASE_COLUMNS, pinned=Value(False))[: page_size + 1]
    try:
        page_sql, page_params = page.query.sql_with_params()
    except EmptyResultSet:  # filters nothing can match: the ORM knows what to do
        return fetch_with_orm(page, page_size, pinned_limit)
    sql = outer_sql().format(pinned=pinned, page=page_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*pinned_params, *page_params))
        rows = cursor.fetchall()
    names = (*ROW_FIELDS, "flags", "pinned")
    cases = [dict(zip(names, row, strict=True)) for row in rows]
    for case in cases:
        case["flags"] = flags_from(case["flags"])
    split = next((n for n, case in enumerate(cases) if not case["pinned"]), len(cases))
    return cases[:split], cases[split:]


def fetch_with_orm(page, page_size, pinned_limit):
    """Any other database (SQLite for `make run`): the same values, in three queries."""
    pinned = awaiting_acknowledgement().order_by(*QUEUE_ORDER).values(*ROW_FIELDS)
    pinned = list(pinned[: pinned_limit + 1])
    page = list(page.values(*ROW_FIELDS)[: page_size + 1])
    flags = latest_flags([case["id"] for case in pinned + page])
    for case in pinned + page:
        case["flags"] = flags.get(case["id"], [])
    return pinned, page


def flags_from(words):
    """[(label, tier)], most urgent first, from "tier:id:rule_id" words (rule ids are
    snake_case: no spaces, no colons)."""
    if not words:
        return []
    flags = sorted(
        (int(tier), int(pk), rule_id)
        for tier, pk, rule_id in (word.split(":", 2) for word in words.split())
    )
    return [(rule_id.replace("_", " "), str(tier)) for tier, _, rule_id in flags]


def latest_flags(case_ids):
    """flags_from() for each case, by the ORM: every response of these cases with its flags,
    and the latest picked here."""
    rows = IntakeResponse.objects.filter(case__in=case_ids).values_list(
        "case", "submitted_at", "id", "flags__tier", "flags__id", "flags__rule_id"
    )
    latest = {}
    for case_id, submitted_at, response_id, tier, flag_id, rule_id in rows:
        key = (submitted_at, response_id)
        kept = latest.get(case_id)
        if kept is None or key > kept[0]:
            kept = latest[case_id] = (key, [])
        if flag_id is not None and key == kept[0]:
            kept[1].append((tier, flag_id, rule_id))
    return {
        case_id: [(rule_id.replace("_", " "), str(tier)) for tier, _, rule_id in sorted(raised)]
        for case_id, (_, raised) in latest.items()
    }


# --- What each row shows -------------------------------------------------------------------------


class Plural:
    """One of timesince()'s TIME_STRINGS, translated once per count (see RowFormats)."""

    def __init__(self, text):
        self.text, self.done = text, {}

    def __mod__(self, values):
        num = values["num"]
        if num not in self.done:
            self.done[num] = self.text % values
        return self.done[num]


class RowFormats:
    """The queue's times as its template once printed them, for one request. Django's filters
    spend most of their time looking up translations (day and month names, "hours"), so each
    of those is looked up once per request here; the text is the filters' own."""

    def __init__(self, now):
        self.now = now
        self.zone = timezone.get_current_timezone()
        self.time_strings = {unit: Plural(text) for unit, text in TIME_STRINGS.items()}
        self.weekdays = [str(day) for day in WEEKDAYS_ABBR.values()]
        self.months = {number: str(month).title() for number, month in MONTHS_3.items()}

    def waiting(self, opened_at):
        """{{ opened_at|timesince:now }}"""
        return timesince(opened_at, self.now, time_strings=self.time_strings)

    def due(self, moment):
        """{{ moment|date:"D j M H:i" }}, in the clinic's time zone."""
        local = moment.astimezone(self.zone)
        weekday, month = self.weekdays[local.weekday()], self.months[local.month]
        return f"{weekday} {local.day} {month} {local:%H:%M}"


def age_today(date_of_birth, today):
    if date_of_birth is None or date_of_birth > today:
        return None
    return rules.age_on(date_of_birth, today)


def case_url(name, *args):
    """reverse(name, args=[pk, *args]) for a page of cases, at the cost of one reverse()."""
    marker = 987654321
    parts = reverse(name, args=[marker, *args]).split(str(marker))
    if len(parts) != 2:
        return lambda pk: reverse(name, args=[pk, *args])
    before, after = parts
    return lambda pk: f"{before}{pk}{after}"


def queue_rows(cases, pinned, now):
    """Everything each row shows, ready to print (numbers as text, labels looked up, times
    as the template filters print them): {% queue_rows %} only places and escapes them."""
    today = timezone.localdate(now)
    formats = RowFormats(now)
    detail_url = case_url("case_detail")
    acknowledge_url = case_url("case_action", "acknowledge")

    def row(case, acknowledge):
        pk = case["id"]
        due, met = case["target_due_at"], case["target_met_at"]
        assignee = case["assigned_to__username"]
        if assignee is not None:  # User.get_full_name(), or the username
            full_name = f"{case['assigned_to__first_name']} {case['assigned_to__last_name']}"
            assignee = full_name.strip() or assignee
        age = age_today(case["patient__date_of_birth"], today)
        return {
            "pk": str(pk),
            "acknowledge": acknowledge,
            "url": detail_url(pk),
            "acknowledge_url": acknowledge_url(pk) if acknowledge else None,
            "version": str(case["version"]),
            "name": f"{case['patient__first_name']} {case['patient__last_name']}",
            "age": None if age is None else str(age),
            "tier": str(case["urgency"]),
            "tier_label": str(TIER_LABELS.get(case["urgency"], case["urgency"])),
            "flags": case["flags"],
            "screen_incomplete": case["screen_incomplete"],
            "source": str(SOURCE_LABELS.get(case["source"], case["source"])),
            "waiting": formats.waiting(case["opened_at"]),
            "target_met": met is not None,
            "target_due": formats.due(due) if due else "",
            "breached": bool(due and met is None and due < now),
            "assigned": assignee,
            "status": str(STATUS_LABELS.get(case["status"], case["status"])),
        }

    return [row(case, True) for case in pinned], [row(case, False) for case in cases]
