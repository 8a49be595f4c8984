"""The audit trail for clinic admins: every row, narrowed by who, what, which record and when,
read on a page or exported as CSV. Reading it and exporting it are audited in turn."""

import csv
import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import audit, roles
from .models import AuditEntry
from .spreadsheets import spreadsheet_cell

PAGE_SIZE = 50
SELECT = forms.Select({"class": "form-select form-select-sm"})
DATE = forms.DateInput({"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
TEXT = forms.TextInput({"class": "form-control form-control-sm"})
# What the code writes as object_type (clinic/audit.py's callers), with a label each
# (tests/test_access_audit.py fails when a caller writes one missing here).
OBJECT_TYPES = [
    ("case", "Case"),
    ("patient", "Patient record"),
    ("patients", "Search for a patient"),
    ("queue", "Triage queue"),
    ("enquiry", "Enquiry"),
    ("enquiries", "List of enquiries"),
    ("followup", "Follow-up"),
    ("followups", "Follow-ups page"),
    ("followup_plan", "Follow-up plan"),
    ("outbox", "Outbox"),
    ("outgoing_email", "Email in the outbox"),
    ("duty", "Duty rota"),
    ("targets", "Triage targets"),
    ("clinic_hours", "Clinic hours"),
    ("escalation_contact", "Escalation contact"),
    ("user", "Staff account"),
    ("address", "Address (sign-in lockout)"),
    ("page", "Page refused (403)"),
    ("audit", "Audit trail"),
]
BIGINT_MAX = 2**63 - 1


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class AddressFilter(django_filters.CharFilter):
    field_class = forms.GenericIPAddressField


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"),
        label="Who",
        empty_label="Anyone",
        widget=SELECT,
    )
    action = django_filters.ChoiceFilter(
        choices=AuditEntry.Action.choices, label="Action", empty_label="Any action", widget=SELECT
    )
    object_type = django_filters.ChoiceFilter(
        choices=OBJECT_TYPES, label="Record", empty_label="Any record", widget=SELECT
    )
    object_id = IdFilter(label="Record number", min_value=1, max_value=BIGINT_MAX, widget=TEXT)
    ip = AddressFilter(label="From address", widget=TEXT)
    on_or_after = django_filters.DateFilter(method="filter_from", label="From", widget=DATE)
    on_or_before = django_filters.DateFilter(method="filter_to", label="To", widget=DATE)

    class Meta:
        model = AuditEntry
        fields = []

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=start_of(value))

    def filter_to(self, queryset, name, value):
        if value >= datetime.date.max:
            return queryset  # the last day there is: nothing after it to leave out
        return queryset.filter(at__lt=start_of(value + datetime.timedelta(days=1)))


def audit_filter(request):
    filterset = AuditFilter(
        request.GET,
        queryset=AuditEntry.objects.select_related("actor").order_by("-at", "-id"),
    )
    filterset.form.is_valid()  # the errors shown beside each filter; bad values are left out
    return filterset


@never_cache
@require_safe
@roles.require(roles.MANAGE_CLINIC)
def audit_page(request):
    filterset = audit_filter(request)
    audit.viewed(request, "audit", None, "page")  # listed on the page it is written for
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/audit.html", {"filter": filterset, "page": page})


class _Echo:
    def write(self, value):
        return value


AUDIT_CSV_COLUMNS = ["at", "who", "action", "object", "object_id", "what", "ip"]


def audit_csv_lines(entries):
    """Audit entries as CSV lines under one header, every cell safe to open in a spreadsheet:
    the export of /staff/audit/ and of a case's trail."""
    writer = csv.writer(_Echo())
    yield writer.writerow(AUDIT_CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow(
            spreadsheet_cell(value)
            for value in (
                timezone.localtime(entry.at).isoformat(timespec="seconds"),
                entry.actor.get_username() if entry.actor else "",
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.what,
                entry.ip,
            )
        )


@never_cache
@require_safe
@roles.require(roles.MANAGE_CLINIC)
def audit_export(request):
    filterset = audit_filter(request)
    audit.exported(request, "audit", None, "csv")
    response = StreamingHttpResponse(
        audit_csv_lines(filterset.qs), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
