"""Subject access and portability (GDPR Art. 15 and 20): everything held about a patient.

The export walks clinic/patient_data.py's tables for the record and every record merged into
it, and adds who viewed or changed any of it and when (the audit trail, without staff's network
addresses). Values are written to be read: choices by their label, staff by their user name,
answers with the question asked. The JSON (`manage.py patient_export`, the JSON download) and the
printable page are the same data.
"""

import datetime
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from intake import rules
from intake.models import Patient

from .models import AuditEntry
from .patient_data import TABLES, patient_ids

FORMAT_VERSION = 1


def _value(row, field):
    if isinstance(field, models.ForeignKey):
        related_id = getattr(row, field.attname)
        if related_id is not None and field.related_model is get_user_model():
            return getattr(row, field.name).get_username()
        return related_id
    value = getattr(row, field.attname)
    if field.choices and value is not None:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _answers(answers: dict) -> list[dict]:
    """The answers as asked: each question's text beside the answer given (unanswered: None)."""
    asked = [{"id": q.id, "question": q.text, "answer": answers.get(q.id)} for q in rules.QUESTIONS]
    known = {q.id for q in rules.QUESTIONS}
    asked += [{"id": k, "question": k, "answer": v} for k, v in answers.items() if k not in known]
    return asked


def _row(row) -> dict:
    fields = [f for f in row._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
    data = {field.name: _value(row, field) for field in fields}
    if "answers" in data and isinstance(data["answers"], dict):
        data["answers"] = _answers(data["answers"])
    return data


def _user_fields(model):
    user_model = get_user_model()
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is user_model
    ]


def access_log(ids: list[int], sections: dict) -> list[dict]:
    """Who viewed or changed the patient's records, cases and follow-ups, and when."""
    by_type = {
        "patient": ids,
        "case": [case["id"] for case in sections["cases"]],
        "followup": [followup["id"] for followup in sections["follow_ups"]],
        "outgoing_email": [email["id"] for email in sections["emails"]],
    }
    condition = models.Q()
    for object_type, object_ids in by_type.items():
        condition |= models.Q(object_type=object_type, object_id__in=object_ids)
    entries = AuditEntry.objects.filter(condition).select_related("actor").order_by("at", "pk")
    return [
        {
            "at": timezone.localtime(entry.at).isoformat(),
            "who": entry.actor.get_username() if entry.actor else "system",
            "action": entry.get_action_display(),
            "what": entry.what,
            "object": entry.object_type,
            "object_id": entry.object_id,
        }
        for entry in entries.iterator(chunk_size=2000)
    ]


def export(patient: Patient) -> dict:
    """Everything held about the patient, as plain data (JSON-ready with DjangoJSONEncoder)."""
    ids = patient_ids(patient)
    sections = {}
    for table in TABLES:
        rows = table.rows_of(ids)
        if users := _user_fields(table.model):
            rows = rows.select_related(*users)
        sections[table.section] = [_row(row) for row in rows]
    return {
        "format": FORMAT_VERSION,
        "clinic": settings.CLINIC_NAME,
        "patient_id": patient.pk,
        "exported_at": timezone.localtime().isoformat(),
        **sections,
        "access_log": access_log(ids, sections),
    }


def as_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def export_json(patient: Patient) -> str:
    return as_json(export(patient))


SECTION_TITLES = {table.section: table.title for table in TABLES} | {
    "access_log": "Who viewed or changed the record, and when"
}
