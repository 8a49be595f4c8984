"""Follow-up pages for patients: signed links from the emails, no login."""

from django.urls import path

from . import views

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="followup_unsubscribe"),
]
