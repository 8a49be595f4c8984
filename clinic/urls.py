"""Top-level URLs."""

from django.urls import include, path

from . import audit_views, outbox_views, privacy_views, views
from .accounts.urls import account_urls, staff_urls

handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
# django-allauth answers its own rate limits through this.
handler429 = "clinic.views.too_many_requests"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("accounts/", include(account_urls)),
    path("staff/accounts/", include(staff_urls)),
    path("staff/audit/", audit_views.audit_page, name="audit"),
    path("staff/audit/export.csv", audit_views.audit_export, name="audit_export"),
    path("staff/outbox/", outbox_views.outbox_page, name="outbox"),
    path("staff/outbox/<int:pk>/<slug:action>/", outbox_views.outbox_action, name="outbox_action"),
    path("", include("intake.urls")),
    path("patients/<int:pk>/export/", privacy_views.patient_export, name="patient_export"),
    path(
        "patients/<int:pk>/export.json",
        privacy_views.patient_export_json,
        name="patient_export_json",
    ),
    path("patients/<int:pk>/erase/", privacy_views.patient_erase, name="patient_erase"),
    path("", include("followup.urls")),
]
