"""The case page: who the patient is, what they answered and why it was flagged, its
timeline, and the actions practitioners take on it."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinic import audit, roles

from . import casework, extensions, rules
from .case_forms import ACTIONS, StatusForm
from .models import Case, Flag

ACTION_DONE = {
    "acknowledge": "Acknowledged.",
    "assign": "Assignment saved.",
    "override": "Urgency changed; the computed urgency is kept.",
    "note": "Note added.",
    "contact": "Contact attempt recorded.",
    "status": "Status changed.",
}


NOT_ASKED = "Not asked"


def answer_sections(response):
    """The answers grouped as asked, each with the flags it raised; a fact deliberately not
    asked (at a check-in) says so instead of "Unanswered"."""
    by_fact = {}
    for flag in response.flags.all():
        for fact in flag.facts:
            by_fact.setdefault(fact, []).append(flag)
    return [
        (
            title,
            [
                (
                    q,
                    NOT_ASKED if q.id in response.not_asked else response.answers.get(q.id),
                    by_fact.get(q.id, []),
                )
                for q in rules.QUESTIONS
                if q.section == section_id
            ],
        )
        for section_id, title in rules.SECTIONS
    ]


def blank_form(name, case):
    initial = {"version": case.version, "assignee": case.assigned_to_id or ""}
    if ACTIONS[name] is StatusForm:
        return StatusForm(initial=initial, case=case)
    return ACTIONS[name](initial=initial)


def case_context(case, forms=None):
    responses = case.responses.newest_first().prefetch_related(
        Prefetch("flags", queryset=Flag.objects.order_by("tier", "id"))
    )
    events = list(case.events.select_related("actor").order_by("-at", "-id"))
    for event in events:
        event.template = extensions.EVENT_TEMPLATES.get(event.kind)
    forms = forms or {}
    action_forms = {name: forms.get(name) or blank_form(name, case) for name in ACTIONS}
    return {
        "case": case,
        "responses": [(r, answer_sections(r)) for r in responses],
        "events": events,
        "extra_panels": extensions.CASE_PANELS,
        "forms": action_forms,
        "moves": casework.allowed_moves(case.status),
    }


def load_case(pk):
    return get_object_or_404(
        Case.objects.select_related(
            "patient",
            "assigned_to",
            "acknowledged_by",
            "overridden_by",
            "possible_match__candidate",
        ),
        pk=pk,
    )


@never_cache
@roles.require(roles.VIEW_CLINICAL)
def case_detail(request, pk):
    case = load_case(pk)
    audit.viewed(request, "case", case.pk)
    return render(request, "intake/case_detail.html", case_context(case))


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def case_action(request, pk, action):
    form_class = ACTIONS.get(action)
    case = load_case(pk)
    if form_class is None:
        return render(request, "errors/404.html", status=404)
    kwargs = {"case": case} if form_class is StatusForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        context = case_context(case, {action: form})
        return render(request, "intake/case_detail.html", context, status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        perform(case.pk, version, action, data, actor=request.user, ip=audit.client_ip(request))
    except casework.Conflict as conflict:
        context = case_context(load_case(pk))
        context["conflict"] = str(conflict)
        return render(request, "intake/case_detail.html", context, status=409)
    except casework.CaseworkError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        context = case_context(case, {action: form})
        return render(request, "intake/case_detail.html", context, status=400)
    messages.success(request, ACTION_DONE[action])
    return redirect("case_detail", pk=case.pk)


def perform(case_id, version, action, data, **by):
    """One case action by name, with the form's data; `by` is the actor and their address."""
    match action:
        case "acknowledge":
            return casework.acknowledge(case_id, version, **by)
        case "assign":
            return casework.assign(case_id, version, data["assignee"], **by)
        case "override":
            return casework.override_urgency(case_id, version, data["tier"], data["reason"], **by)
        case "note":
            return casework.add_note(case_id, version, data["text"], **by)
        case "contact":
            return casework.record_contact(case_id, version, data["outcome"], data["text"], **by)
        case "status":
            return casework.move_status(case_id, version, data["status"], **by)
    raise ValueError(action)
