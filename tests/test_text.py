"""Names and free text are kept without control characters, line breaks where one line belongs,
or bidirectional overrides; one cleaner does it for every form."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse

from clinic.text import LineField, TextField, clean_line, clean_text
from intake.filters import CaseFilter
from intake.models import CaseEvent, Enquiry, Patient

from .factories import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Alex\x07", "Alex"),  # BEL
        ("Al\r\nex", "Al  ex"),  # a second line in a name
        ("Alex\nExample", "Alex Example"),
        ("Smith\u202eCSV.exe", "SmithCSV.exe"),  # right-to-left override
        ("\u2066Alex\u2069", "Alex"),  # isolates
        ("Ale\u200bx", "Alex"),  # zero-width space
        ("\ufeffAlex", "Alex"),  # byte-order mark
        ("Al\x1b[31mex", "Al[31mex"),  # an escape sequence loses its ESC
        ("Ale\x7fx\x9b", "Alex"),  # DEL and a C1 control
        ("Zoe\u0308", "Zoë"),  # decomposed: one name whichever way it was typed
        ("Alex\tExample", "Alex Example"),
        ("  Alex  ", "Alex"),
        ("\u0645\u06cc\u200c\u0631\u0648\u0632", "\u0645\u06cc\u200c\u0631\u0648\u0632"),  # ZWNJ
        ("👩\u200d⚕️", "👩\u200d⚕️"),  # ZWJ in an emoji
    ],
)
def test_a_single_line_keeps_what_a_person_means_and_nothing_else(typed, kept):
    assert clean_line(typed) == kept


def test_free_text_keeps_its_line_breaks_and_loses_the_rest():
    assert clean_text("First line\r\nsecond\rthird\u2028fourth\x07\u202e") == (
        "First line\nsecond\nthird\nfourth"
    )


def test_the_public_form_stores_names_without_control_characters(client):
    contact = {"first_name": "Al\u202eex\x07", "last_name": "Exam\r\nple"}
    response = client.post(reverse("intake_form"), form_data(contact))
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.first_name, patient.last_name) == ("Alex", "Exam  ple")


def test_a_nul_in_a_name_is_refused_not_stripped(client):
    response = client.post(reverse("intake_form"), form_data({"first_name": "Al\x00ex"}))
    assert response.status_code == 400
    assert response.context["form"].errors["first_name"] == ["Null characters are not allowed."]
    assert not Patient.objects.exists()


def test_reception_free_text_keeps_lines_but_not_control_characters(reception_client):
    data = {
        "first_name": "Alex",
        "last_name": "Example",
        "phone": "07700 900123",
        "source": "phone",
        "reason": "Back pain\r\nsince Monday\x1b\u202e",
    }
    assert reception_client.post(reverse("enquiry_new"), data).status_code == 302
    assert Enquiry.objects.get().reason == "Back pain\nsince Monday"


def test_a_case_note_loses_a_bidirectional_override(practitioner_client):
    from intake.services import Contact, record_enquiry

    case = record_enquiry(contact=Contact("Alex", "Example", phone="07700 900123"), source="phone")
    url = reverse("case_action", args=[case.case.pk, "note"])
    practitioner_client.post(url, {"version": 1, "text": "Called\u202e back\x07"})
    assert CaseEvent.objects.get(kind="note").text == "Called back"


def project_forms():
    """Every form class defined in the project's own packages."""
    found = set()
    for package in ("clinic", "intake", "followup"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            skipped = (".migrations", ".management", ".settings", ".wsgi", ".celery")
            if any(part in info.name for part in skipped):
                continue
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                    found.add(obj)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def text_fields(form):
    """Fields people type text into; not emails (validated as such) and never passwords, which
    are kept exactly as typed."""
    for name, field in form.fields.items():
        if (
            isinstance(field, forms.CharField)
            and not isinstance(field, forms.EmailField | forms.URLField | forms.SlugField)
            and not isinstance(field.widget, forms.PasswordInput)
        ):
            yield name, field


def test_every_text_field_of_every_form_uses_the_one_cleaner():
    classes = project_forms()
    assert len(classes) >= 10  # the search really found the forms
    checked = 0
    instances = [cls() for cls in classes if not inspect.isabstract(cls)]
    instances.append(CaseFilter().form)
    for form in instances:
        for name, field in text_fields(form):
            assert isinstance(field, LineField | TextField), f"{type(form).__name__}.{name}"
            checked += 1
    assert checked >= 8
