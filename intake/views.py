"""Intake pages: the public questionnaire, its confirmation, and reception's enquiry form."""

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from clinic import audit, roles
from clinic.views import link_expired

from . import duty, promises, rules
from . import emergency as emergency_path
from .forms import CONSENT_WORDING, IntakeForm, ReceptionEnquiryForm, born_text
from .models import Enquiry, IntakeResponse, Patient, Tier
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


def questionnaire_context(form, *, refusal=None, verdict=None, recorded=None, draft=None):
    """What a page holding the questionnaire needs: the form, whether the clinic is open, the
    answers that fire an emergency (for the script), and, when the posted answers fire one,
    the A&E instruction first, saying whether the clinic's team was alerted."""
    clinic = promises.clinic_now()
    emergency = verdict is not None and verdict.emergency
    response = recorded.response if recorded else draft
    return {
        "form": form,
        "limited": refusal == "limited",
        "clinic": clinic,
        "emergency_triggers": list(rules.emergency_triggers(timezone.localdate())),
        "emergency": emergency,
        "tier": "emergency" if emergency else None,
        "promise": promises.Promise("emergency", None, None, clinic),
        "alerted": emergency and response is not None,
        "recorded_case": response.case if response else None,
        "draft_token": emergency_path.draft_token(response) if response else "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def intake_form(request):
    if request.method != "POST":
        return render(request, "intake/form.html", questionnaire_context(IntakeForm()))
    if body_too_large(request):
        return render(request, "errors/400.html", status=400)
    form = IntakeForm(request.POST)
    # Cleaned whatever else is wrong: an emergency answer is read even from a refused form.
    valid = form.is_valid()
    refusal = "bot" if form.is_bot else "limited" if over_rate_limit(request) else None
    draft = emergency_path.draft_from(request.POST)
    if valid and refusal is None:
        recorded = record_enquiry(
            contact=contact_from(form),
            source=Enquiry.Source.WEB,
            answers=form.answers(),
            consent_followup=form.cleaned_data["consent_followup"],
            consent_wording=CONSENT_WORDING,
            continuing=draft,
        )
        return redirect_to_confirmation(recorded.response)
    verdict = emergency_path.judge_posted(form)
    if not verdict.emergency:
        if refusal == "bot":
            return render(request, "errors/400.html", status=400)
        context = questionnaire_context(form, refusal=refusal, draft=draft)
        return render(request, "intake/form.html", context, status=429 if refusal else 400)
    # An answer that fires an emergency rule wins over whatever else is wrong.
    recorded = emergency_path.record(
        form,
        source=Enquiry.Source.WEB,
        refusal=refusal if valid else "invalid",
        draft=draft,
    )
    if recorded is not None and valid:
        return redirect_to_confirmation(recorded.response)
    context = questionnaire_context(
        form, refusal=refusal, verdict=verdict, recorded=recorded, draft=draft
    )
    return render(request, "intake/form.html", context, status=429 if refusal == "limited" else 400)


def redirect_to_confirmation(response):
    return redirect("intake_done", token=signing.dumps(response.pk, salt=CONFIRMATION_SALT))


def born_shown(response):
    """The date of birth the patient gave, as they would write it, with the age it gives."""
    given = response.answers.get("date_of_birth")
    if not given:
        return None
    dob = datetime.date.fromisoformat(given)
    return {"text": born_text(dob), "age": rules.age_on(dob, timezone.localdate())}


@never_cache
@require_safe
def intake_done(request, token):
    try:
        response_id = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return link_expired(request)
    response = get_object_or_404(IntakeResponse.objects.select_related("case"), pk=response_id)
    context = {
        "tier": response.tier.key,
        "promise": promises.for_case(response.case, response.tier, since=response.submitted_at),
        "alerted": response.tier == Tier.EMERGENCY,
        "born": born_shown(response),
    }
    return render(request, "intake/done.html", context)


def chosen_record(request):
    """The record reception picked for a new enquiry: `?patient=` (a patient found by the
    search) or `?enquiry=` (an enquiry logged without a questionnaire, to add it now); the
    form's initial contact details from it; 404 for a record that cannot be chosen."""
    patient_id, enquiry_id = request.GET.get("patient"), request.GET.get("enquiry")
    if enquiry_id:
        enquiry = get_object_or_404(
            Enquiry.objects.select_related("patient").filter(
                ~Exists(IntakeResponse.objects.filter(enquiry=OuterRef("pk"))),
                patient__erased_at__isnull=True,
            ),
            pk=enquiry_id if enquiry_id.isdigit() else 0,
        )
        return {"completing": enquiry}, enquiry.patient, {"source": enquiry.source}
    if patient_id:
        patient = get_object_or_404(
            Patient.objects.filter(merged_into__isnull=True, erased_at__isnull=True),
            pk=patient_id if patient_id.isdigit() else 0,
        )
        return {"patient": patient}, patient, {}
    return {}, None, {}


@never_cache
@roles.require(roles.LOG_ENQUIRY)
@require_http_methods(["GET", "POST"])
def enquiry_new(request):
    on_record, patient, initial = chosen_record(request)
    completing = "completing" in on_record
    if patient is not None:
        initial.update(
            first_name=patient.first_name,
            last_name=patient.last_name,
            phone=patient.phone,
            email=patient.email,
        )  # not the date of birth: that is a question, and one answer brings in them all
    # Not `request.POST or None`: an empty POST must show its errors, not a blank form.
    form = ReceptionEnquiryForm(
        request.POST if request.method == "POST" else None, initial=initial, completing=completing
    )
    extra = {"chosen_patient": patient, "completing": on_record.get("completing")}
    if request.method != "POST":
        return render(request, "intake/enquiry_form.html", {**questionnaire_context(form), **extra})
    draft = emergency_path.draft_from(request.POST, logged_by=request.user)
    if form.is_valid():
        answers = form.answers()
        recorded = record_enquiry(
            contact=contact_from(form),
            source=form.cleaned_data["source"],
            reason=form.cleaned_data["reason"],
            answers=answers,
            consent_followup=answers is not None and form.cleaned_data["consent_followup"],
            consent_wording=CONSENT_WORDING,
            logged_by=request.user,
            continuing=draft,
            **on_record,
        )
        return redirect("enquiry_done", pk=recorded.enquiry.pk)
    verdict = emergency_path.judge_posted(form) if form.has_questionnaire else None
    recorded = None
    if verdict is not None and verdict.emergency:
        # Tell the patient to go to A&E now, record what was answered and alert: the rest of
        # the questionnaire can be finished afterwards, on the same case.
        recorded = emergency_path.record(
            form,
            source=emergency_path.source_of(form),
            refusal="invalid",
            draft=draft,
            logged_by=request.user,
            reason=form.cleaned_data.get("reason", ""),
            **({} if draft else on_record),
        )
    context = questionnaire_context(form, verdict=verdict, recorded=recorded, draft=draft)
    return render(request, "intake/enquiry_form.html", {**context, **extra}, status=400)


@never_cache
@roles.require(roles.LOG_ENQUIRY)
def enquiry_done(request, pk):
    # The person who logged it, or who added its questionnaire later (a colleague's enquiry).
    mine = Q(logged_by=request.user) | Q(
        Exists(IntakeResponse.objects.filter(enquiry=OuterRef("pk"), entered_by=request.user))
    )
    enquiry = get_object_or_404(
        Enquiry.objects.select_related("case", "patient").filter(mine), pk=pk
    )
    response = enquiry.responses.newest_first().first()
    context = {"enquiry": enquiry, "tier": None}
    audit.viewed(request, "enquiry", enquiry.pk)
    if response is not None:
        tier = enquiry.case.tier
        context.update(
            tier=tier.key,
            promise=promises.for_case(enquiry.case, tier, since=response.submitted_at),
            alerted=tier == Tier.EMERGENCY,
            born=born_shown(response),
        )
    return render(request, "intake/enquiry_done.html", context)


@never_cache
@roles.require(roles.MANAGE_CLINIC)
@require_http_methods(["GET", "POST"])
def duty_rota(request):
    staff = roles.clinical_staff()
    if request.method == "POST":
        try:
            duty.set_rota(
                request.POST.getlist("on_duty"), actor=request.user, ip=audit.client_ip(request)
            )
        except duty.DutyRotaError as error:
            messages.error(request, f"The rota was not saved: {error}")
            return redirect("duty_rota")
        on_duty = duty.on_duty_ids()
        names = [u.get_full_name() or u.get_username() for u in staff if u.pk in on_duty]
        if names:
            messages.success(request, f"Saved. On duty now: {', '.join(names)}.")
        else:
            nobody = "Saved. Nobody is ticked, so every practitioner and clinic admin is alerted."
            messages.success(request, nobody)
        return redirect("duty_rota")
    on_duty = duty.on_duty_ids()
    return render(
        request, "intake/duty_rota.html", {"staff": [(u, u.pk in on_duty) for u in staff]}
    )
