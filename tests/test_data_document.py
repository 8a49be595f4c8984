"""docs/data.md lists every stored field about a patient: a model that gains a patient field, or
a relation to a patient, fails here until the document (and clinic/patient_data.py) says why it
is kept and for how long."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from clinic.models import AuditEntry
from clinic.patient_data import TABLES
from intake.models import Patient

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "data.md"


def documented() -> dict[str, dict[str, str]]:
    """model label -> field name -> the document's "How long" for it."""
    tables, current = {}, None
    for line in DOCUMENT.read_text().splitlines():
        heading = re.fullmatch(r"## (\w+\.\w+)", line.strip())
        if heading:
            current = tables.setdefault(heading.group(1), {})
            continue
        row = re.match(r"\| `(\w+)` \|(.*)\|\s*$", line)
        if row and current is not None:
            current[row.group(1)] = row.group(2).split("|")[-1].strip()
    return tables


def about_a_patient() -> set[type[models.Model]]:
    """Every model whose rows are about a patient: a relation to Patient, or to such a model."""
    found = {Patient}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in found:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in found:
                    found.add(model)
                    grew = True
                    break
    return found


def test_every_model_about_a_patient_is_declared_for_export_and_erasure():
    assert about_a_patient() == {table.model for table in TABLES}


def test_every_field_of_every_patient_table_is_documented_and_nothing_else():
    tables = documented()
    models_ = [table.model for table in TABLES] + [AuditEntry]
    assert set(tables) == {model._meta.label for model in models_}
    for model in models_:
        fields = {field.name for field in model._meta.concrete_fields}
        listed = set(tables[model._meta.label])
        assert fields - listed == set(), f"{model._meta.label}: not in docs/data.md"
        assert listed - fields == set(), f"{model._meta.label}: no such field any more"


def test_the_document_says_what_erasure_does_to_each_field():
    tables = documented()
    for table in TABLES:
        for name, how_long in tables[table.model._meta.label].items():
            if name in table.erase:
                assert re.search(r"then (removed|replaced)", how_long), (table.model, name)
            else:
                assert how_long == "kept without identity", (table.model, name)


def test_the_check_finds_a_new_field():
    """The test above can fail: a field the document does not list is caught."""
    tables = documented()
    fields = {field.name for field in Patient._meta.concrete_fields} | {"nickname"}
    assert fields - set(tables["intake.Patient"]) == {"nickname"}
