"""Follow-up pages for staff: the follow-ups page, one follow-up's actions, and the plan."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, charts, roles
from clinic.models import OutgoingEmail
from intake.models import Patient

from . import figures, plan
from .forms import FollowUpPlanForm, PeriodForm, RescheduleForm
from .models import CheckIn, FollowUp, FollowUpPlan, OptOut

S = OutgoingEmail.Status
SECTION_SIZE = 50
CAME_BACK_COLOUR = "#2e7d32"
NOT_YET_COLOUR = "#b0bec5"


def came_back_chart(months):
    return charts.stacked_columns(
        "came-back-chart",
        [f"{m.starts:%b %y}" for m in months],
        [
            charts.Series(
                "Came back for an assessment",
                CAME_BACK_COLOUR,
                tuple(m.came_back for m in months),
            ),
            charts.Series(
                "Not (yet)", NOT_YET_COLOUR, tuple(m.recovered - m.came_back for m in months)
            ),
        ],
        title="Patients recovered per month, and how many came back for an assessment",
        x_title="Month of recovery",
        y_title="Patients",
    )


def period(request):
    """The period asked for in the URL, else the last twelve months; and the form to change it."""
    default = PeriodForm.default_period(timezone.localdate())
    if "start" not in request.GET and "end" not in request.GET:
        return default, PeriodForm(initial=default)
    form = PeriodForm(request.GET)
    return (form.cleaned_data if form.is_valid() else default), form


@never_cache
@require_GET
@roles.require(roles.TRIAGE)
def followups(request):
    chosen, period_form = period(request)
    start, end = chosen["start"], chosen["end"]
    months = figures.came_back_by_month(start, end)
    rows = FollowUp.objects.select_related("case__patient")
    waiting = dict(
        OutgoingEmail.objects.filter(
            kind=OutgoingEmail.Kind.FOLLOWUP, status__in=[S.FAILED, S.UNKNOWN]
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    audit.viewed(request, "followups")
    context = {
        "start": start,
        "end": end,
        "period_form": period_form,
        "figure": figures.came_back(start, end),
        "months": months,
        "chart": came_back_chart(months),
        # The next to go out: by when the outbox will try them.
        "upcoming": rows.filter(email__status=S.QUEUED).order_by(
            "email__next_attempt_at", "email_id"
        )[:SECTION_SIZE],
        "failed": rows.filter(email__status=S.FAILED).order_by("due_at", "pk")[:SECTION_SIZE],
        "failed_total": waiting.get(S.FAILED, 0),
        "unknown": rows.filter(email__status=S.UNKNOWN).order_by("due_at", "pk")[:SECTION_SIZE],
        "unknown_total": waiting.get(S.UNKNOWN, 0),
        "checkins": CheckIn.objects.select_related("case__patient", "followup").order_by(
            "-created_at", "-pk"
        )[:SECTION_SIZE],
        "section_size": SECTION_SIZE,
        "quiet_hours_on": settings.FOLLOWUP_QUIET_HOURS,
    }
    status = 400 if period_form.is_bound and not period_form.is_valid() else 200
    return render(request, "followup/followups.html", context, status=status)


def back_to(request):
    """Where to go after an action: `next` if it is a path on this site ("/followups/?..."),
    else the follow-ups. Anything else (a word, a URL name, another site) is not followed:
    redirect() would take a bare word for a URL name and fail on it."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("followups"))


ACTIONS = ("retry", "cancel", "reschedule")


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def followup_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    followup = get_object_or_404(FollowUp, pk=pk)
    what = f"Follow-up {followup.step} of case {followup.case_id}"
    ip = audit.client_ip(request)
    if action == "reschedule":
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"{what} not moved: {form.errors['due_on'][0]}")
            return back_to(request)
        due_at = datetime.datetime.combine(
            form.cleaned_data["due_on"], plan.SEND_TIME, tzinfo=timezone.get_default_timezone()
        )
        done = plan.reschedule(pk, due_at, request.user, ip)
        news = f"moved to {due_at:%-d %b %Y, %H:%M}"
    elif action == "retry":
        done = plan.retry(pk, request.user, ip)
        news = "will be sent again now (quiet hours permitting)"
    else:
        done = plan.cancel(pk, request.user, ip)
        news = "cancelled"
    if done:
        messages.success(request, f"{what} {news}.")
    else:
        followup.email.refresh_from_db(fields=["status"])
        status = followup.email.get_status_display().lower()
        messages.warning(request, f"Nothing changed: {what.lower()} is {status}.")
    return back_to(request)


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def followup_plan(request):
    current = FollowUpPlan.current()
    form = FollowUpPlanForm(request.POST if request.method == "POST" else None, instance=current)
    if form.is_bound and form.is_valid():
        plan.change_plan(form.save(commit=False), actor=request.user, ip=audit.client_ip(request))
        messages.success(
            request,
            "Plan saved. Cases that recover from now on get these follow-ups; those already "
            "scheduled keep their dates. Quiet hours apply from the outbox's next pass.",
        )
        return redirect("followup_plan")
    context = {
        "form": form,
        "plan": current if current.pk else None,
        "quiet_hours_on": settings.FOLLOWUP_QUIET_HOURS,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "followup/plan.html", context, status=400 if form.is_bound else 200)


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def followup_resume(request, pk):
    """Staff undo a patient's opt-out (the patient asked them to)."""
    patient = get_object_or_404(Patient, pk=pk)
    rescheduled = plan.resume(
        patient.pk, OptOut.Source.STAFF, request.user, audit.client_ip(request)
    )
    messages.success(
        request,
        f"Follow-up emails resumed; {rescheduled} follow-up{'s' if rescheduled != 1 else ''} "
        "scheduled again.",
    )
    return redirect("patient_detail", pk=patient.pk)
