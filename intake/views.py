"""Intake pages: the public questionnaire, its confirmation, and reception's enquiry form."""

import logging

from django.conf import settings
from django.core import signing
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from clinic import roles

from .forms import CONSENT_WORDING, IntakeForm, ReceptionEnquiryForm
from .models import Enquiry, IntakeResponse, StaffProfile
from .services import Contact, record_enquiry

log = logging.getLogger(__name__)

CONFIRMATION_SALT = "intake.confirmation"
CONFIRMATION_MAX_AGE = 24 * 60 * 60


def body_too_large(request):
    """Django caps form fields at DATA_UPLOAD_MAX_MEMORY_SIZE but not uploaded files; the
    questionnaire takes no files, so any body over the cap is refused, file parts included."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def over_rate_limit(request, group="intake"):
    """Too many posts from this client address? A cache outage never turns a patient away."""
    try:
        return is_ratelimited(
            request,
            group=group,
            key="ip",
            rate=settings.INTAKE_RATE,
            method="POST",
            increment=True,
        )
    except Exception as exc:  # the cache is down: never turn a patient away for it
        log.warning("rate limit not checked: %s", type(exc).__name__)
        return False


def contact_from(form):
    data = form.cleaned_data
    return Contact(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data.get("email") or "",
        phone=data.get("phone") or "",
        date_of_birth=data.get("date_of_birth"),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def intake_form(request):
    if request.method != "POST":
        return render(request, "intake/form.html", {"form": IntakeForm()})
    if body_too_large(request):
        return render(request, "errors/400.html", status=400)
    form = IntakeForm(request.POST)
    if form.is_bot:
        return render(request, "errors/400.html", status=400)
    if over_rate_limit(request):
        return render(request, "intake/form.html", {"form": form, "limited": True}, status=429)
    if not form.is_valid():
        return render(request, "intake/form.html", {"form": form}, status=400)
    recorded = record_enquiry(
        contact=contact_from(form),
        source=Enquiry.Source.WEB,
        answers=form.answers(),
        consent_followup=form.cleaned_data["consent_followup"],
        consent_wording=CONSENT_WORDING,
    )
    token = signing.dumps(recorded.response.pk, salt=CONFIRMATION_SALT)
    return redirect("intake_done", token=token)


@never_cache
@require_safe
def intake_done(request, token):
    try:
        response_id = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return render(request, "intake/link_expired.html", status=404)
    response = get_object_or_404(IntakeResponse, pk=response_id)
    return render(request, "intake/done.html", {"tier": response.tier.key})


@never_cache
@roles.require(roles.LOG_ENQUIRY)
@require_http_methods(["GET", "POST"])
def enquiry_new(request):
    # Not `request.POST or None`: an empty POST must show its errors, not a blank form.
    form = ReceptionEnquiryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        recorded = record_enquiry(
            contact=contact_from(form),
            source=form.cleaned_data["source"],
            reason=form.cleaned_data["reason"],
            answers=answers,
            consent_followup=answers is not None and form.cleaned_data["consent_followup"],
            consent_wording=CONSENT_WORDING,
            logged_by=request.user,
        )
        return redirect("enquiry_done", pk=recorded.enquiry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/enquiry_form.html", {"form": form}, status=status)


@never_cache
@roles.require(roles.LOG_ENQUIRY)
def enquiry_done(request, pk):
    enquiry = get_object_or_404(
        Enquiry.objects.select_related("case", "patient"), pk=pk, logged_by=request.user
    )
    has_response = enquiry.responses.exists()
    return render(
        request,
        "intake/enquiry_done.html",
        {"enquiry": enquiry, "tier": enquiry.case.tier.key if has_response else None},
    )


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def duty_rota(request):
    staff = roles.clinical_staff()
    if request.method == "POST":
        on_duty = set(request.POST.getlist("on_duty"))
        for user in staff:
            StaffProfile.objects.update_or_create(
                user=user, defaults={"on_duty": str(user.pk) in on_duty}
            )
        return redirect("duty_rota")
    duty = set(
        StaffProfile.objects.filter(on_duty=True, user__in=staff).values_list("user_id", flat=True)
    )
    return render(request, "intake/duty_rota.html", {"staff": [(u, u.pk in duty) for u in staff]})
