"""Project-wide views: home, health check, and the clear pages for refused requests."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from . import health, roles


@require_GET
def home(request):
    """The patients' start page; signed-in staff go on to their work."""
    if request.user.is_authenticated:
        return redirect(roles.landing_url(request.user))
    return render(request, "home.html")


@require_safe
def robots_txt(request):
    # Nothing here is for search engines; also the cheapest view, the benchmarks' baseline.
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    status = {"database": health.database_ok(), "broker": health.broker_ok()}
    ok = all(status.values())
    body = {name: "ok" if up else "unavailable" for name, up in status.items()}
    body["status"] = "ok" if ok else "unavailable"
    return JsonResponse(body, status=200 if ok else 503)


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def link_expired(request):
    """A patient's signed link (confirmation, check-in, unsubscribe) that is expired or not ours:
    one page for all of them, with the safety net."""
    return render(request, "errors/link_expired.html", status=404)


def too_many_requests(request, exception=None):
    return render(request, "errors/429.html", status=429)


def server_error(request):
    return render(request, "errors/500.html", status=500)
