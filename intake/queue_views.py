"""Staff lists: the triage queue (with its live fragment and CSV export) and reception's own
enquiries. Both page by keyset, never OFFSET, so a page stays put while new cases arrive."""

import csv
import datetime
import re

from django.core import signing
from django.db.models import Exists, OuterRef

# Row comparison, `(a, b, c) > (x, y, z)`: PostgreSQL walks the index straight to the cursor.
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic import audit, roles
from clinic.spreadsheets import spreadsheet_cell

from . import search
from .filters import SEARCH_EXPIRED, case_filter, search_terms
from .models import Enquiry, IntakeResponse, Patient, Tier
from .queue_data import (
    QUEUE_ORDER,
    SOURCE_LABELS,
    STATUS_LABELS,
    current_flags,
    distinct_flags,
    fetch_queue,
    queue_rows,
)

PAGE_SIZE = 50
# More unacknowledged emergencies than this and the rest show at the top of the table.
PINNED_LIMIT = 50
ENQUIRY_ORDER = ("created_at", "id")
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
    query.pop("q", None)  # never carried on: a search travels as a token (intake/search.py)
    query.pop("after", None)
    if token:
        query["after"] = token
    return f"{reverse(name)}?{query.urlencode()}" if query else reverse(name)


# --- The queue -----------------------------------------------------------------------------------


def queue_context(request):
    now = timezone.now()
    filters = case_filter(request)
    after, notice = cursor_from(request, "intake.queue")
    pinned, cases, emergency_count = fetch_queue(filters, after, PAGE_SIZE, PINNED_LIMIT)
    next_url = None
    if len(cases) > PAGE_SIZE:
        cases = cases[:PAGE_SIZE]
        last = cases[-1]
        token = make_cursor("intake.queue", last["queue_rank"], last["opened_at"], last["id"])
        next_url = page_url(request, "triage_queue", token)
    notice = notice or filters.search_notice
    return {
        "filter": filters,
        "pinned": queue_rows(pinned, now, pinned=True),
        "rows": queue_rows(cases, now, pinned=False),
        "emergency_count": emergency_count,
        "emergency_ids": [case["id"] for case in pinned],
        "first_page": after is None,
        "first_url": page_url(request, "triage_queue", None),
        "next_url": next_url,
        "notice": notice,
    }


@never_cache
@roles.require(roles.TRIAGE)
@require_safe
def triage_queue(request):
    context = queue_context(request)
    # Who saw the queue (its names and flags), and when: the page and each refresh of it.
    audit.viewed(request, "queue", None, "search" if request.GET.get("search") else "page")
    return render(request, "intake/queue.html", {**context, "live": live_part(request, context)})


@never_cache
@roles.require(roles.TRIAGE)
@require_safe
def triage_fragment(request):
    """The live part of the queue, polled by static/js/queue.js."""
    context = queue_context(request)
    audit.viewed(request, "queue", None, "refresh")
    return HttpResponse(live_part(request, context))


def live_part(request, context):
    """The pinned emergencies, the page of cases and the page links: Jinja2's
    templates/jinja2/intake/queue_live.html, which escapes everything it prints."""
    html = render_to_string("intake/queue_live.html", context, request, using="jinja2")
    return mark_safe(html)  # noqa: S308 (an autoescaping template's output)


# --- Reception's patient search ---------------------------------------------------------------

FOUND_LIMIT = 20
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def birth_date_in(text: str) -> datetime.date | None:
    """A date of birth typed as 2/7/1991, 02.07.1991 or 1991-07-02 (UK order: day first)."""
    text = text.strip()
    try:
        if day_first := DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in day_first.groups())
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def patients_found(request):
    """The patients reception's search (kept under its token, intake/search.py) finds by name,
    phone, email or date of birth; None with no search; and a notice if it has expired."""
    token = request.GET.get("search")
    if not token:
        return None, None
    text = search.recall(request.user, token)
    if text is None:
        return None, SEARCH_EXPIRED
    patients = Patient.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    born = birth_date_in(text)
    if born is not None:
        patients = patients.filter(date_of_birth=born)
    else:
        terms = search_terms(text)
        if not terms:
            return [], None
        for term in terms:
            patients = patients.filter(search_text__contains=term)
    patients = patients.only("first_name", "last_name", "phone", "email", "date_of_birth").order_by(
        "last_name", "first_name", "id"
    )
    audit.viewed(request, "patients", None, "search")
    return list(patients[:FOUND_LIMIT]), None


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


def local_iso(moment):
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""


def export_queryset(filters):
    return (
        filters.qs.annotate(flags=current_flags())
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
            "flags",
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
        cells = [
            row["id"],
            local_iso(row["opened_at"]),
            Tier(row["urgency"]).label,
            Tier(row["computed_urgency"]).label,
            STATUS_LABELS.get(row["status"], row["status"]),
            SOURCE_LABELS.get(row["source"], row["source"]),
            row["assigned_to__username"] or "",
            local_iso(row["target_due_at"]),
            local_iso(row["target_met_at"]),
            " ".join(flag["rule_id"] for flag in distinct_flags(row["flags"])),
            "yes" if row["screen_incomplete"] else "no",
            f"{row['patient__first_name']} {row['patient__last_name']}",
            row["patient__email"],
            row["patient__phone"],
        ]
        yield writer.writerow([spreadsheet_cell(cell) for cell in cells])


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
    """The clinic's enquiries, newest first (`?mine=1`: the signed-in person's): contact,
    status and tier, who logged them, nothing clinical; and the patients a search found.

    Every enquiry, not only one's own: reception answers the phone for the whole clinic, and
    a patient calling back about an enquiry a colleague logged must be found."""
    after, notice = cursor_from(request, "intake.enquiries")
    mine = request.GET.get("mine") == "1"
    enquiries = (
        Enquiry.objects.filter(**({"logged_by": request.user} if mine else {}))
        .select_related("patient", "case", "logged_by")
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
            "logged_by__username",
            "logged_by__first_name",
            "logged_by__last_name",
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
    found, search_notice = patients_found(request)
    context = {
        "enquiries": enquiries,
        "next_url": next_url,
        "notice": notice or search_notice,
        "mine": mine,
        "found": found,
        "searched": found is not None,
    }
    audit.viewed(request, "enquiries", None, "list")
    return render(request, "intake/enquiry_list.html", context)
