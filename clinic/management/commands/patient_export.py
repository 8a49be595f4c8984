"""`manage.py patient_export PATIENT_ID`: everything held about a patient, as JSON on stdout.

The same JSON as the clinic admin's download (GDPR Art. 15 and 20), audited as an export by
nobody in particular (the command line). A bad id is one line on stderr and exit status 2.
"""

from django.core.management.base import BaseCommand

from clinic import audit, export
from clinic.models import AuditEntry
from intake.models import Patient

USAGE_ERROR = 2


def patient_or_exit(command, raw: str) -> Patient:
    """The patient with this id, or one line on stderr and exit status 2."""
    patient = None
    if raw.isdecimal() and len(raw) <= 18:
        patient = Patient.objects.filter(pk=int(raw)).first()
    if patient is None:
        command.stderr.write(f"There is no patient record {raw!r}: give a record's number.")
        raise SystemExit(USAGE_ERROR)
    return patient


class Command(BaseCommand):
    help = "Print everything held about a patient as JSON (subject access, portability)."

    def add_arguments(self, parser):
        parser.add_argument("patient_id", help="the patient record's number")

    def handle(self, *args, **options):
        patient = patient_or_exit(self, options["patient_id"].strip())
        body = export.export_json(patient)
        audit.log(None, AuditEntry.Action.EXPORT, "patient", patient.pk, "json-command")
        self.stdout.write(body)
