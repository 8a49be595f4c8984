"""The case page: who the patient is, what they answered and why it was flagged, its
timeline, and the actions practitioners take on it."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinic import audit, roles

from . import casework, extensions, rules, targets
from .case_forms import ACTIONS, StatusForm
from .forms import LEG_LABELS
from .models import Case, CaseEvent, Enquiry, Flag, Tier, TriageTargets

ACTION_DONE = {
    "acknowledge": "Acknowledged.",
    "assign": "Assignment saved.",
    "override": "Urgency changed; the computed urgency is kept.",
    "note": "Note added.",
    "contact": "Contact attempt recorded.",
    "status": "Status changed.",
}


NOT_ASKED = "Not asked"


def answer_label(question, answer):
    """An answer as staff read it: words, never the stored code."""
    if answer is None or answer == NOT_ASKED:
        return answer
    if answer is True or answer is False:
        return "Yes" if answer else "No"
    if question.kind == "leg":
        return LEG_LABELS.get(answer, answer)
    if question.kind == "score":
        return f"{answer} out of 10"
    if question.kind == "weeks":
        return f"{answer} week{'' if answer == 1 else 's'}"
    if question.kind == "date":
        try:
            return datetime.date.fromisoformat(str(answer)).strftime("%-d %b %Y")
        except ValueError:
            return answer
    return answer


def answer_sections(response):
    """The answers grouped as asked, each with the flags it raised; a fact deliberately not
    asked (at a check-in) says so instead of "Unanswered". A flag that reads several answers
    is given in full beside the first of them and referred to beside the others."""
    by_fact = {}
    for flag in response.flags.all():
        for fact in flag.facts:
            by_fact.setdefault(fact, []).append(flag)
    shown = set()
    sections = []
    for section_id, title in rules.SECTIONS:
        rows = []
        for q in rules.QUESTIONS:
            if q.section != section_id:
                continue
            answer = NOT_ASKED if q.id in response.not_asked else response.answers.get(q.id)
            flags = []
            for flag in by_fact.get(q.id, []):
                flags.append((flag, flag.pk not in shown))
                shown.add(flag.pk)
            rows.append((q, answer_label(q, answer), flags))
        sections.append((title, rows))
    return sections


def blank_form(name, case, data=None):
    """The action's form as the case is now; with `data` (a person's input refused by a
    conflict), their input kept, the version and what they saw brought up to now."""
    initial = {"version": case.version, "assignee": case.assigned_to_id or ""}
    initial.update(data or {})
    initial.update(version=case.version, seen=casework.seen_state(case, name))
    if name == "override":
        initial["tier"] = case.urgency  # the list starts where the case is, never at Emergency
    kwargs = {"case": case} if ACTIONS[name] is StatusForm else {}
    return ACTIONS[name](initial=initial, auto_id=f"id_{name}_%s", **kwargs)


def patient_told(case, response):
    """What the patient was told when they sent this questionnaire, as the confirmation page
    put it: A&E now, or when the clinic would contact them (the case's own due time when the
    questionnaire set the case's urgency; otherwise the target counted from its sending)."""
    if response is None:
        return None
    tier = Tier(response.urgency)
    if tier == Tier.EMERGENCY:
        return {"tier": tier, "emergency": True}
    if tier == case.computed_urgency and case.target_due_at is not None:
        due = case.target_due_at
    else:
        due = targets.due_at(tier, response.submitted_at, TriageTargets.current())
    return {"tier": tier, "emergency": False, "due": due}


def timeline(case):
    """The case's events, newest first, each with the full name of the person an assignment or
    an alert names by username (`to_name`), read in the same query."""
    named = get_user_model().objects.filter(username=OuterRef("to_username"))
    full_name = Concat("first_name", Value(" "), "last_name")
    return list(
        case.events.select_related("actor")
        .annotate(to_username=KT("data__to"))
        .annotate(to_name=Subquery(named.annotate(full=full_name).values("full")[:1]))
        .order_by("-at", "-id")
    )


def open_flags(responses):
    """The flags behind the case's urgency: every rule any of its questionnaires fired (a later,
    calmer questionnaire never lowers an open case's urgency), each once, most urgent first."""
    kept = {}
    for response in reversed(responses):  # oldest first: a rule keeps its first reason
        for flag in response.flags.all():
            kept.setdefault(flag.rule_id, flag)
    return sorted(kept.values(), key=lambda flag: (flag.tier, flag.pk))


def case_context(case, forms=None):
    responses = list(
        case.responses.newest_first().prefetch_related(
            Prefetch("flags", queryset=Flag.objects.order_by("tier", "id"))
        )
    )
    events = timeline(case)
    for event in events:
        event.template = extensions.EVENT_TEMPLATES.get(event.kind)
        if event.kind in (CaseEvent.Kind.ASSIGNED, CaseEvent.Kind.ALERT):
            event.person = (event.to_name or "").strip() or event.data.get("to")
    forms = forms or {}
    action_forms = {name: forms.get(name) or blank_form(name, case) for name in ACTIONS}
    latest = responses[0] if responses else None
    unanswered = []
    if latest is not None and case.screen_incomplete:
        unanswered = [
            q.text
            for q in rules.QUESTIONS
            if q.id in rules.SCREEN_FACTS
            and q.id not in latest.not_asked
            and latest.answers.get(q.id) is None
        ]
    other_cases = (
        Case.objects.filter(patient_id=case.patient_id)
        .exclude(pk=case.pk)
        .only("pk", "status", "urgency", "opened_at")
        .order_by("-opened_at")
    )
    born = case.patient.date_of_birth
    if born is None and latest is not None and latest.answers.get("date_of_birth"):
        try:  # the record has none: the one the latest questionnaire gave
            born = datetime.date.fromisoformat(str(latest.answers["date_of_birth"]))
        except ValueError:
            born = None
    return {
        "case": case,
        "born": born,
        "responses": [(r, answer_sections(r)) for r in responses],
        "latest": latest,
        "open_flags": open_flags(responses),
        "unanswered": unanswered,
        "told": patient_told(case, latest),
        "other_cases": list(other_cases),
        "events": events,
        "extra_panels": extensions.CASE_PANELS,
        "forms": action_forms,
        "moves": casework.allowed_moves(case.status),
        "contact_outcomes": casework.CONTACT_OUTCOMES,
        "tier_labels": {tier.key: tier.label for tier in Tier},
        "status_labels": dict(Case.Status.choices),
        "source_labels": dict(Enquiry.Source.choices),
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
    kept = request.session.pop(CONFLICT_KEY, None)
    if not (kept and kept.get("case") == case.pk and kept.get("action") in ACTIONS):
        kept = None
    # Showing the case as it is now after a conflict is a view of it like any other.
    audit.viewed(request, "case", case.pk, "conflict" if kept else "")
    if kept:
        # Back from a conflict: the case as it is now, the person's input kept in its form.
        action = kept["action"]
        context = case_context(case, {action: blank_form(action, case, kept["data"])})
        context["conflict"] = conflict_message(case, action)
        context["conflict_action"] = action
        return render(request, "intake/case_detail.html", context, status=409)
    return render(request, "intake/case_detail.html", case_context(case))


CONFLICT_KEY = "intake.case_conflict"


def conflict_message(case, action):
    """Why a change was not saved, naming what someone else changed and what it is now."""
    now = f"It is now “{case.get_status_display()}”, {case.get_urgency_display()}."
    if action == "assign":
        who = (
            case.assigned_to.get_full_name() or case.assigned_to.username
            if case.assigned_to
            else "nobody"
        )
        now = f"It is now assigned to {who}."
    elif action == "override":
        now = f"Its urgency is now {case.get_urgency_display()}."
    what = {
        "assign": "who the case is assigned to",
        "override": "the case's urgency",
        "status": "the case's status or urgency",
    }.get(action, "the case")
    return (
        f"Someone else changed {what} while you were looking at it. {now} "
        "Your input is kept below: check the case, then save again if it is still right."
    )


@never_cache
@require_POST
@roles.require(roles.TRIAGE)
def case_action(request, pk, action):
    form_class = ACTIONS.get(action)
    case = load_case(pk)
    if form_class is None:
        return render(request, "errors/404.html", status=404)
    kwargs = {"case": case} if form_class is StatusForm else {}
    form = form_class(request.POST, auto_id=f"id_{action}_%s", **kwargs)
    if not form.is_valid():
        context = case_context(case, {action: form})
        audit.viewed(request, "case", case.pk, f"refused {action}"[:40])
        return render(request, "intake/case_detail.html", context, status=400)
    data = dict(form.cleaned_data)
    version, seen = data.pop("version"), data.pop("seen")
    by = {"actor": request.user, "ip": audit.client_ip(request), "seen": seen}
    try:
        perform(case.pk, version, action, data, **by)
    except casework.Conflict:
        # Back to the case page (not this action's address), showing the case as it is now,
        # with what the person typed kept in its form until they look (session, popped once).
        typed = {
            name: request.POST.get(name, "")
            for name in form.fields
            if name not in ("version", "seen")
        }
        request.session[CONFLICT_KEY] = {"case": case.pk, "action": action, "data": typed}
        return redirect(f"{reverse('case_detail', args=[case.pk])}#conflict")
    except casework.CaseworkError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        context = case_context(case, {action: form})
        audit.viewed(request, "case", case.pk, f"refused {action}"[:40])
        return render(request, "intake/case_detail.html", context, status=400)
    messages.success(request, ACTION_DONE[action])
    return redirect("case_detail", pk=case.pk)


def perform(case_id, version, action, data, **by):
    """One case action by name, with the form's data; `by` is the actor, their address and
    what they saw (casework.seen_state)."""
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
