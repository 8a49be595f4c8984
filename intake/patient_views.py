"""The patient's record for staff: one page with everything, merging two records, and the
decision on a possible match (made on the case page)."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit, roles

from . import extensions, matching, records
from .models import Case, Enquiry, Flag, IntakeResponse, Patient, PossibleMatch


def patient_context(patient):
    cases = list(
        Case.objects.filter(patient=patient)
        .select_related("assigned_to", "possible_match")
        .prefetch_related(*extensions.PATIENT_PREFETCH)
        .order_by("-opened_at", "-pk")
    )
    return {
        "patient": patient,
        "merged_records": list(patient.merged_records.order_by("pk")),
        "cases": cases,
        "enquiries": list(
            Enquiry.objects.filter(patient=patient)
            .select_related("logged_by")
            .order_by("-created_at", "-pk")
        ),
        "responses": list(
            IntakeResponse.objects.filter(case__patient=patient)
            .select_related("entered_by")
            .prefetch_related(Prefetch("flags", queryset=Flag.objects.order_by("tier", "id")))
            .newest_first()
        ),
        "pending_matches": list(
            PossibleMatch.objects.filter(candidate=patient, status=PossibleMatch.Status.PENDING)
            .select_related("case", "patient")
            .order_by("pk")
        ),
        "patient_panels": extensions.PATIENT_PANELS,
    }


@never_cache
@require_GET
@roles.require(roles.VIEW_CLINICAL)
def patient_detail(request, pk):
    patient = get_object_or_404(Patient.objects.select_related("merged_into"), pk=pk)
    audit.viewed(request, "patient", patient.pk)
    return render(request, "intake/patient_detail.html", patient_context(patient))


def other_record(request, patient):
    """The record named in ?other= / other=, and a message if it cannot be merged here."""
    raw = (request.POST if request.method == "POST" else request.GET).get("other", "").strip()
    if not raw:
        return None, None
    if not raw.isdecimal():
        return None, "Give the other record's number (digits only)."
    other = Patient.objects.filter(pk=int(raw)).first()
    if other is None:
        return None, f"There is no patient record {raw}."
    if other.pk == patient.pk:
        return None, "That is this record."
    if other.merged_into_id or other.erased_at:
        return None, f"Patient record {other.pk} has been merged or erased already."
    return other, None


@never_cache
@require_http_methods(["GET", "POST"])
@roles.require(roles.TRIAGE)
def patient_merge(request, pk):
    """Merge another record into this one: compare them side by side, then one button."""
    patient = get_object_or_404(Patient, pk=pk)
    other, problem = other_record(request, patient)
    if request.method == "POST" and other is not None:
        try:
            records.merge(other.pk, patient.pk, request.user, ip=audit.client_ip(request))
        except records.MergeError as error:
            problem = str(error)
        else:
            messages.success(request, f"Record {other.pk} merged into this one.")
            return redirect("patient_detail", pk=patient.pk)
    if other is not None:
        audit.viewed(request, "patient", other.pk, "merge-compare")
    audit.viewed(request, "patient", patient.pk, "merge-compare")
    context = {"patient": patient, "other": other, "problem": problem}
    status = 400 if problem else 200
    return render(request, "intake/patient_merge.html", context, status=status)


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def case_match(request, pk):
    """Confirm or reject a possible match, in one step."""
    case = get_object_or_404(Case.objects.select_related("possible_match"), pk=pk)
    decision = request.POST.get("decision")
    if not hasattr(case, "possible_match") or decision not in ("confirm", "reject"):
        messages.error(request, "Choose whether this is the same person.")
        return redirect("case_detail", pk=case.pk)
    ip = audit.client_ip(request)
    try:
        if decision == "confirm":
            matching.confirm(case.pk, request.user, ip=ip)
            messages.success(request, "Confirmed: this case is now on the existing record.")
        else:
            matching.reject(case.pk, request.user, ip=ip)
            messages.success(request, "Rejected: this case stays on a record of its own.")
    except matching.AlreadyDecided as decided:
        messages.warning(request, f"Someone decided this match already: {decided}.")
    except records.MergeError as error:
        messages.error(request, str(error))
    return redirect("case_detail", pk=case.pk)
