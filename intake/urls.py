"""Intake URLs."""

from django.urls import path

from . import views

urlpatterns = [
    path("intake/", views.intake_form, name="intake_form"),
    path("intake/done/<str:token>/", views.intake_done, name="intake_done"),
    path("enquiries/new/", views.enquiry_new, name="enquiry_new"),
    path("enquiries/<int:pk>/done/", views.enquiry_done, name="enquiry_done"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("staff/duty/", views.duty_rota, name="duty_rota"),
]
