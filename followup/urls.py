"""Follow-up URLs: the patient's pages under /f/ (signed links from the emails, no login), and
the staff's pages."""

from django.urls import path

from . import checkin_views, staff_views, views

urlpatterns = [
    path("f/unsubscribe/<str:token>/", views.unsubscribe, name="followup_unsubscribe"),
    path("f/checkin/<str:token>/", checkin_views.checkin, name="followup_checkin"),
    path("f/checked-in/<str:token>/", checkin_views.checkin_done, name="followup_checkin_done"),
    path("followups/", staff_views.followups, name="followups"),
    path(
        "followups/<int:pk>/<slug:action>/",
        staff_views.followup_action,
        name="followup_action",
    ),
    path("staff/followup-plan/", staff_views.followup_plan, name="followup_plan"),
    path(
        "patients/<int:pk>/resume-followups/",
        staff_views.followup_resume,
        name="followup_resume",
    ),
]
