"""clinic.form_widgets prints Django's widget templates in Python: byte for byte what Django's
own renderer prints, for every form that uses it, blank, filled in and with errors."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.test import RequestFactory

from clinic.form_widgets import QUICK_WIDGETS
from intake import case_forms, search
from intake.filters import case_filter
from intake.models import Case

from .factories import staff

pytestmark = pytest.mark.django_db

DJANGO = DjangoTemplates()
ODD = "<b>Tom & 'Jerry'</b> \"quoted\" ü"


def printed_both_ways(form):
    """Every field's widget (and each checkbox) by Django's renderer and by QuickWidgets."""
    ours, django = [], []
    for renderer, out in ((QUICK_WIDGETS, ours), (DJANGO, django)):
        form.renderer = renderer
        form._bound_fields_cache.clear()
        for field in form:
            out.append(str(field))
            out.extend(str(box.tag()) for box in field.subwidgets)
    return ours, django


@pytest.mark.parametrize(
    ("query", "searched"),
    [
        ("", None),
        (
            "tier=0&tier=3&status=new&status=closed&assigned=me&source=phone&opened_from=2026-01-02",
            None,
        ),
        ("tier=9&status=lost&assigned=bob&source=pigeon&opened_from=yesterday", "x" * 101),
        ("opened_to=%22%3E%3Cx", "<b>\"x'&"),
    ],
)
def test_the_queue_filters_print_as_django_prints_them(practitioner, query, searched):
    if searched is not None:  # the search text comes from the cache by its token
        query += f"&search={search.remember(practitioner, searched)}"
    request = RequestFactory().get("/triage/?" + query)
    request.user = practitioner
    form = case_filter(request).form
    assert form.renderer is QUICK_WIDGETS
    ours, django = printed_both_ways(form)
    assert ours == django


def case_form(name, data=None):
    form_class = case_forms.ACTIONS[name]
    kwargs = {"data": data} if data is not None else {"initial": {"version": 3, "assignee": ""}}
    if form_class is case_forms.StatusForm:
        kwargs["case"] = Case(status=Case.Status.NEW)
    return form_class(**kwargs)


@pytest.mark.parametrize("name", sorted(case_forms.ACTIONS))
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"version": "0", "tier": "9", "reason": ODD, "text": ODD, "outcome": "x", "status": "x"},
        {"version": "2", "tier": "1", "reason": ODD, "text": ODD, "outcome": "called"},
    ],
)
def test_the_case_page_forms_print_as_django_prints_them(name, data):
    staff("practitioner", username="pat", first_name=ODD)
    data = QueryDict(mutable=True) if data == {} else data
    form = case_form(name, data)
    assert form.renderer is QUICK_WIDGETS
    if data is not None:
        form.is_valid()
    ours, django = printed_both_ways(form)
    assert ours == django
