"""`manage.py patient_erase PATIENT_ID --reason TEXT`: anonymise a patient's record.

What clinic/erasure.py does for a clinic admin, from the command line (audited with no staff
member). A bad id, a missing reason, a reason naming the patient, or a record that cannot be
erased yet is one line on stderr and exit status 2.
"""

from django.core.management.base import BaseCommand

from clinic import erasure

from .patient_export import USAGE_ERROR, patient_or_exit


class Command(BaseCommand):
    help = "Anonymise a patient's record (names, contact details, answers, notes), keeping counts."

    def add_arguments(self, parser):
        parser.add_argument("patient_id", help="the patient record's number")
        parser.add_argument(
            "--reason",
            default="",
            help="why it is erased (kept; never the patient's name or contact details)",
        )

    def handle(self, *args, **options):
        patient = patient_or_exit(self, options["patient_id"].strip())
        try:
            erased = erasure.erase(patient.pk, options["reason"], what="erase-command")
        except erasure.ErasureRefused as refused:
            self.stderr.write(str(refused))
            raise SystemExit(USAGE_ERROR) from None
        self.stdout.write(
            f"Patient record {erased.patient_id} erased: {erased.records} record(s), "
            f"{erased.cases} case(s), {erased.messages_cancelled} unsent message(s) cancelled."
        )
