"""The patient's follow-up pages: unsubscribe (with RFC 8058 one-click)."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clinic.views import link_expired

from . import links, plan
from .models import OptOut


# Mail programs send the one-click POST with no CSRF token (RFC 8058); the signed token in the
# URL is the authority, and GET changes nothing, so a link scanner cannot unsubscribe anyone.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    followup = links.followup_from_unsubscribe(token)
    if followup is None:
        return link_expired(request)
    patient_id = followup.case.patient_id
    if request.method == "POST":
        if request.POST.get("resume") == "yes":
            # The patient's own link: the one way, besides staff, to undo an opt-out.
            plan.resume(patient_id, OptOut.Source.LINK)
            return render(request, "followup/resumed.html")
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        source = OptOut.Source.ONE_CLICK if one_click else OptOut.Source.LINK
        plan.opt_out(patient_id, source)
        return render(request, "followup/unsubscribed.html")
    # Opened again after unsubscribing (here or by the mail program's one-click): it says so,
    # and offers the way back instead of asking again.
    opted_out = plan.opt_out_of(patient_id, followup.case.patient.email)
    return render(request, "followup/unsubscribe.html", {"opted_out": opted_out})
