"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from . import views

handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("intake.urls")),
    path("", include("followup.urls")),
    path("admin/", admin.site.urls),
]
