"""Intake URLs."""

from django.urls import path

from . import case_views, manage_views, patient_views, queue_views, search_views, views

urlpatterns = [
    path("intake/", views.intake_form, name="intake_form"),
    path("intake/done/<str:token>/", views.intake_done, name="intake_done"),
    path("enquiries/", queue_views.enquiry_list, name="enquiry_list"),
    path("enquiries/new/", views.enquiry_new, name="enquiry_new"),
    path("enquiries/search/", search_views.enquiry_search, name="enquiry_search"),
    path("enquiries/<int:pk>/done/", views.enquiry_done, name="enquiry_done"),
    path("triage/", queue_views.triage_queue, name="triage_queue"),
    path("triage/fragment/", queue_views.triage_fragment, name="triage_fragment"),
    path("triage/search/", search_views.triage_search, name="triage_search"),
    path("triage/export.csv", queue_views.triage_export, name="triage_export"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    # Before case_action, whose <slug:action> would otherwise take "audit".
    path("cases/<int:pk>/audit/", manage_views.case_audit, name="case_audit"),
    path("cases/<int:pk>/audit.csv", manage_views.case_audit_export, name="case_audit_export"),
    path("cases/<int:pk>/match/", patient_views.case_match, name="case_match"),
    path("cases/<int:pk>/<slug:action>/", case_views.case_action, name="case_action"),
    path("patients/<int:pk>/", patient_views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/merge/", patient_views.patient_merge, name="patient_merge"),
    path("staff/duty/", views.duty_rota, name="duty_rota"),
    path("staff/targets/", manage_views.triage_targets, name="triage_targets"),
    path("staff/hours/", manage_views.clinic_hours, name="clinic_hours"),
    path("staff/escalation/", manage_views.escalation_contacts, name="escalation_contacts"),
    path("overview/", manage_views.overview, name="overview"),
]
