"""Staff lists: the triage queue (with its live fragment and CSV export) and reception's own
enquiries. Both page by keyset, never OFFSET, so a page stays put while new cases arrive."""

import csv
import datetime

from django.core import signing
from django.db import connection
from django.db.models import Exists, OuterRef, StringAgg, Subquery, Value

# Row comparison, `(a, b, c) > (x, y, z)`: PostgreSQL walks the index straight to the cursor.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.timesince import TIME_STRINGS, timesince
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic import audit, roles

from . import rules
from .filters import case_filter
from .models import Case, Enquiry, Flag, IntakeResponse, Tier

PAGE_SIZE = 50
# More unacknowledged emergencies than this and the rest show at the top of the table.
PINNED_LIMIT = 50
QUEUE_ORDER = ("queue_rank", "opened_at", "id")
ENQUIRY_ORDER = ("created_at", "id")
SOURCE_LABELS = dict(Enquiry.Source.choices)
BAD_CURSOR = "That page link was not valid, so here is the first page."


# --- Keyset cursors ------------------------------------------------------------------------------


def make_cursor(salt, rank, moment, pk):
    """The signed `after` token for the row a page ended on (rank is None for enquiries)."""
    return signing.dumps([rank, moment.isoformat(), pk], salt=salt)


def read_cursor(token, salt):
    """(rank, moment, id) from an `after` token; BadSignature or ValueError if tampered with."""
    rank, moment, pk = signing.loads(token, salt=salt)
    if not (rank is None or type(rank) is int) or type(pk) is not int:
        raise ValueError(token)
    moment = datetime.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError(token)
    return rank, moment, pk


def cursor_from(request, salt):
    """The cursor in ?after=, and a notice for the person if it could not be read."""
    token = request.GET.get("after")
    if not token:
        return None, None
    try:
        return read_cursor(token, salt), None
    except (signing.BadSignature, ValueError, TypeError):
        return None, BAD_CURSOR


def page_url(request, name, token):
    query = request.GET.copy()
    query["after"] = token
    return f"{reverse(name)}?{query.urlencode()}"


# --- The queue -----------------------------------------------------------------------------------

# Only what a row shows (and the cursor needs), straight into dicts: no model instances.
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
TIER_LABELS = dict(Tier.choices)
STATUS_LABELS = dict(Case.Status.choices)


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
        self.time_strings = {unit: Plural(text) for unit, text in TIME_STRINGS.items()}
        self.weekdays = [str(day) for day in WEEKDAYS_ABBR.values()]
        self.months = {number: str(month).title() for number, month in MONTHS_3.items()}

    def waiting(self, opened_at):
        """{{ opened_at|timesince:now }}"""
        return timesince(opened_at, self.now, time_strings=self.time_strings)

    def due(self, moment):
        """{{ moment|date:"D j M H:i" }}, in the clinic's time zone."""
        local = timezone.localtime(moment)
        weekday, month = self.weekdays[local.weekday()], self.months[local.month]
        return f"{weekday} {local.day} {month} {local:%H:%M}"


def latest_flags(case_ids):
    """Each case's flags from its latest response, most urgent first: one plain query (every
    response of these cases, with its flags joined) and the latest picked here."""
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
    flags = {}
    for case_id, (_, raised) in latest.items():
        raised.sort()
        flags[case_id] = [(rule_id.replace("_", " "), str(tier)) for tier, _, rule_id in raised]
    return flags


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
    formatted as the template filters would), so the template only places values."""
    flags = latest_flags([case["id"] for case in pinned + cases])
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
            "flags": flags.get(pk, []),
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


def awaiting_acknowledgement():
    # Whatever the filters say: nobody filters an emergency out of sight.
    return Case.objects.filter(queue_rank=0, status__in=Case.OPEN_STATUSES)


def page_of_cases(filters, after, pinned_ids=None):
    """The filtered cases after the cursor, less the pinned emergencies: all unacknowledged
    ones, or (when more are waiting than the banner holds) those in `pinned_ids`."""
    cases = filters.qs
    if pinned_ids is None:
        cases = cases.exclude(queue_rank=0, status__in=Case.OPEN_STATUSES)
    else:
        cases = cases.exclude(pk__in=pinned_ids)
    if after is not None:
        cases = cases.filter(TupleGreaterThan(Tuple(*QUEUE_ORDER), after))
    return cases.order_by(*QUEUE_ORDER).values(*ROW_FIELDS, pinned=Value(False))[: PAGE_SIZE + 1]


def fetch_queue(filters, after):
    """The pinned emergencies, the page (PAGE_SIZE + 1 rows at most, to tell whether another
    follows) and how many emergencies are waiting; on PostgreSQL in one query, the pinned and
    the page joined by UNION ALL, and a COUNT only when more are waiting than the banner holds."""
    pinned = (
        awaiting_acknowledgement()
        .order_by(*QUEUE_ORDER)
        .values(*ROW_FIELDS, pinned=Value(True))[: PINNED_LIMIT + 1]
    )
    page = page_of_cases(filters, after)
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(pinned.union(page, all=True).order_by("-pinned", *QUEUE_ORDER))
        split = next((n for n, row in enumerate(rows) if not row["pinned"]), len(rows))
        pinned, page = rows[:split], rows[split:]
    else:  # SQLite, `make run`'s default database
        pinned, page = list(pinned), list(page)
    if len(pinned) <= PINNED_LIMIT:
        return pinned, page, len(pinned)
    # More emergencies are waiting than the banner holds: the rest lead the table.
    pinned = pinned[:PINNED_LIMIT]
    page = list(page_of_cases(filters, after, [case["id"] for case in pinned]))
    return pinned, page, awaiting_acknowledgement().count()


def queue_context(request):
    now = timezone.now()
    filters = case_filter(request)
    after, notice = cursor_from(request, "intake.queue")
    pinned, cases, emergency_count = fetch_queue(filters, after)
    next_url = None
    if len(cases) > PAGE_SIZE:
        cases = cases[:PAGE_SIZE]
        last = cases[-1]
        token = make_cursor("intake.queue", last["queue_rank"], last["opened_at"], last["id"])
        next_url = page_url(request, "triage_queue", token)

    pinned_rows, rows = queue_rows(cases, pinned, now)
    query = request.GET.copy()
    query.pop("after", None)
    return {
        "filter": filters,
        "pinned": pinned_rows,
        "rows": rows,
        "emergency_count": emergency_count,
        "emergency_ids": [case["id"] for case in pinned],
        "newest_emergency": max((case["id"] for case in pinned), default=""),
        "first_page": after is None,
        "next_url": next_url,
        "query": query.urlencode(),
        "notice": notice,
    }


@never_cache
@roles.require(roles.TRIAGE)
@require_safe
def triage_queue(request):
    return render(request, "intake/queue.html", queue_context(request))


@never_cache
@roles.require(roles.TRIAGE)
@require_safe
def triage_fragment(request):
    """The live part of the queue, polled by static/js/queue.js."""
    context = queue_context(request)
    response = render(request, "intake/queue_live.html", context)
    response["X-Emergency-Count"] = context["emergency_count"]
    response["X-Newest-Emergency"] = context["newest_emergency"]
    return response


# --- CSV export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "case id",
    "opened",
    "tier",
    "computed tier",
    "status",
    "source",
    "assigned",
    "target due",
    "target met",
    "flags",
    "screen incomplete",
    "patient name",
    "email",
    "phone",
]


class Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def spreadsheet_safe(text):
    # A cell starting like a formula runs as one in a spreadsheet; patients type these fields.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def local_iso(moment):
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""


def export_queryset(filters):
    latest = IntakeResponse.objects.filter(case=OuterRef("pk")).order_by("-submitted_at", "-id")
    # SQLite before 3.44 (make run's default database) cannot order inside an aggregate.
    in_order = connection.features.supports_aggregate_order_by_clause
    labels = (
        Flag.objects.filter(response=OuterRef("latest_response"))
        .order_by()
        .values("response")
        .annotate(
            labels=StringAgg("rule_id", Value(" "), order_by=("tier", "id") if in_order else None)
        )
        .values("labels")
    )
    return (
        filters.qs.annotate(latest_response=Subquery(latest.values("id")[:1]))
        .annotate(flag_labels=Subquery(labels))
        .order_by(*QUEUE_ORDER)
        .values(
            "id",
            "opened_at",
            "urgency",
            "computed_urgency",
            "status",
            "source",
            "assigned_to__username",
            "target_due_at",
            "target_met_at",
            "flag_labels",
            "screen_incomplete",
            "patient__first_name",
            "patient__last_name",
            "patient__email",
            "patient__phone",
        )
    )


def export_lines(rows):
    writer = csv.writer(Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        name = f"{row['patient__first_name']} {row['patient__last_name']}"
        yield writer.writerow(
            [
                row["id"],
                local_iso(row["opened_at"]),
                Tier(row["urgency"]).label,
                Tier(row["computed_urgency"]).label,
                STATUS_LABELS.get(row["status"], row["status"]),
                SOURCE_LABELS.get(row["source"], row["source"]),
                row["assigned_to__username"] or "",
                local_iso(row["target_due_at"]),
                local_iso(row["target_met_at"]),
                row["flag_labels"] or "",
                "yes" if row["screen_incomplete"] else "no",
                spreadsheet_safe(name),
                spreadsheet_safe(row["patient__email"]),
                spreadsheet_safe(row["patient__phone"]),
            ]
        )


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_safe
def triage_export(request):
    rows = export_queryset(case_filter(request))
    audit.exported(request, "queue", None, what="csv")
    filename = f"triage-queue-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(export_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Reception's enquiries -----------------------------------------------------------------------


@never_cache
@roles.require(roles.LOG_ENQUIRY)
@require_safe
def enquiry_list(request):
    """The enquiries the signed-in person logged: contact, status and tier, nothing clinical."""
    after, notice = cursor_from(request, "intake.enquiries")
    enquiries = (
        Enquiry.objects.filter(logged_by=request.user)
        .select_related("patient", "case")
        # Only what the page shows: no answers, reasons or notes even in memory.
        .only(
            "created_at",
            "source",
            "patient__first_name",
            "patient__last_name",
            "patient__email",
            "patient__phone",
            "case__status",
            "case__urgency",
            "case__screen_incomplete",
        )
        # A case with no questionnaire is routine only by default: say so, not "Routine".
        .annotate(questionnaire=Exists(IntakeResponse.objects.filter(case=OuterRef("case"))))
        .order_by("-created_at", "-id")
    )
    if after is not None:
        _, moment, pk = after
        enquiries = enquiries.filter(TupleLessThan(Tuple(*ENQUIRY_ORDER), (moment, pk)))
    enquiries = list(enquiries[: PAGE_SIZE + 1])
    next_url = None
    if len(enquiries) > PAGE_SIZE:
        enquiries = enquiries[:PAGE_SIZE]
        last = enquiries[-1]
        next_url = page_url(
            request, "enquiry_list", make_cursor("intake.enquiries", None, last.created_at, last.pk)
        )
    context = {"enquiries": enquiries, "next_url": next_url, "notice": notice}
    return render(request, "intake/enquiry_list.html", context)
