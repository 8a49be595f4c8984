"""The patient's check-in page, opened from a follow-up email: no login, a signed expiring link."""

from crispy_forms.layout import Hidden
from django.core import signing
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.views import link_expired
from intake import emergency as emergency_path
from intake import promises, rules
from intake.models import Tier
from intake.views import body_too_large, over_rate_limit

from . import links
from .checkin import judge, record_checkin, record_emergency, request_assessment
from .forms import CheckInForm
from .models import CheckIn

DONE_SALT = "followup.checkin.done"
DONE_MAX_AGE = 24 * 60 * 60


# The same link may be used again: a patient whose back gets worse later must be heard.
@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request, token):
    followup = links.followup_from_checkin(token)
    if followup is None:
        return link_expired(request)
    if request.method != "POST":
        # A link already used says so (and when) rather than showing a blank form as if
        # nothing had been sent; the form is one click further, for a back that got worse.
        used = followup.checkins.order_by("-created_at").first()
        if used is not None and request.GET.get("again") != "1":
            return render(request, "followup/checkin_used.html", {"checkin": used})
        return render(request, "followup/checkin.html", form_context(CheckInForm()))
    if body_too_large(request):
        return render(request, "errors/400.html", status=400)
    form = CheckInForm(request.POST)
    # Cleaned whatever else is wrong: an emergency answer is read even from a refused form.
    valid = form.is_valid()
    limited = over_rate_limit(request, group="checkin")
    draft = own_draft(request.POST, followup)
    emergency = False
    if not valid or limited:
        verdict = judge(followup, form.readable_answers(), form.readable_not_asked())
        emergency = verdict.urgency == "emergency"
    if valid and (emergency or not limited):
        # An emergency answer wins over the rate limit: the check-in is taken as it stands.
        recorded = record_checkin(
            followup,
            pain_now=form.cleaned_data["pain_now"],
            recurred=form.pain_came_back,
            wants_assessment=form.cleaned_data["wants_assessment"],
            answers=form.answers(),
            not_asked=form.not_asked(),
            continuing=draft,
        )
        return redirect("followup_checkin_done", token=signing.dumps(recorded.pk, salt=DONE_SALT))
    if emergency and draft is None:
        # The A&E instruction comes first; what was answered is recorded and alerted now.
        draft = record_emergency(
            followup,
            answers=form.readable_answers(),
            not_asked=form.readable_not_asked(),
            refusal="limited" if limited else "invalid",
        )
    context = form_context(form, limited=limited, emergency=emergency, draft=draft)
    return render(request, "followup/checkin.html", context, status=429 if limited else 400)


def own_draft(data, followup):
    """The response an emergency answer on this check-in recorded at once (the form's signed
    hidden token), if it is this patient's and its case is still open."""
    draft = emergency_path.draft_from(data)
    if draft is None or draft.case.patient_id != followup.case.patient_id:
        return None
    return draft


def form_context(form, *, emergency=False, draft=None, **extra):
    clinic = promises.clinic_now()
    if draft is not None:
        form.helper.layout.append(
            Hidden(emergency_path.DRAFT_FIELD, emergency_path.draft_token(draft))
        )
    return {
        "form": form,
        "clinic": clinic,
        "emergency_triggers": list(rules.emergency_triggers(timezone.localdate())),
        "emergency": emergency,
        "tier": "emergency" if emergency else None,
        "promise": promises.Promise("emergency", None, None, clinic),
        "alerted": emergency and draft is not None,
        **extra,
    }


# POST: the patient whose pain came back asks for the assessment the page recommends.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkin_done(request, token):
    try:
        checkin_id = signing.loads(token, salt=DONE_SALT, max_age=DONE_MAX_AGE)
    except signing.BadSignature:
        checkin_id = None
    recorded = CheckIn.objects.filter(pk=checkin_id).first() if type(checkin_id) is int else None
    if recorded is None:
        return link_expired(request)
    if request.method == "POST":
        if recorded.recurred:
            request_assessment(recorded)
        return redirect("followup_checkin_done", token=token)
    context = {"tier": None, "checkin": recorded}
    if recorded.raised:
        tier = recorded.tier
        context.update(
            tier=tier.key,
            promise=promises.for_case(recorded.new_case, tier, since=recorded.created_at),
            alerted=tier == Tier.EMERGENCY,
        )
    return render(request, "followup/checkin_done.html", context)
