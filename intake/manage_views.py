"""Pages for clinic admins: the overview, the triage targets, and a case's audit trail."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinic import audit, charts, roles
from clinic.audit_views import audit_csv_lines
from clinic.models import AuditEntry

from . import calendar as clinic_calendar
from . import overview as figures
from . import targets
from .manage_forms import (
    ClosedDayForm,
    EscalationContactForm,
    OpeningHoursForm,
    TriageTargetsForm,
)
from .models import Case, ClosedDay, EscalationContact, Tier, TriageTargets

# The tier colours of static/css/clinic.css, so a tier looks the same in a chart as in a badge.
TIER_COLOURS = {
    Tier.EMERGENCY: "#b00020",
    Tier.URGENT: "#bf360c",
    Tier.SOON: "#1565c0",
    Tier.ROUTINE: "#6c757d",
}
STATUS_COLOUR = "#455a64"
AUDIT_PAGE_SIZE = 50


def duration_text(delta):
    if delta is None:
        return "—"
    seconds = round(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s" if minutes < 10 and seconds else f"{minutes} min"
    return f"{seconds} s"


def weekly_chart(weeks):
    return charts.stacked_columns(
        "enquiries-chart",
        [f"{w.starts:%-d %b}" for w in weeks],
        [
            charts.Series(tier.label, TIER_COLOURS[tier], tuple(w.by_tier[tier] for w in weeks))
            for tier in Tier
        ],
        title="Enquiries per week by tier",
        x_title="Week starting",
        y_title="Enquiries",
    )


def targets_chart(records):
    bars = []
    for r in records:
        if r.percent_met is None:
            bars.append(charts.Bar(r.tier.label, 0, TIER_COLOURS[r.tier], "none due yet"))
        else:
            text = f"{r.percent_met:.0f}% met · {r.breached:,} breached"
            bars.append(charts.Bar(r.tier.label, r.percent_met, TIER_COLOURS[r.tier], text))
    return charts.horizontal_bars(
        "targets-chart",
        bars,
        title="Targets met on time per tier",
        x_title="Targets met on time (%)",
        max_value=100,
        unit="%",
    )


def status_chart(open_cases):
    return charts.horizontal_bars(
        "status-chart",
        [charts.Bar(status.label, n, STATUS_COLOUR, f"{n:,}") for status, n in open_cases.items()],
        title="Open cases by status",
        x_title="Open cases",
    )


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def overview(request):
    now = timezone.now()
    weeks = figures.enquiries_per_week(now)
    records = figures.targets_met(now)
    acknowledgement = figures.emergency_acknowledgement(now)
    open_cases = figures.open_cases_by_status()
    ack_target = TriageTargets.current().emergency_ack_minutes
    context = {
        "weeks": weeks,
        "this_week": weeks[-1],
        "this_week_total": f"{weeks[-1].total:,}",
        "week_rows": [(w, [w.by_tier[tier] for tier in Tier]) for w in weeks],
        "tiers": list(Tier),
        "records": records,
        "acknowledgement": acknowledgement,
        "median_ack": duration_text(acknowledgement.median),
        "ack_target": ack_target,
        "ack_late": acknowledgement.median is not None
        and acknowledgement.median > datetime.timedelta(minutes=ack_target),
        "open_cases": open_cases,
        "open_total": f"{sum(open_cases.values()):,}",
        "period_days": figures.PERIOD_DAYS,
        "weekly_chart": weekly_chart(weeks),
        "targets_chart": targets_chart(records),
        "status_chart": status_chart(open_cases),
    }
    return render(request, "intake/overview.html", context)


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def triage_targets(request):
    current = TriageTargets.current()
    form = TriageTargetsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        moved = targets.change_targets(
            form.save(commit=False), actor=request.user, ip=audit.client_ip(request)
        )
        cases = "case has" if moved == 1 else "cases have"
        messages.success(request, f"Targets saved. {moved:,} waiting {cases} a new due time.")
        return redirect("triage_targets")
    status = 400 if form.is_bound else 200
    context = {"form": form, "targets": TriageTargets.current()}
    return render(request, "intake/triage_targets.html", context, status=status)


def audit_entries(case_id):
    if not Case.objects.filter(pk=case_id).exists():
        raise Http404
    return (
        AuditEntry.objects.filter(object_type="case", object_id=case_id)
        .select_related("actor")
        .order_by("-at", "-id")
    )


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def case_audit(request, pk):
    entries = audit_entries(pk)
    # Reading who looked at a case is itself a look at the case.
    audit.viewed(request, "case", pk, "audit")
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/case_audit.html", {"case_id": pk, "page": page})


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def case_audit_export(request, pk):
    entries = audit_entries(pk)
    audit.exported(request, "case", pk, "audit")
    response = HttpResponse(audit_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="case-{pk}-audit.csv"'
    return response


def _retimed(request, what):
    """Audit a calendar change and move the due times of open cases still waiting."""
    audit.changed(request, "clinic_hours", None, what)
    moved = targets.recompute_open_targets(TriageTargets.current())
    cases = "case has" if moved == 1 else "cases have"
    messages.success(request, f"Saved. {moved:,} waiting {cases} a new due time.")
    return redirect("clinic_hours")


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def clinic_hours(request):
    """Opening hours per weekday and closed days: working days for every target and promise."""
    action = request.POST.get("action") if request.method == "POST" else None
    week_form = OpeningHoursForm(
        request.POST if action == "hours" else None, week=clinic_calendar.week()
    )
    day_form = ClosedDayForm(request.POST if action == "add_day" else None)
    if action == "hours" and week_form.is_valid():
        clinic_calendar.save_week(week_form.week())
        return _retimed(request, "opening hours")
    if action == "add_day" and day_form.is_valid():
        day_form.save()
        return _retimed(request, f"closed day {day_form.cleaned_data['day']:%Y-%m-%d}")
    if action == "remove_day":
        day_id = request.POST.get("day_id", "")
        day = ClosedDay.objects.filter(pk=day_id).first() if day_id.isdigit() else None
        if day is not None:
            day.delete()
            return _retimed(request, f"closed day {day.day:%Y-%m-%d} removed")
    context = {
        "week_form": week_form,
        "day_form": day_form,
        "closed_days": ClosedDay.objects.filter(day__gte=timezone.localdate()),
        "time_zone": settings.TIME_ZONE,
        "targets": TriageTargets.current(),
    }
    return render(request, "intake/clinic_hours.html", context, status=400 if action else 200)


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def escalation_contacts(request):
    """Who else is emailed when an emergency is not acknowledged by its target."""
    action = request.POST.get("action") if request.method == "POST" else None
    form = EscalationContactForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        with transaction.atomic():
            contact = form.save(commit=False)
            contact.added_by = request.user
            contact.save()
            audit.changed(request, "escalation_contact", contact.pk, "added")
        messages.success(request, f"{contact.name} will be emailed when an emergency escalates.")
        return redirect("escalation_contacts")
    if action == "remove":
        contact_id = request.POST.get("contact_id", "")
        with transaction.atomic():
            contact = (
                EscalationContact.objects.filter(pk=contact_id).first()
                if contact_id.isdigit()
                else None
            )
            if contact is not None:
                audit.changed(request, "escalation_contact", contact.pk, "removed")
                contact.delete()
        if contact is not None:
            messages.success(request, f"{contact.name} will no longer be emailed.")
            return redirect("escalation_contacts")
        messages.warning(request, "That contact had already been removed.")
        return redirect("escalation_contacts")
    context = {
        "form": form,
        "contacts": EscalationContact.objects.select_related("added_by"),
        "targets": TriageTargets.current(),
        "repeat_minutes": settings.ESCALATION_REPEAT_MINUTES,
    }
    status = 400 if action else 200
    return render(request, "intake/escalation_contacts.html", context, status=status)
