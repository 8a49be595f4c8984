"""Clinic admins' pages for a patient's rights: the export of everything held (a printable page
and JSON) and erasure. Both audited."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from intake.models import Patient

from . import audit, erasure, export, roles
from .text import TextField


def readable_sections(data: dict):
    """The export as titled sections of rows, each row (label, value) pairs, for the page."""
    for key, title in export.SECTION_TITLES.items():
        rows = [
            [(name.replace("_", " ").capitalize(), value) for name, value in row.items()]
            for row in data[key]
        ]
        yield key, title, rows


def exported_patient(request, pk, what):
    """The patient, and everything held about them; the export audited as `what`."""
    patient = get_object_or_404(Patient, pk=pk)
    data = export.export(patient)
    audit.exported(request, "patient", patient.pk, what)
    return patient, data


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def patient_export(request, pk):
    patient, data = exported_patient(request, pk, "page")
    context = {"patient": patient, "data": data, "sections": list(readable_sections(data))}
    return render(request, "clinic/patient_export.html", context)


@never_cache
@require_GET
@roles.require(roles.MANAGE_CLINIC)
def patient_export_json(request, pk):
    patient, data = exported_patient(request, pk, "json")
    response = HttpResponse(export.as_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.json"'
    return response


class ErasureForm(forms.Form):
    reason = TextField(
        label="Why is this record erased?",
        help_text="Kept after the erasure, so never the patient's name or contact details: "
        "for example “Erasure requested by the patient in writing, checked by phone”.",
        max_length=erasure.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="I understand that the patient's name, contact details, answers and notes are "
        "removed for good; the clinic's counts remain."
    )


@never_cache
@require_http_methods(["GET", "POST"])
@roles.require(roles.MANAGE_CLINIC)
def patient_erase(request, pk):
    patient = get_object_or_404(Patient, pk=pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    problem = erasure.refusal(patient)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            erasure.erase(
                patient.pk,
                form.cleaned_data["reason"],
                request.user,
                ip=audit.client_ip(request),
            )
        except erasure.ErasureRefused as refused:
            form.add_error("reason", str(refused))
        else:
            messages.success(request, f"Patient record {patient.pk} erased.")
            return redirect("patient_detail", pk=patient.pk)
    if request.method != "POST":
        audit.viewed(request, "patient", patient.pk, "erase-form")
    status = 400 if request.method == "POST" else 200
    context = {"patient": patient, "form": form, "problem": problem}
    return render(request, "clinic/patient_erase.html", context, status=status)
