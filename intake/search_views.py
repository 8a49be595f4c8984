"""The triage queue's search box: a POST, so that what staff search for never reaches a URL."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.text import clean_line

from . import search
from .filters import URL_FILTERS


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def triage_search(request):
    """The filter form posts here: the search text is kept under a token (intake/search.py) and
    the queue opens with the token and the other filters in its URL."""
    query = QueryDict(mutable=True)
    for name in URL_FILTERS:
        values = [value for value in request.POST.getlist(name) if value]
        if values:
            query.setlist(name, values)
    text = clean_line(request.POST.get("q", ""))
    if text:
        token = search.remember(request.user, text)
        if token is None:
            messages.warning(request, "Search is not available just now; try again shortly.")
        else:
            query["search"] = token
    url = reverse("triage_queue")
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@never_cache
@require_POST
@roles.require(roles.LOG_ENQUIRY)
def enquiry_search(request):
    """Reception's patient search posts here, the same way: the text under a token, the
    enquiries page opened with the token (intake/queue_views.patients_found)."""
    text = clean_line(request.POST.get("q", ""))
    url = reverse("enquiry_list")
    if not text:
        return redirect(url)
    token = search.remember(request.user, text)
    if token is None:
        messages.warning(request, "Search is not available just now; try again shortly.")
        return redirect(url)
    return redirect(f"{url}?search={token}")  # token_urlsafe: nothing to escape
