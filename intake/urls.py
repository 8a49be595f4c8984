"""Intake URLs."""

from django.urls import path

from . import case_views, views

urlpatterns = [
    path("intake/", views.intake_form, name="intake_form"),
    path("intake/done/<str:token>/", views.intake_done, name="intake_done"),
    path("enquiries/new/", views.enquiry_new, name="enquiry_new"),
    path("enquiries/<int:pk>/done/", views.enquiry_done, name="enquiry_done"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:action>/", case_views.case_action, name="case_action"),
    path("staff/duty/", views.duty_rota, name="duty_rota"),
]
